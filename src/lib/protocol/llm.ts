import type { CallRequest, CallResult } from '$lib/protocol/rpc';
import type { JsonSchema } from '$lib/types/tools';
import type {
	ChatMessage,
	FinishReason,
	GenerationOptions,
	LoadProgress,
	Timings,
	Usage
} from '$lib/types/llm';

// The typed protocol between engine/webllm.ts (the page) and workers/llm.worker.ts.
// Every request carries an id; the worker answers it with exactly one `result`, after any number
// of `progress` (load) or `delta` (chat) events for the same id. `cancel` names a request id.

/** One downloadable model variant as web-llm needs it, every URL absolute. */
export interface WebModelSpec {
	/** web-llm model_id, e.g. "Qwen2.5-1.5B-Instruct-q4f32_1-MLC". */
	id: string;
	/** Folder holding mlc-chat-config.json, tokenizer files, tensor-cache.json and shards. */
	modelUrl: string;
	/** The compiled model library (.wasm). */
	modelLibUrl: string;
	contextWindow: number;
	/** WebGPU features the variant needs, e.g. ["shader-f16"]. */
	requiredFeatures: string[];
	vramMB: number;
}

/** What the worker's WebGPU adapter can do; absent fields mean the browser would not say. */
export interface GpuProbe {
	webgpu: boolean;
	/** Why WebGPU is missing, in the browser's words, when `webgpu` is false. */
	reason?: string;
	vendor?: string;
	architecture?: string;
	description?: string;
	/** True for software adapters (SwiftShader and the like): slow, but they work. */
	fallbackAdapter?: boolean;
	shaderF16: boolean;
	maxBufferSize?: number;
	maxStorageBufferBindingSize?: number;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** True for CPU-emulated GPUs: they work, but at a few words per second. */
export function isSoftwareAdapter(gpu: GpuProbe): boolean {
	if (gpu.fallbackAdapter) return true;
	return [gpu.description, gpu.vendor, gpu.architecture].some(
		(s) => s !== undefined && SOFTWARE_ADAPTER.test(s)
	);
}

/** One generation, as both in-browser runtimes take it. */
export interface ChatParams {
	modelId: string;
	/** Tool turns included; each worker rewrites them for its library. */
	messages: ChatMessage[];
	options?: GenerationOptions;
	/** Constrains the reply to JSON matching this schema (the library's grammar). */
	responseSchema?: JsonSchema;
}

export interface ChatResult {
	finishReason: FinishReason;
	usage?: Usage;
	/** Timings measured inside the worker (the client adds its own wall-clock view). */
	timings: Timings;
}

/** Call name → params and result: a switch on `call` gives typed params without a cast. */
export interface LlmCalls {
	probe: { params: Record<string, never>; result: GpuProbe };
	load: { params: { model: WebModelSpec }; result: { loadMs: number } };
	chat: { params: ChatParams; result: ChatResult };
	countTokens: { params: { modelId: string; texts: string[] }; result: { counts: number[] } };
	unload: { params: Record<string, never>; result: null };
}

export type LlmCallName = keyof LlmCalls;

export type LlmRequest = CallRequest<LlmCalls>;

export type LlmToWorker = LlmRequest | { type: 'cancel'; id: number };

export type LlmResult = CallResult<LlmCalls>;

export type LlmFromWorker =
	/** Posted once the worker's message handler is installed. */
	| { type: 'ready' }
	| { type: 'progress'; id: number; progress: LoadProgress }
	| { type: 'delta'; id: number; text: string }
	/** The GPU device went away outside any call; the client restarts the worker. */
	| { type: 'device-lost'; message: string }
	| LlmResult;
