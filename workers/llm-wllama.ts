import type { GgufChatParams, GgufToolFragment } from '$lib/protocol/gguf';
import type { ChatResult } from '$lib/protocol/llm';
import type { ChatMessage, FinishReason, Timings, Usage } from '$lib/types/llm';
import type { ToolSpec } from '$lib/types/tools';
import { base64ToBytes } from '$lib/utils/base64';
import { toWebLlmMessages } from '$workers/llm-webllm';

// The slice of @wllama/wllama the GGUF host uses, typed by what Hearth reads, so the host runs in
// Node against a double and Wllama satisfies it structurally; and the pure mapping between
// Hearth's chat and wllama's OpenAI-shaped one (messages, request, chunks, usage, finish).

/** A message as wllama takes it (its ChatCompletionMessage). */
export type WllamaMessage =
	| { role: 'system'; content: string }
	| { role: 'user'; content: string | WllamaContentPart[] }
	| { role: 'assistant'; content: string | null; tool_calls?: WllamaToolCall[] }
	| { role: 'tool'; content: string; tool_call_id: string };

/** Images go in as bytes; wllama swaps each for the model's media marker. */
export type WllamaContentPart =
	{ type: 'text'; text: string } | { type: 'image'; data: ArrayBuffer };

export interface WllamaToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

export interface WllamaChatRequest {
	messages: WllamaMessage[];
	stream: true;
	stream_options: { include_usage: true };
	abortSignal: AbortSignal;
	temperature?: number;
	top_p?: number;
	max_tokens?: number;
	/** llama-server reads it although wllama's own type leaves it out. */
	stop?: string[];
	tools?: { type: 'function'; function: ToolSpec }[];
	response_format?: {
		type: 'json_schema';
		json_schema: { name: string; schema: unknown; strict: true };
	};
}

/** One streamed chunk, as much of wllama's ChatCompletionChunk as Hearth reads. */
export interface WllamaChunk {
	choices: {
		delta?: {
			content?: string | null;
			tool_calls?: {
				index?: number;
				id?: string;
				function?: { name?: string; arguments?: string };
			}[];
		};
		finish_reason?: string | null;
	}[];
	usage?: {
		prompt_tokens: number;
		completion_tokens: number;
		prompt_tokens_details?: { cached_tokens?: number };
	} | null;
	timings?: { prompt_ms?: number; predicted_per_second?: number };
}

export interface WllamaLoadParams {
	n_ctx: number;
	n_threads: number;
	/** 0 keeps every layer on the CPU (and skips WebGPU entirely). */
	n_gpu_layers: number;
	/** Reasoning stays in the text as <think>…</think>, which Hearth shows and strips itself. */
	reasoning_format: 'none';
	/** Chat templates are read from the GGUF with Jinja, as llama-server does (tools need it). */
	jinja: true;
}

/** What loadModel left behind; `success` is false (and nothing thrown) when llama.cpp refused. */
export interface WllamaContextInfo {
	success?: boolean;
	n_ctx: number;
	n_ctx_train: number;
	has_image_input: boolean;
}

/** The part of wllama's Wllama the host uses. */
export interface WllamaLike {
	setCompat(compat: { wasm: string; worker: string } | null): void;
	loadModel(files: Blob[], params: WllamaLoadParams): Promise<void>;
	getLoadedContextInfo(): WllamaContextInfo;
	getChatTemplate(): string | null;
	getNumThreads(): number;
	createChatCompletion(request: WllamaChatRequest): Promise<AsyncIterable<WllamaChunk>>;
	exit(): Promise<void>;
}

/** A template that renders a `tools` variable can take tools natively (llama.cpp's own check). */
export function templateKnowsTools(template: string | null): boolean {
	return template !== null && /\btools\b/.test(template);
}

/**
 * Hearth's history as wllama takes it. With a template that knows tools, calls and results stay
 * native (`tool_calls`, role `tool`); otherwise they are written the way web-llm gets them (the
 * schema-mode JSON and a labelled user turn), which every template can render.
 */
export function toWllamaMessages(
	messages: readonly ChatMessage[],
	nativeTools: boolean
): WllamaMessage[] {
	if (!nativeTools) return toWebLlmMessages(messages).map(fromWebLlm);
	return messages.map((message): WllamaMessage => {
		const { role, content } = message;
		switch (role) {
			case 'assistant': {
				const calls = message.toolCalls ?? [];
				if (calls.length === 0) return { role, content };
				return {
					role,
					content: content === '' ? null : content,
					tool_calls: calls.map((call) => ({
						id: call.id,
						type: 'function',
						function: { name: call.name, arguments: call.argumentsText }
					}))
				};
			}
			case 'tool':
				return { role, content, tool_call_id: message.toolCallId ?? '' };
			case 'user':
				return userMessage(message);
			default:
				return { role, content };
		}
	});
}

function fromWebLlm(message: ReturnType<typeof toWebLlmMessages>[number]): WllamaMessage {
	if (message.role !== 'user') return message;
	const { content } = message;
	if (typeof content === 'string') return { role: 'user', content };
	// web-llm's image parts are data: URLs; wllama takes the bytes.
	return {
		role: 'user',
		content: content.map((part): WllamaContentPart => {
			if (part.type === 'text') return part;
			const base64 = part.image_url.url.slice(part.image_url.url.indexOf(',') + 1);
			return { type: 'image', data: toArrayBuffer(base64) };
		})
	};
}

function userMessage(message: ChatMessage): WllamaMessage {
	const images = message.images ?? [];
	if (images.length === 0) return { role: 'user', content: message.content };
	return {
		role: 'user',
		content: [
			...images.map((image): WllamaContentPart => ({
				type: 'image',
				data: toArrayBuffer(image.base64)
			})),
			{ type: 'text', text: message.content }
		]
	};
}

function toArrayBuffer(base64: string): ArrayBuffer {
	return base64ToBytes(base64).buffer;
}

/** The request for one generation: sampling from the options, a schema or native tools. */
export function toWllamaRequest(
	params: GgufChatParams,
	nativeTools: boolean,
	signal: AbortSignal
): WllamaChatRequest {
	const { options, responseSchema, tools } = params;
	const request: WllamaChatRequest = {
		messages: toWllamaMessages(params.messages, nativeTools),
		stream: true,
		stream_options: { include_usage: true },
		abortSignal: signal
	};
	if (options?.temperature !== undefined) request.temperature = options.temperature;
	if (options?.topP !== undefined) request.top_p = options.topP;
	if (options?.maxTokens !== undefined) request.max_tokens = options.maxTokens;
	if (options?.stop && options.stop.length > 0) request.stop = options.stop;
	if (responseSchema) {
		// llama.cpp turns the schema into a grammar: every token it samples keeps the JSON valid.
		request.response_format = {
			type: 'json_schema',
			json_schema: { name: 'reply', schema: responseSchema, strict: true }
		};
	}
	if (tools && tools.length > 0) {
		request.tools = tools.map((tool) => ({ type: 'function', function: tool }));
	}
	return request;
}

/** What one chunk carries, in Hearth's terms. */
export interface ChunkEvents {
	text?: string;
	fragments?: GgufToolFragment[];
	finish?: string;
	usage?: Usage;
	promptMs?: number;
	decodeTokensPerSecond?: number;
}

function positive(n: number | undefined): number | undefined {
	return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

export function chunkEvents(chunk: WllamaChunk): ChunkEvents {
	const events: ChunkEvents = {};
	const choice = chunk.choices[0];
	const text = choice?.delta?.content;
	if (text) events.text = text;
	const calls = choice?.delta?.tool_calls ?? [];
	if (calls.length > 0) {
		events.fragments = calls.map((call) => ({
			...(call.index !== undefined ? { index: call.index } : {}),
			...(call.id ? { id: call.id } : {}),
			...(call.function?.name ? { name: call.function.name } : {}),
			...(call.function?.arguments !== undefined ? { arguments: call.function.arguments } : {})
		}));
	}
	if (choice?.finish_reason) events.finish = choice.finish_reason;
	if (chunk.usage) {
		const cached = chunk.usage.prompt_tokens_details?.cached_tokens;
		events.usage = {
			promptTokens: chunk.usage.prompt_tokens,
			completionTokens: chunk.usage.completion_tokens,
			...(cached !== undefined ? { cachedPromptTokens: cached } : {})
		};
	}
	if (chunk.timings) {
		if (chunk.timings.prompt_ms !== undefined) events.promptMs = chunk.timings.prompt_ms;
		const rate = positive(chunk.timings.predicted_per_second);
		if (rate !== undefined) events.decodeTokensPerSecond = rate;
	}
	return events;
}

function finishOf(raw: string | undefined): FinishReason {
	if (raw === 'length') return 'length';
	if (raw === 'tool_calls') return 'tool_calls';
	return 'stop';
}

/** What one generation streamed, and when (all times from the host's clock). */
export interface WllamaStreamSummary {
	finish: string | undefined;
	usage: Usage | undefined;
	promptMs: number | undefined;
	decodeTokensPerSecond: number | undefined;
	started: number;
	firstTextAt: number | undefined;
	end: number;
}

export function wllamaChatResult(stream: WllamaStreamSummary): ChatResult {
	const { usage, started, firstTextAt, end } = stream;
	const decodeRate =
		stream.decodeTokensPerSecond ??
		(usage && firstTextAt !== undefined && end > firstTextAt
			? positive(usage.completionTokens / ((end - firstTextAt) / 1000))
			: undefined);
	const timings: Timings = {
		totalMs: end - started,
		timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - started,
		promptMs: stream.promptMs,
		decodeTokensPerSecond: decodeRate
	};
	return { finishReason: finishOf(stream.finish), usage, timings };
}
