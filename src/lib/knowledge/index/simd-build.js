// Rewrites simd-wasm.ts from simd-kernel-source.ts: `node src/lib/knowledge/index/simd-build.js`.
// Loads the TypeScript through Vite, as bench/ does, so the encoder needs no build step of its own.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const vite = await createServer({
	configFile: false,
	root: here,
	logLevel: 'error',
	appType: 'custom',
	server: { middlewareMode: true, hmr: false, ws: false }
});
try {
	const { kernelModuleSource } = await vite.ssrLoadModule(path.join(here, 'simd-kernel-source.ts'));
	await writeFile(path.join(here, 'simd-wasm.ts'), kernelModuleSource());
	console.warn('wrote simd-wasm.ts');
} finally {
	await vite.close();
}
