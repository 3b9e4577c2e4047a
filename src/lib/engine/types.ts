import type { SerializedError } from '$lib/types/errors';

/** The engines Hearth can talk to. WebLLM and OpenAI-compatible servers slot in beside Ollama. */
export type EngineKind = 'ollama' | 'webllm' | 'openai';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
	role: ChatRole;
	content: string;
}

export interface GenerationOptions {
	temperature?: number;
	topP?: number;
	maxTokens?: number;
	stop?: string[];
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	options?: GenerationOptions;
}

export interface Usage {
	promptTokens: number;
	completionTokens: number;
}

export interface Timings {
	/** Wall time from request to last byte, measured by Hearth. */
	totalMs: number;
	/** Wall time from request to the first text delta, measured by Hearth. */
	timeToFirstTokenMs?: number;
	/** Engine-reported prompt processing time. */
	promptMs?: number;
	/** Engine-reported decode speed. */
	decodeTokensPerSecond?: number;
}

export type FinishReason = 'stop' | 'length';

/**
 * One event of a streamed reply: text deltas, then exactly one `done` carrying usage and timings.
 * A stream that fails throws a HearthError instead of yielding `done`; an aborted one throws
 * HearthError('aborted').
 */
export type ChatDelta =
	| { type: 'text'; text: string }
	| { type: 'done'; finishReason: FinishReason; usage?: Usage; timings: Timings };

export interface ModelInfo {
	id: string;
	name: string;
	sizeBytes?: number;
	family?: string;
	parameterSize?: string;
	quantization?: string;
	contextLength?: number;
}

export type EngineProbe = { ok: true; version?: string } | { ok: false; error: SerializedError };

export interface LoadProgress {
	/** 0..1, or undefined when the engine cannot tell. */
	fraction?: number;
	text: string;
}

/**
 * One interface for every engine, wherever it runs (a server, a worker, this thread).
 * Callers never care which implementation they hold.
 */
export interface LlmEngine {
	readonly kind: EngineKind;
	/** Human label, e.g. "Ollama at http://localhost:11434". */
	readonly label: string;
	/** Cheap reachability check; never throws. */
	probe(signal?: AbortSignal): Promise<EngineProbe>;
	listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
	/** Make a model ready (download/warm it). Server engines may resolve at once. */
	load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void>;
	chat(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta>;
	dispose(): Promise<void>;
}
