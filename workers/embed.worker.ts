import type { EmbedFromWorker, EmbedToWorker } from '$lib/protocol/embed';
import { EMBED_CACHE_NAME, MODELS_PATH, ORT_FILES, ORT_PATH } from '$lib/protocol/embed';
import { createEmbedHost, readOnlyModelCache } from '$workers/embed-host';
import type { ExtractorLike, LibraryEnv, TransformersLike, WebGpuProbe } from '$workers/embed-host';

// Thin: wires transformers.js, this worker's WebGPU and Cache Storage to the host. Everything
// worth testing lives in embed-host.ts.

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: EmbedFromWorker, transfer?: Transferable[]): void;
	onmessage: ((event: MessageEvent<EmbedToWorker>) => void) | null;
}

interface GpuLike {
	requestAdapter(): Promise<unknown>;
}

const scope = self as unknown as WorkerScope;

async function probeWebGpu(): Promise<WebGpuProbe> {
	// navigator.gpu is missing outright where WebGPU is off, whatever the DOM types say.
	const gpu = (navigator as { gpu?: GpuLike }).gpu;
	if (!gpu) return { ok: false, reason: 'this browser has no WebGPU' };
	try {
		const adapter = await gpu.requestAdapter();
		return adapter ? { ok: true } : { ok: false, reason: 'no WebGPU adapter was found' };
	} catch (e) {
		return { ok: false, reason: e instanceof Error ? e.message : 'the WebGPU adapter failed' };
	}
}

async function loadLibrary(): Promise<TransformersLike> {
	// Imported on first use so `ready` goes out before the library (and ONNX Runtime) is parsed.
	const { env, pipeline } = await import('@huggingface/transformers');
	return {
		env: env as unknown as LibraryEnv,
		createExtractor: async (model, options) =>
			// The library's overloads type devices and dtypes as unions; the host passes valid ones.
			(await pipeline('feature-extraction', model, {
				...options,
				device: options.device as 'wasm',
				dtype: options.dtype as 'q8'
			})) as unknown as ExtractorLike
	};
}

const origin = self.location.origin;
const host = createEmbedHost({
	loadLibrary,
	post: (message, transfer) => scope.postMessage(message, transfer ?? []),
	probeWebGpu,
	localModelPath: MODELS_PATH,
	cache: readOnlyModelCache(() => caches.open(EMBED_CACHE_NAME)),
	wasmPaths: {
		mjs: new URL(`${ORT_PATH}${ORT_FILES.mjs}`, origin).href,
		wasm: new URL(`${ORT_PATH}${ORT_FILES.wasm}`, origin).href
	}
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending.
scope.onmessage = (event) => host.handle(event.data);
scope.postMessage({ type: 'ready' });
