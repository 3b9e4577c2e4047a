// Bundles the terminal face (src/cli/main.ts and what it imports from src/node and src/lib) into
// .hearth-cli/hearth.mjs with rolldown. Packages stay external: Node loads them from node_modules.
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const OUT_DIR = path.join(ROOT, '.hearth-cli');

/**
 * One bundle: `entry` (TypeScript under src/) into `dir`/<file>.
 * @param {string} entry
 * @param {string} dir
 * @param {string} file
 */
async function bundle(entry, dir, file) {
	await build({
		input: path.join(ROOT, entry),
		platform: 'node',
		logLevel: 'warn',
		resolve: {
			alias: { $lib: path.join(ROOT, 'src/lib'), $workers: path.join(ROOT, 'workers') }
		},
		external: (id) => !id.endsWith('?url') && !/^(\.|\/|\$lib\/|\$workers\/)/.test(id),
		// Vite's `?url` imports name a file the browser build serves (pdfjs's worker script for
		// pdf-browser.ts). Node never loads them (the terminal passes its own pdfjs loader), so
		// they become an empty URL instead of an import Node cannot resolve.
		plugins: [
			{
				name: 'hearth-vite-url-imports',
				resolveId: (id) => (id.endsWith('?url') ? `\0url:${id}` : null),
				load: (id) => (id.startsWith('\0url:') ? 'export default "";' : null)
			}
		],
		output: {
			file: path.join(dir, file),
			format: 'esm',
			codeSplitting: false,
			sourcemap: true
		}
	});
}

/**
 * The CLI, and the Python sandbox's child process (started by src/node/python/node-python.ts
 * from beside the CLI's bundle). Both are written to a folder of their own, then renamed into
 * .hearth-cli/ (the child first, the CLI last: the CLI's bundle being newer than every source
 * is what says both are current). Several `hearth` processes starting at once (tests do) may
 * each rebuild, but none ever loads a half-written bundle.
 */
export async function buildCli() {
	const work = await mkdtemp(path.join(ROOT, '.hearth-cli-build-'));
	try {
		await bundle('src/node/python/python-child.ts', work, 'python-child.mjs');
		await bundle('src/cli/main.ts', work, 'hearth.mjs');
		await mkdir(OUT_DIR, { recursive: true });
		for (const file of [
			'python-child.mjs.map',
			'python-child.mjs',
			'hearth.mjs.map',
			'hearth.mjs'
		]) {
			await rename(path.join(work, file), path.join(OUT_DIR, file));
		}
	} finally {
		await rm(work, { recursive: true, force: true });
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
