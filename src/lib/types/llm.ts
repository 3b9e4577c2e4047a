// Plain data that crosses the engine boundary, including a worker boundary: no classes, no methods.

/** The engines Hearth can talk to. */
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

export interface LoadProgress {
	/** 0..1, or undefined when the engine cannot tell. */
	fraction?: number;
	text: string;
}
