import type { SerializedError } from '$lib/types/errors';
import type { JsonSchema, ProposedToolCall, ToolSpec } from '$lib/types/tools';
import type {
	EngineKind,
	ChatMessage,
	FinishReason,
	GenerationOptions,
	LoadProgress,
	Timings,
	Usage
} from '$lib/types/llm';

// The wire types live in types/ so workers can share them; engine code imports them from here.
export type {
	BrowserEngineKind,
	EngineKind,
	ChatMessage,
	ChatRole,
	FinishReason,
	GenerationOptions,
	LoadProgress,
	Timings,
	Usage
} from '$lib/types/llm';

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	options?: GenerationOptions;
	/**
	 * Tools the model may call natively (Ollama/OpenAI `tools`). Engines whose `toolCalling` is
	 * 'schema' never get this; a model a server says cannot use tools fails with tools_unsupported.
	 */
	tools?: ToolSpec[];
	/**
	 * Constrain the whole reply to JSON matching this schema (Ollama `format`, OpenAI
	 * `response_format: json_schema`, web-llm's grammar-backed `response_format`).
	 */
	responseSchema?: JsonSchema;
}

/**
 * One event of a streamed reply: text deltas, then exactly one `done` carrying usage and timings.
 * A stream that fails throws a HearthError instead of yielding `done`; an aborted one throws
 * HearthError('aborted').
 */
export type ChatDelta =
	| { type: 'text'; text: string }
	/** A complete tool call (engines assemble streamed fragments before yielding it). */
	| { type: 'tool_call'; call: ProposedToolCall }
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

/**
 * One interface for every engine, wherever it runs (a server, a worker, this thread).
 * Callers never care which implementation they hold.
 */
export interface LlmEngine {
	readonly kind: EngineKind;
	/** Human label, e.g. "Ollama at http://localhost:11434". */
	readonly label: string;
	/**
	 * How this engine calls tools: 'native' sends `tools` and reads tool calls back; 'schema' means
	 * the agent describes tools in the prompt and constrains the reply with `responseSchema`.
	 */
	readonly toolCalling: 'native' | 'schema';
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
	/**
	 * Token counts of `texts` by the model's own tokenizer, when the engine has one at hand.
	 * Engines without one leave this out and callers estimate (see agent/context-budget).
	 */
	countTokens?(model: string, texts: string[], signal?: AbortSignal): Promise<number[]>;
	/**
	 * Exact prompt tokens of a whole conversation as the model's chat template renders it, for
	 * engines that can count a prompt but not single texts (llama.cpp in the browser).
	 */
	countPrompt?(model: string, messages: ChatMessage[], signal?: AbortSignal): Promise<number>;
	/**
	 * How this engine calls tools for one model, when that differs by model (the in-browser
	 * engine: native for a GGUF whose template knows tools, schema otherwise). Absent: toolCalling.
	 */
	toolCallingFor?(model: string): 'native' | 'schema';
	dispose(): Promise<void>;
}

/** What answers a message: an engine, a model it has, and which kind of engine it is. */
export interface EngineChoice {
	kind: EngineKind;
	engine: LlmEngine;
	model: string;
}

/** A conversation's own choice of engine and model, overriding the chain. */
export interface EnginePin {
	engine: EngineKind;
	model: string;
}
