import { MODELS_PATH } from '$lib/protocol/embed';
import type { SttFromWorker, SttToWorker } from '$lib/protocol/stt';
import { STT_CACHE_NAME } from '$lib/protocol/stt';
import { createSttHost } from '$workers/stt-host';
import type { RecognizerLike, SttTransformersLike } from '$workers/stt-host';
import { ortWasmPaths, probeWebGpu, readOnlyModelCache } from '$workers/transformers-env';
import type { GpuLike, LibraryEnv } from '$workers/transformers-env';

// Thin: wires transformers.js's Whisper pipeline, this worker's WebGPU and Cache Storage to the
// host. Everything worth testing lives in stt-host.ts and transformers-env.ts.

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: SttFromWorker): void;
	onmessage: ((event: MessageEvent<SttToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;

async function loadLibrary(): Promise<SttTransformersLike> {
	// Imported on first use so `ready` goes out before the library (and ONNX Runtime) is parsed.
	const { env, pipeline } = await import('@huggingface/transformers');
	return {
		env: env as unknown as LibraryEnv,
		createRecognizer: async (model, options) =>
			// The library's overloads type devices and dtypes as unions; the host passes valid ones.
			(await pipeline('automatic-speech-recognition', model, {
				...options,
				device: options.device as 'wasm',
				dtype: options.dtype as 'q8'
			})) as unknown as RecognizerLike
	};
}

const host = createSttHost({
	loadLibrary,
	post: (message) => scope.postMessage(message),
	// navigator.gpu is missing outright where WebGPU is off, whatever the DOM types say.
	probeWebGpu: () => probeWebGpu((navigator as { gpu?: GpuLike }).gpu),
	localModelPath: MODELS_PATH,
	cache: readOnlyModelCache(() => caches.open(STT_CACHE_NAME)),
	wasmPaths: ortWasmPaths(self.location.origin)
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending.
scope.onmessage = (event) => host.handle(event.data);
scope.postMessage({ type: 'ready' });
