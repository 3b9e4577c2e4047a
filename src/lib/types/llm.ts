// Plain data that crosses the engine boundary, including a worker boundary: no classes, no methods.
import type { ProposedToolCall } from '$lib/types/tools';

/** The engines a web page runs or reaches: in the page (web-llm, wllama), Ollama, a server. */
export const BROWSER_ENGINE_KINDS = ['webllm', 'ollama', 'openai'] as const;
export type BrowserEngineKind = (typeof BROWSER_ENGINE_KINDS)[number];

/**
 * Every engine a message or a pin can name: the browser's, plus llama.cpp in Node (`llamacpp`:
 * the terminal and the API), so one backup file holds conversations from every face.
 */
export const ENGINE_KINDS = [...BROWSER_ENGINE_KINDS, 'llamacpp'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
	role: ChatRole;
	content: string;
	/** On an assistant message: the tool calls it made (native tool calling). */
	toolCalls?: ProposedToolCall[];
	/** On a tool message: which call this is the result of, and the tool's name. */
	toolCallId?: string;
	toolName?: string;
	/** On a user message: images for a vision model, already downscaled (see vision/). */
	images?: ChatImage[];
}

/** The types an image is stored and sent as (anything else is re-encoded to one of them). */
export const IMAGE_MIMES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageMime = (typeof IMAGE_MIMES)[number];

/** One image as engines send it: base64 without the data: prefix, and its type. */
export interface ChatImage {
	mime: ImageMime;
	base64: string;
}

export interface GenerationOptions {
	temperature?: number;
	topP?: number;
	maxTokens?: number;
	stop?: string[];
	/** Sampling seed, for repeatable answers (evals); engines that cannot take one ignore it. */
	seed?: number;
}

export interface Usage {
	promptTokens: number;
	completionTokens: number;
	/**
	 * Prompt tokens the engine took from its cache instead of computing again (llama.cpp keeps the
	 * previous prompt's KV cache; only the new end of a conversation is prefilled).
	 */
	cachedPromptTokens?: number;
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

/** `tool_calls`: the model stopped to have tools run (native tool calling). */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface LoadProgress {
	/** 0..1, or undefined when the engine cannot tell. */
	fraction?: number;
	text: string;
}
