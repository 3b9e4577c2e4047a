import type { EmbedFromWorker, EmbedToWorker } from '$lib/protocol/embed';
import { EMBED_CACHE_NAME, MODELS_PATH } from '$lib/protocol/embed';
import { createEmbedHost } from '$workers/embed-host';
import type { ExtractorLike, TransformersLike } from '$workers/embed-host';
import { ortWasmPaths, probeWebGpu, readOnlyModelCache } from '$workers/transformers-env';
import type { GpuLike, LibraryEnv } from '$workers/transformers-env';

// Thin: wires transformers.js, this worker's WebGPU and Cache Storage to the host. Everything
// worth testing lives in embed-host.ts and transformers-env.ts.

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: EmbedFromWorker, transfer?: Transferable[]): void;
	onmessage: ((event: MessageEvent<EmbedToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;

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

const host = createEmbedHost({
	loadLibrary,
	post: (message, transfer) => scope.postMessage(message, transfer ?? []),
	// navigator.gpu is missing outright where WebGPU is off, whatever the DOM types say.
	probeWebGpu: () => probeWebGpu((navigator as { gpu?: GpuLike }).gpu),
	localModelPath: MODELS_PATH,
	cache: readOnlyModelCache(() => caches.open(EMBED_CACHE_NAME)),
	wasmPaths: ortWasmPaths(self.location.origin)
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending.
scope.onmessage = (event) => host.handle(event.data);
scope.postMessage({ type: 'ready' });
