import type { CallRequest, CallResult } from '$lib/protocol/rpc';
import type { LoadProgress } from '$lib/types/llm';

// The typed protocol between knowledge/embedder.ts (the page) and workers/embed.worker.ts.
// Same shape as the llm and python protocols: every call carries an id and is answered by
// exactly one `result`, after any number of `progress` events (load) for that id; `cancel` names
// a request id. The worker never touches the network: model files come from our own origin
// (MODELS_PATH) or from Cache Storage, where the page's ledgered download put them.

/** Where ONNX Runtime's wasm files are served on our own origin (vite.config.ts). */
export const ORT_PATH = '/ort/';

/** The ONNX Runtime build transformers.js 4 uses for both WebGPU and WASM (JSEP + asyncify). */
export const ORT_FILES = {
	mjs: 'ort-wasm-simd-threaded.asyncify.mjs',
	wasm: 'ort-wasm-simd-threaded.asyncify.wasm'
} as const;

/** Models served by our own origin (tests, or a self-hosted copy): /models/<id>/<file>. */
export const MODELS_PATH = '/models/';

/** The Cache Storage cache holding downloaded embedding models. */
export const EMBED_CACHE_NAME = 'hearth-embedding-models';

/**
 * The cache keys' namespace: a downloaded file is stored as
 * `${EMBED_CACHE_ORIGIN}<id>/resolve/main/<file>` whatever host it came from (a mirror works the
 * same), which is the key transformers.js looks up. The worker never fetches from it.
 */
export const EMBED_CACHE_ORIGIN = 'https://huggingface.co/';

export type EmbedDevice = 'webgpu' | 'wasm';

/** ONNX weight variants transformers.js knows by name (onnx/model_quantized.onnx is 'q8'). */
export type EmbedDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

/** What the worker needs to load one embedding model. */
export interface EmbedModelSpec {
	/** Hugging Face id, e.g. "Xenova/gte-small". */
	id: string;
	dtype: EmbedDtype;
	/** 'auto' is WebGPU when the worker has an adapter, WASM otherwise. */
	device: EmbedDevice | 'auto';
}

export interface EmbedLoadResult {
	dims: number;
	/** Where the model runs. */
	device: EmbedDevice;
	/** Why WebGPU was not used, when 'auto' ended on WASM. */
	fallbackReason?: string;
	loadMs: number;
}

export interface EmbedProgress extends LoadProgress {
	/** The file being read, when transformers.js says. */
	file?: string;
	loadedBytes?: number;
	totalBytes?: number;
}

/** Call name → params and result: a switch on `call` gives typed params without a cast. */
export interface EmbedCalls {
	load: { params: { model: EmbedModelSpec }; result: EmbedLoadResult };
	/**
	 * Mean-pooled, L2-normalised vectors, row after row in one buffer (count × dims), transferred
	 * rather than copied. Texts arrive with any prefix the model needs already applied.
	 */
	embed: {
		params: { modelId: string; texts: string[] };
		result: { data: Float32Array; count: number; dims: number };
	};
	unload: { params: Record<string, never>; result: null };
}

export type EmbedCallName = keyof EmbedCalls;

export type EmbedRequest = CallRequest<EmbedCalls>;

export type EmbedToWorker = EmbedRequest | { type: 'cancel'; id: number };

export type EmbedResult = CallResult<EmbedCalls>;

export type EmbedFromWorker =
	/** Posted once the worker's message handler is installed. */
	{ type: 'ready' } | { type: 'progress'; id: number; progress: EmbedProgress } | EmbedResult;
