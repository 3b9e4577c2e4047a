import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import {
	isPythonWorkerPath,
	PYTHON_WORKER_POLICY,
	pythonPolicyPlugin
} from './scripts/worker-policy.js';

const JS = 'text/javascript; charset=utf-8';
const WASM = 'application/wasm';

function packageVersion(dir: string): string {
	return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string })
		.version;
}

/**
 * Files of a runtime served from our own origin at `urlPath` (never a CDN), straight from its npm
 * package: by the dev server, and emitted into the build. Runtimes are too big to precache; the
 * service worker caches each on first use (runtimeCaching below), so it works offline after.
 */
interface VendorRuntime {
	name: string;
	/** '/pyodide/' */
	urlPath: string;
	/** Served name → [file in the package, content type]. */
	files: Record<string, [string, string]>;
}

function vendorFiles(runtimes: VendorRuntime[]): Plugin {
	let ssr = false;
	return {
		name: 'hearth-vendor-runtimes',
		configResolved(config) {
			ssr = Boolean(config.build.ssr);
		},
		configureServer(server) {
			for (const runtime of runtimes) {
				server.middlewares.use(runtime.urlPath.slice(0, -1), (req, res, next) => {
					const name = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
					const file = runtime.files[name];
					if (!file) return next();
					res.setHeader('Content-Type', file[1]);
					res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
					createReadStream(file[0]).pipe(res);
				});
			}
		},
		generateBundle() {
			// Client build only: the server build never serves files.
			if (ssr || this.environment?.config.consumer === 'server') return;
			for (const runtime of runtimes) {
				for (const [name, [file]] of Object.entries(runtime.files)) {
					this.emitFile({
						type: 'asset',
						fileName: `${runtime.urlPath.slice(1)}${name}`,
						source: readFileSync(file)
					});
				}
			}
		}
	};
}

/**
 * The Python worker's own Content-Security-Policy (scripts/worker-policy.js) on the dev and
 * preview servers, as scripts/serve.js sends it: without it the worker refuses to run Python.
 */
function pythonWorkerPolicy(): Plugin {
	const middleware: Connect.NextHandleFunction = (req, res, next) => {
		const pathname = (req.url ?? '').split('?')[0] ?? '';
		if (isPythonWorkerPath(pathname))
			res.setHeader('Content-Security-Policy', PYTHON_WORKER_POLICY);
		next();
	};
	return {
		name: 'hearth-python-worker-policy',
		configureServer: (server) => void server.middlewares.use(middleware),
		configurePreviewServer: (server) => void server.middlewares.use(middleware)
	};
}

function filesOf(dir: string, types: Record<string, string>): Record<string, [string, string]> {
	return Object.fromEntries(
		Object.entries(types).map(([name, type]) => [name, [path.join(dir, name), type]])
	);
}

// Python (Pyodide) for run_python.
const PYODIDE_DIR = path.resolve('node_modules/pyodide');
const PYODIDE_VERSION = packageVersion(PYODIDE_DIR);
const PYODIDE: VendorRuntime = {
	name: 'pyodide',
	urlPath: '/pyodide/',
	files: filesOf(PYODIDE_DIR, {
		'pyodide.mjs': JS,
		'pyodide.asm.mjs': JS,
		'pyodide.asm.wasm': WASM,
		'python_stdlib.zip': 'application/zip',
		'pyodide-lock.json': 'application/json; charset=utf-8'
	})
};

// ONNX Runtime for transformers.js (embeddings, Whisper) and the voice-activity detector: the
// workers point env.backends.onnx.wasm.wasmPaths here. The same path and files as ORT_PATH and
// ORT_FILES in src/lib/protocol/embed.ts (checked by src/lib/knowledge/embed-serving.test.ts):
// the config does not import app code.
const ORT_DIR = path.resolve('node_modules/onnxruntime-web/dist');
const ORT_VERSION = packageVersion(path.resolve('node_modules/onnxruntime-web'));
const ORT_PATH = '/ort/';
const ORT: VendorRuntime = {
	name: 'ort',
	urlPath: ORT_PATH,
	files: filesOf(ORT_DIR, {
		'ort-wasm-simd-threaded.asyncify.mjs': JS,
		'ort-wasm-simd-threaded.asyncify.wasm': WASM
	})
};

// The Silero voice-activity model and audio worklet that @ricky0123/vad-web ships.
const VAD_DIR = path.resolve('node_modules/@ricky0123/vad-web/dist');
const VAD_VERSION = packageVersion(path.resolve('node_modules/@ricky0123/vad-web'));
const VAD: VendorRuntime = {
	name: 'vad',
	urlPath: '/vad/',
	files: filesOf(VAD_DIR, {
		'silero_vad_v5.onnx': 'application/octet-stream',
		'silero_vad_legacy.onnx': 'application/octet-stream',
		'vad.worklet.bundle.min.js': JS
	})
};

// Tesseract (on-device OCR): its worker, the LSTM-only cores it picks between by the CPU's SIMD
// support, and the English model (4.0.0_best_int, ~3 MB) from @tesseract.js-data/eng.
const TESSERACT_CORE_DIR = path.resolve('node_modules/tesseract.js-core');
const TESSERACT_VERSION = packageVersion(path.resolve('node_modules/tesseract.js'));
const OCR: VendorRuntime = {
	name: 'ocr',
	urlPath: '/ocr/',
	files: {
		'worker.min.js': [path.resolve('node_modules/tesseract.js/dist/worker.min.js'), JS],
		...filesOf(TESSERACT_CORE_DIR, {
			'tesseract-core-lstm.wasm.js': JS,
			'tesseract-core-simd-lstm.wasm.js': JS,
			'tesseract-core-relaxedsimd-lstm.wasm.js': JS
		}),
		'eng.traineddata.gz': [
			path.resolve('node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz'),
			'application/gzip'
		]
	}
};

// llama.cpp in WebAssembly (@wllama/wllama) for GGUF models: its wasm, and the compat build
// (@wllama/wllama-compat, same version) for browsers without JSPI or Memory64 such as Safari,
// which wllama would otherwise fetch from a CDN. The same paths as WLLAMA_FILES in
// src/lib/protocol/gguf.ts (checked by src/lib/engine/gguf-serving.test.ts).
const WLLAMA_DIR = path.resolve('node_modules/@wllama/wllama');
const WLLAMA_VERSION = packageVersion(WLLAMA_DIR);
const WLLAMA_COMPAT_DIR = path.resolve('node_modules/@wllama/wllama-compat/wasm');
const WLLAMA: VendorRuntime = {
	name: 'wllama',
	urlPath: '/wllama/',
	files: {
		'wllama.wasm': [path.join(WLLAMA_DIR, 'esm/wasm/wllama.wasm'), WASM],
		'compat/wllama.wasm': [path.join(WLLAMA_COMPAT_DIR, 'wllama.wasm'), WASM],
		'compat/wllama.js': [path.join(WLLAMA_COMPAT_DIR, 'wllama.js'), JS]
	}
};

/** Unit test files that load a GGUF into llama.cpp in this process or a child (see 'llama'). */
const LLAMA_TESTS = [
	'src/node/llama-engine.test.ts',
	'src/node/evals-stories.test.ts',
	'src/server/api-server.test.ts',
	'src/cli/cli.process.test.ts',
	'src/cli/eval.test.ts'
];

export default defineConfig({
	plugins: [
		vendorFiles([PYODIDE, ORT, VAD, OCR, WLLAMA]),
		pythonWorkerPolicy(),
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
				// loads with the network off. llama.cpp's worker (~60 KB gzip) is precached; its 10 MB
				// wasm is kept by the page when a GGUF model is downloaded (gguf-runtime.ts).
				globIgnores: [
					'**/workers/llm.worker-*.js',
					// Served by its own route below, which adds the sandbox's policy to it.
					'**/workers/python.worker-*.js',
					'**/pyodide/**',
					'**/ort/**',
					'**/vad/**',
					'**/ocr/**',
					'**/wllama/**'
				],
				runtimeCaching: [
					{
						// The Python worker with its Content-Security-Policy (scripts/worker-policy.js) on
						// every copy, so a host that sends no headers still fences Python after the first
						// visit. Before the others: the first matching route answers.
						urlPattern: ({ url, sameOrigin }) =>
							sameOrigin && /\/python\.worker-[\w-]+\.js$/.test(url.pathname),
						handler: 'CacheFirst',
						options: {
							cacheName: 'hearth-python-worker',
							cacheableResponse: { statuses: [200] },
							expiration: { maxEntries: 4 },
							plugins: [pythonPolicyPlugin()]
						}
					},
					{
						urlPattern: ({ url }) => url.pathname.includes('/_app/immutable/workers/'),
						handler: 'CacheFirst',
						options: { cacheName: 'hearth-runtimes', expiration: { maxEntries: 20 } }
					},
					// Python, ONNX Runtime, the VAD, OCR and llama.cpp (wllama): cached the first time they
					// start, so they run offline after. Their file names carry no hash: the version in the
					// cache name does.
					// Each pattern is written out with its path: workbox copies the function's source into
					// the service worker, so it cannot refer to anything outside itself.
					{
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/pyodide/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-pyodide-${PYODIDE_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/ort/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-ort-${ORT_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/vad/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-vad-${VAD_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/ocr/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-ocr-${TESSERACT_VERSION}`,
							cacheableResponse: { statuses: [200] }
						}
					},
					{
						urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/wllama/'),
						handler: 'CacheFirst',
						options: {
							cacheName: `hearth-wllama-${WLLAMA_VERSION}`,
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
			},
			{
				// The voice-activity detector (@ricky0123/vad-web) brings its own ONNX Runtime: it uses
				// ours instead, the same build from /ort/, so one runtime is cached, not two.
				find: /^onnxruntime-web\/wasm$/,
				replacement: path.join(ORT_DIR, 'ort.webgpu.min.mjs')
			}
		]
	},
	worker: { format: 'es' },
	// The workers live beside src/, outside the folders SvelteKit lets the dev server read: without
	// this every worker answered 403 under `vite dev`.
	server: { fs: { allow: ['workers'] } },
	test: {
		// Mutated code runs instrumented, on every core at once: tests that take seconds may take
		// many more there, and a dry run with one timeout stops the whole mutation run.
		...(process.env.HEARTH_MUTATION ? { testTimeout: 60_000, hookTimeout: 60_000 } : {}),
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'tests/fixtures/*.test.ts'],
					// *.slow.test.ts (megabytes, whole corpora) run in npm test, but not for each mutant
					// of a mutation run (scripts/mutate.js sets HEARTH_MUTATION).
					exclude: [
						'src/**/*.svelte.test.ts',
						...LLAMA_TESTS,
						...(process.env.HEARTH_MUTATION ? ['**/*.slow.test.ts'] : [])
					],
					environment: 'node'
				}
			},
			{
				// The files that run the real model in llama.cpp (node-llama-cpp), one at a time and
				// after every other unit file: llama.cpp's threads spin-wait, so beside other busy
				// test workers a one-second case took over a minute and timed out in CI.
				extends: true,
				test: {
					name: 'llama',
					include: LLAMA_TESTS,
					environment: 'node',
					maxWorkers: 1,
					sequence: { groupOrder: 1 }
				}
			},
			{
				// Components mounted in jsdom with Svelte's client runtime.
				extends: true,
				resolve: { conditions: ['browser'] },
				test: {
					name: 'components',
					include: ['src/**/*.svelte.test.ts'],
					environment: 'jsdom'
				}
			}
		]
	}
});
