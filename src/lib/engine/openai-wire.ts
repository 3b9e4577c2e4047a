import type { ChatMessage, ChatRequest, FinishReason, ModelInfo, Usage } from '$lib/engine/types';
import type { ChatImage } from '$lib/types/llm';
import type { ToolSpec } from '$lib/types/tools';

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
	/** `choices[0].delta.tool_calls`: pieces of calls, to be joined by `ToolCallAssembler`. */
	toolCallFragments?: ToolCallFragment[];
}

/** One streamed piece of a tool call; `index` says which call, later pieces add arguments. */
export interface ToolCallFragment {
	index?: number;
	id?: string;
	name?: string;
	arguments?: string;
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
	const tools = request.tools ?? [];
	return definedOnly({
		model: request.model,
		messages: request.messages.map(toOpenAiMessage),
		tools: tools.length > 0 ? tools.map(toOpenAiTool) : undefined,
		// `strict` makes OpenAI itself enforce the schema; llama.cpp and vLLM turn any schema into
		// a grammar and ignore the flag.
		response_format: request.responseSchema
			? {
					type: 'json_schema',
					json_schema: { name: 'reply', schema: request.responseSchema, strict: true }
				}
			: undefined,
		stream: true,
		// Asks for a final usage chunk; servers that do not know the option ignore it.
		stream_options: { include_usage: true },
		temperature: o?.temperature,
		top_p: o?.topP,
		max_tokens: o?.maxTokens,
		stop: o?.stop !== undefined && o.stop.length > 0 ? o.stop : undefined,
		seed: o?.seed
	});
}

function toOpenAiTool(tool: ToolSpec): Record<string, unknown> {
	return {
		type: 'function',
		function: { name: tool.name, description: tool.description, parameters: tool.parameters }
	};
}

/**
 * History as the Chat Completions API reads it: an assistant turn's calls as `tool_calls`
 * (content null when it said nothing), a tool result as role `tool` with its `tool_call_id`.
 */
export function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
	const { role, content, toolCalls, toolCallId } = message;
	if (role === 'assistant' && toolCalls && toolCalls.length > 0) {
		return {
			role,
			content: content === '' ? null : content,
			tool_calls: toolCalls.map((call) => ({
				id: call.id,
				type: 'function',
				function: { name: call.name, arguments: call.argumentsText }
			}))
		};
	}
	if (role === 'tool') return { role, tool_call_id: toolCallId ?? '', content };
	const images = message.images ?? [];
	if (images.length > 0) return { role, content: contentParts(content, images) };
	return { role, content };
}

/** One text part, then the images as data: URLs (the form OpenAI, LM Studio and vLLM take). */
export function contentParts(
	text: string,
	images: readonly ChatImage[]
): ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[] {
	return [
		{ type: 'text', text },
		...images.map((image) => ({
			type: 'image_url' as const,
			image_url: { url: `data:${image.mime};base64,${image.base64}` }
		}))
	];
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
		const fragments = toToolCallFragments(delta.tool_calls);
		if (fragments.length > 0) parts.toolCallFragments = fragments;
		if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
			parts.finishReason = toFinishReason(choice.finish_reason);
		}
	}
	const usage = toUsage(chunk.usage);
	if (usage) parts.usage = usage;
	const timings = toServerTimings(chunk.timings);
	if (timings) parts.serverTimings = timings;
	return parts;
}

function toFinishReason(raw: string): FinishReason {
	if (raw === 'length') return 'length';
	// `function_call` is the name before tools existed; some servers still send it.
	if (raw === 'tool_calls' || raw === 'function_call') return 'tool_calls';
	return 'stop';
}

function toToolCallFragments(value: unknown): ToolCallFragment[] {
	if (!Array.isArray(value)) return [];
	return value.flatMap((raw): ToolCallFragment[] => {
		if (!isRecord(raw)) return [];
		const fn = isRecord(raw.function) ? raw.function : {};
		const fragment: ToolCallFragment = {};
		if (typeof raw.index === 'number' && Number.isInteger(raw.index)) fragment.index = raw.index;
		if (typeof raw.id === 'string' && raw.id !== '') fragment.id = raw.id;
		if (typeof fn.name === 'string' && fn.name !== '') fragment.name = fn.name;
		// Servers that send a whole call at once may give the arguments as an object.
		if (typeof fn.arguments === 'string') fragment.arguments = fn.arguments;
		else if (isRecord(fn.arguments)) fragment.arguments = JSON.stringify(fn.arguments);
		return [fragment];
	});
}

function toUsage(value: unknown): Usage | undefined {
	if (!isRecord(value)) return undefined;
	const prompt = nonNegative(value.prompt_tokens);
	const completion = nonNegative(value.completion_tokens);
	if (prompt === undefined && completion === undefined) return undefined;
	const details = isRecord(value.prompt_tokens_details) ? value.prompt_tokens_details : {};
	const cached = nonNegative(details.cached_tokens);
	return {
		promptTokens: prompt ?? 0,
		completionTokens: completion ?? 0,
		...(cached !== undefined ? { cachedPromptTokens: cached } : {})
	};
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
