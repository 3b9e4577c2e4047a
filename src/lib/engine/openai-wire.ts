import type { ChatRequest, FinishReason, ModelInfo, Usage } from '$lib/engine/types';

// The shapes of OpenAI's Chat Completions API (/v1/models, /v1/chat/completions streaming) as
// LM Studio, llama.cpp server and vLLM speak it, mapped to and from Hearth's engine types.
// Pure functions: fetching, streaming and errors stay in `engine/openai.ts`.

/** What one streamed `chat.completion.chunk` (or a mid-stream error event) tells Hearth. */
export interface ChunkParts {
	/** `choices[0].delta.content`, when non-empty. */
	text?: string;
	/** Present on the chunk that ends the choice. */
	finishReason?: FinishReason;
	usage?: Usage;
	/** llama.cpp's own measurements, sent with its last chunk. */
	serverTimings?: { promptMs?: number; decodeTokensPerSecond?: number };
	/** The server's message when the chunk is `{"error": ...}` instead of a completion. */
	error?: string;
}

/**
 * The server root, whether or not the person typed the `/v1` suffix: "http://h:1234/v1/" and
 * "http://h:1234" both give "http://h:1234", to which `/v1/...` paths are appended.
 */
export function serverRoot(baseUrl: string): string {
	return baseUrl.trim().replace(/\/+$/, '').replace(/\/v1$/i, '').replace(/\/+$/, '');
}

export function chatBody(request: ChatRequest): Record<string, unknown> {
	const o = request.options;
	return definedOnly({
		model: request.model,
		messages: request.messages.map(({ role, content }) => ({ role, content })),
		stream: true,
		// Asks for a final usage chunk; servers that do not know the option ignore it.
		stream_options: { include_usage: true },
		temperature: o?.temperature,
		top_p: o?.topP,
		max_tokens: o?.maxTokens,
		stop: o?.stop !== undefined && o.stop.length > 0 ? o.stop : undefined
	});
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** The model list is `{"data": [...]}`; anything else is undefined (a malformed reply). */
export function toModelList(body: unknown): ModelInfo[] | undefined {
	if (!isRecord(body) || !Array.isArray(body.data)) return undefined;
	return body.data.flatMap((entry) => {
		const model = toModelInfo(entry);
		return model ? [model] : [];
	});
}

export function toModelInfo(value: unknown): ModelInfo | undefined {
	if (!isRecord(value) || typeof value.id !== 'string' || value.id === '') return undefined;
	// OpenAI itself reports no context length; vLLM says max_model_len, others context_length.
	const contextLength =
		positiveNumber(value.context_length) ??
		positiveNumber(value.max_model_len) ??
		positiveNumber(value.max_context_length);
	return contextLength === undefined
		? { id: value.id, name: value.id }
		: { id: value.id, name: value.id, contextLength };
}

/** Reads one parsed SSE data object. Unknown fields are ignored, as the API asks of clients. */
export function toChunkParts(chunk: Record<string, unknown>): ChunkParts {
	if (chunk.error !== undefined && chunk.error !== null) {
		return { error: errorMessage(chunk) ?? JSON.stringify(chunk.error) };
	}
	const parts: ChunkParts = {};
	const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
	if (isRecord(choice)) {
		const delta = isRecord(choice.delta) ? choice.delta : {};
		if (typeof delta.content === 'string' && delta.content !== '') parts.text = delta.content;
		if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
			parts.finishReason = choice.finish_reason === 'length' ? 'length' : 'stop';
		}
	}
	const usage = toUsage(chunk.usage);
	if (usage) parts.usage = usage;
	const timings = toServerTimings(chunk.timings);
	if (timings) parts.serverTimings = timings;
	return parts;
}

function toUsage(value: unknown): Usage | undefined {
	if (!isRecord(value)) return undefined;
	const prompt = nonNegative(value.prompt_tokens);
	const completion = nonNegative(value.completion_tokens);
	if (prompt === undefined && completion === undefined) return undefined;
	return { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 };
}

function toServerTimings(value: unknown): ChunkParts['serverTimings'] {
	if (!isRecord(value)) return undefined;
	const promptMs = nonNegative(value.prompt_ms);
	const decodeTokensPerSecond = positiveNumber(value.predicted_per_second);
	if (promptMs === undefined && decodeTokensPerSecond === undefined) return undefined;
	return { promptMs, decodeTokensPerSecond };
}

/**
 * The server's own words from an error body: OpenAI and llama.cpp send
 * `{"error": {"message"}}`, some servers `{"error": "..."}`, older vLLM `{"message": "..."}`.
 */
export function errorMessage(body: unknown): string | undefined {
	if (!isRecord(body)) return undefined;
	const { error } = body;
	if (typeof error === 'string' && error !== '') return error;
	if (isRecord(error) && typeof error.message === 'string' && error.message !== '') {
		return error.message;
	}
	if (typeof body.message === 'string' && body.message !== '') return body.message;
	if (typeof body.detail === 'string' && body.detail !== '') return body.detail;
	return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegative(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function positiveNumber(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
