import { isSoftwareAdapter } from '$lib/protocol/llm';
import type { ChatParams, ChatResult, GpuProbe } from '$lib/protocol/llm';
import type { CallRequest, CallResult } from '$lib/protocol/rpc';
import type { ChatMessage, LoadProgress } from '$lib/types/llm';
import type { ToolSpec } from '$lib/types/tools';

// The typed protocol between engine/gguf.ts (the page) and workers/gguf.worker.ts, which runs
// llama.cpp in WebAssembly (@wllama/wllama). The same shape as the llm protocol: every call
// carries an id and is answered by exactly one `result`, after any number of `progress` (load)
// or `delta` (chat) events for that id; `cancel` names a request id. The worker never touches
// the network for a model: the page hands it the GGUF files as Blobs (from Cache Storage, where
// the ledgered download put them, or a file the user picked).

/** Where wllama's files are served on our own origin (vite.config.ts), never a CDN. */
export const WLLAMA_PATH = '/wllama/';

export const WLLAMA_FILES = {
	/** The build for browsers with JSPI and Memory64 (Chromium). */
	wasm: 'wllama.wasm',
	/** @wllama/wllama-compat, for the others (Safari): an asyncify build and its worker code. */
	compatWasm: 'compat/wllama.wasm',
	compatWorker: 'compat/wllama.js'
} as const;

/** Where the layers run: all of them on WebGPU, or the CPU (WebAssembly SIMD). */
export type GgufDevice = 'webgpu' | 'cpu';

/** `auto`: WebGPU on a real GPU, else the CPU (see ggufDeviceFor). */
export type GgufDevicePreference = 'auto' | GgufDevice;

/**
 * Where a model runs. `auto` takes a hardware WebGPU adapter and otherwise the CPU: a software
 * adapter (SwiftShader, llvmpipe) emulates a GPU on the same CPU cores that llama.cpp's own SIMD
 * code would use directly (bench/gguf.js measures both).
 */
export function ggufDeviceFor(preference: GgufDevicePreference, gpu: GpuProbe): GgufDevice {
	if (!gpu.webgpu) return 'cpu';
	if (preference !== 'auto') return preference;
	return isSoftwareAdapter(gpu) ? 'cpu' : 'webgpu';
}

/** What the worker needs to load one GGUF model. */
export interface GgufLoadSpec {
	/** Hearth's id for the model ("gguf:…"). */
	id: string;
	/**
	 * The model's files: every split of the GGUF in order (`-00001-of-0000N`), then its mmproj
	 * (the vision projector) if it has one. Blobs are handed over without copying.
	 */
	files: Blob[];
	/** Tokens of context to allocate (llama.cpp's n_ctx). */
	contextSize: number;
	device: GgufDevicePreference;
	/** CPU threads; more than 1 needs a cross-origin isolated page. */
	threads: number;
}

/** What a load found out about the model and where it runs. */
export interface GgufLoaded {
	loadMs: number;
	device: GgufDevice;
	/** Threads really used: 1 where the page is not cross-origin isolated. */
	threads: number;
	contextSize: number;
	/** The context the model was trained with (its GGUF says). */
	trainedContext: number;
	/** The GGUF carries a chat template; without one llama.cpp falls back to ChatML. */
	chatTemplate: boolean;
	/** Its template knows tools, so tool calls come back natively. */
	nativeTools: boolean;
	/** An mmproj was loaded: the model reads images. */
	vision: boolean;
	/** Running the compat build (no JSPI or Memory64 here): slower, and 4 GB of memory at most. */
	compat: boolean;
}

/** The runtime as the worker sees it, before any model is loaded. */
export interface GgufProbe {
	/** WebAssembly with SIMD and exception handling: without them llama.cpp cannot run at all. */
	supported: boolean;
	reason?: string;
	/** JSPI and Memory64: the fast build; otherwise the compat one. */
	jspi: boolean;
	memory64: boolean;
	/** SharedArrayBuffer is available (cross-origin isolated): more than one thread can run. */
	multiThread: boolean;
	hardwareConcurrency: number;
	/** The WebGPU adapter as this worker sees it. */
	gpu: GpuProbe;
}

export interface GgufChatParams extends ChatParams {
	/** Native tool calling (only for models whose template knows tools). */
	tools?: ToolSpec[];
}

/** Call name → params and result. */
export interface GgufCalls {
	probe: { params: Record<string, never>; result: GgufProbe };
	load: { params: { model: GgufLoadSpec }; result: GgufLoaded };
	chat: { params: GgufChatParams; result: ChatResult };
	/**
	 * Exact prompt tokens of a whole conversation, chat template included, as llama.cpp counts
	 * them (wllama 3 has no tokenize call: this is a completion of one token). It also leaves the
	 * prompt in the KV cache, so the answer that follows prefills only what is new.
	 */
	countPrompt: {
		params: { modelId: string; messages: ChatMessage[] };
		/** `cachedTokens`: how many llama.cpp took from its cache (the rest it prefilled now). */
		result: { tokens: number; cachedTokens?: number };
	};
	unload: { params: Record<string, never>; result: null };
}

export type GgufCallName = keyof GgufCalls;

export type GgufRequest = CallRequest<GgufCalls>;

export type GgufToWorker = GgufRequest | { type: 'cancel'; id: number };

export type GgufResult = CallResult<GgufCalls>;

/** One streamed piece of a native tool call (OpenAI's shape); the page joins the pieces. */
export interface GgufToolFragment {
	index?: number;
	id?: string;
	name?: string;
	arguments?: string;
}

export type GgufFromWorker =
	/** Posted once the worker's message handler is installed. */
	| { type: 'ready' }
	| { type: 'progress'; id: number; progress: LoadProgress }
	| { type: 'delta'; id: number; text: string }
	| { type: 'tool-delta'; id: number; fragments: GgufToolFragment[] }
	/** llama.cpp's own worker died (out of memory, an abort in the wasm): the page restarts it. */
	| { type: 'crashed'; message: string }
	| GgufResult;
