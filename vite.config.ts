import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// Pyodide's runtime is served from our own origin at /pyodide/ (never a CDN): the files the
// worker loads, straight from the npm package. They are too big to precache (~12 MB); the
// service worker caches them on first use instead (runtimeCaching below).
const PYODIDE_DIR = path.resolve('node_modules/pyodide');
const PYODIDE_VERSION = (
	JSON.parse(readFileSync(path.join(PYODIDE_DIR, 'package.json'), 'utf8')) as { version: string }
).version;
const PYODIDE_FILES: Record<string, string> = {
	'pyodide.mjs': 'text/javascript; charset=utf-8',
	'pyodide.asm.mjs': 'text/javascript; charset=utf-8',
	'pyodide.asm.wasm': 'application/wasm',
	'python_stdlib.zip': 'application/zip',
	'pyodide-lock.json': 'application/json; charset=utf-8'
};

function pyodideRuntime(): Plugin {
	let ssr = false;
	return {
		name: 'hearth-pyodide-runtime',
		configResolved(config) {
			ssr = Boolean(config.build.ssr);
		},
		configureServer(server) {
			server.middlewares.use('/pyodide', (req, res, next) => {
				const name = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
				const type = PYODIDE_FILES[name];
				if (!type) return next();
				res.setHeader('Content-Type', type);
				res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
				createReadStream(path.join(PYODIDE_DIR, name)).pipe(res);
			});
		},
		generateBundle() {
			// Client build only: the server build never serves files.
			if (ssr || this.environment?.config.consumer === 'server') return;
			for (const name of Object.keys(PYODIDE_FILES)) {
				this.emitFile({
					type: 'asset',
					fileName: `pyodide/${name}`,
					source: readFileSync(path.join(PYODIDE_DIR, name))
				});
			}
		}
	};
}

// ONNX Runtime (for transformers.js embeddings) is served from our own origin at /ort/, never a
// CDN: the worker points env.backends.onnx.wasm.wasmPaths here. The wasm is ~27 MB, too big to
// precache; the service worker caches it on first use (runtimeCaching below).
const ORT_DIR = path.resolve('node_modules/onnxruntime-web/dist');
const ORT_VERSION = (
	JSON.parse(readFileSync(path.resolve('node_modules/onnxruntime-web/package.json'), 'utf8')) as {
		version: string;
	}
).version;
// The same path and files as ORT_PATH and ORT_FILES in src/lib/protocol/embed.ts (checked by
// src/lib/knowledge/embed-serving.test.ts): the config does not import app code.
const ORT_PATH = '/ort/';
const ORT_TYPES: Record<string, string> = {
	'ort-wasm-simd-threaded.asyncify.mjs': 'text/javascript; charset=utf-8',
	'ort-wasm-simd-threaded.asyncify.wasm': 'application/wasm'
};

function ortRuntime(): Plugin {
	let ssr = false;
	return {
		name: 'hearth-ort-runtime',
		configResolved(config) {
			ssr = Boolean(config.build.ssr);
		},
		configureServer(server) {
			server.middlewares.use(ORT_PATH.slice(0, -1), (req, res, next) => {
				const name = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
				const type = ORT_TYPES[name];
				if (!type) return next();
				res.setHeader('Content-Type', type);
				res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
				createReadStream(path.join(ORT_DIR, name)).pipe(res);
			});
		},
		generateBundle() {
			if (ssr || this.environment?.config.consumer === 'server') return;
			for (const name of Object.keys(ORT_TYPES)) {
				this.emitFile({
					type: 'asset',
					fileName: `${ORT_PATH.slice(1)}${name}`,
					source: readFileSync(path.join(ORT_DIR, name))
				});
			}
		}
	};
}

export default defineConfig({
	plugins: [
		pyodideRuntime(),
		ortRuntime(),
		sveltekit(),
		SvelteKitPWA({
			strategies: 'generateSW',
			registerType: 'prompt',
			injectRegister: false,
			manifest: {
				name: 'Hearth — private AI assistant',
				short_name: 'Hearth',
				description: 'A private AI assistant that runs on your device.',
				start_url: '/',
				scope: '/',
				display: 'standalone',
				background_color: '#1c1917',
				theme_color: '#c2410c',
				icons: [
					{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
					{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
					{
						src: '/icons/maskable-192.png',
						sizes: '192x192',
						type: 'image/png',
						purpose: 'maskable'
					},
					{
						src: '/icons/maskable-512.png',
						sizes: '512x512',
						type: 'image/png',
						purpose: 'maskable'
					}
				]
			},
			workbox: {
				globPatterns: [
					'client/**/*.{js,css,html,ico,png,svg,webmanifest,woff2}',
					'prerendered/**/*.html'
				],
				// The in-browser engine (web-llm, ~6 MB) is not precached: most visits never need it.
				// It is cached on first use (opening Models starts it), so a downloaded model still
				// loads with the network off.
				globIgnores: ['**/workers/llm.worker-*.js', '**/pyodide/**', '**/ort/**'],
				runtimeCaching: [
					{
						urlPattern: ({ url }) => url.pathname.includes('/_app/immutable/workers/'),
						handler: 'CacheFirst',
						options: { cacheName: 'hearth-runtimes', expiration: { maxEntries: 20 } }
					},
					{
						// Python (Pyodide) is cached the first time it starts, so it runs offline after.
						// Its file names carry no hash: the version in the cache name does that job.
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/pyodide/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-pyodide-${PYODIDE_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						// ONNX Runtime for embeddings, cached the first time a model loads, so it runs offline
						// after. Its file names carry no hash: the version in the cache name does that job.
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(ORT_PATH),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-ort-${ORT_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						// Packages (numpy, matplotlib) the user agreed to fetch from the package host
						// (Settings.pythonPackagesUrl, a CDN or a mirror): kept for offline use.
						urlPattern: ({ url, sameOrigin }) =>
							!sameOrigin &&
							(url.pathname.endsWith('.whl') ||
								(url.pathname.includes('/pyodide/') && /\.(zip|tar|json)$/.test(url.pathname))),
						handler: 'CacheFirst',
						options: {
							cacheName: 'hearth-python-packages',
							cacheableResponse: { statuses: [200] },
							expiration: { maxEntries: 300 }
						}
					}
				],
				navigateFallback: '/',
				cleanupOutdatedCaches: true
			}
		})
	],
	resolve: {
		alias: [
			{
				// The build of ONNX Runtime that takes its wasm from wasmPaths (/ort/): the default
				// bundle would put a second copy of the 27 MB wasm into the app's assets.
				find: /^onnxruntime-web\/webgpu$/,
				replacement: path.join(ORT_DIR, 'ort.webgpu.min.mjs')
			}
		]
	},
	worker: { format: 'es' },
	test: {
		include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'tests/fixtures/*.test.ts'],
		environment: 'node'
	}
});
