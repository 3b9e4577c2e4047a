// Loads the project's TypeScript (src/node, src/lib) into a plain-JS bench through Vite's SSR
// loader; native packages (libsql, node-llama-cpp) stay external and load as usual.
import path from 'node:path';
import { createServer } from 'vite';
import { ROOT } from './lib.js';

/** @type {import('vite').ViteDevServer | undefined} */
let vite;

/** @param {string} file a path from the repository root */
export async function loadTs(file) {
	vite ??= await createServer({
		configFile: false,
		root: ROOT,
		logLevel: 'error',
		appType: 'custom',
		// No file watcher: nothing here reloads, and its scan would run beside the timed work.
		server: { middlewareMode: true, hmr: false, ws: false, watch: null },
		resolve: {
			alias: { $lib: path.join(ROOT, 'src/lib'), $workers: path.join(ROOT, 'workers') }
		}
	});
	return vite.ssrLoadModule(path.join(ROOT, file));
}

export async function closeLoader() {
	await vite?.close();
	vite = undefined;
}
