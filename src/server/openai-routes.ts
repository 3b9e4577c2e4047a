// GET /v1/models and POST /v1/chat/completions in OpenAI's wire format, streamed (SSE) or not.
// Without caller tools the answer is Hearth's own (agent, tools by policy, saved in the store);
// with them the caller runs its own loop: the model's tool calls go back to it as `tool_calls`.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatDelta } from '$lib/engine/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { FinishReason, Usage } from '$lib/types/llm';
import type { ProposedToolCall } from '$lib/types/tools';
import type { ApiChat, ApiModel, ServerDeps } from './api-chat';
import { finishAnswer } from './api-chat';
import { API_HEADERS, errorBody, sendJson } from './http';
import {
	agentTurns,
	callerTools,
	engineMessages,
	generationOptions,
	type CompletionRequest
} from './openai-request';

/** Tokens a request used, for the request log. */
export interface Counted {
	promptTokens?: number;
	completionTokens?: number;
}

export function modelsReply(models: readonly ApiModel[]) {
	const created = Math.floor(Date.now() / 1000);
	return {
		object: 'list',
		data: [
			{ id: 'hearth', object: 'model', created, owned_by: 'hearth' },
			...models.map((m) => ({
				id: m.id,
				object: 'model',
				created,
				owned_by: `hearth:${m.kind}`,
				...(m.contextLength ? { context_length: m.contextLength } : {})
			}))
		]
	};
}

function usageOf(usage: Usage | undefined) {
	if (!usage) return undefined;
	return {
		prompt_tokens: usage.promptTokens,
		completion_tokens: usage.completionTokens,
		total_tokens: usage.promptTokens + usage.completionTokens,
		...(usage.cachedPromptTokens !== undefined
			? { prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens } }
			: {})
	};
}

function wireCall(call: ProposedToolCall, index?: number) {
	return {
		...(index === undefined ? {} : { index }),
		id: call.id,
		type: 'function' as const,
		function: { name: call.name, arguments: call.argumentsText }
	};
}

/**
 * An SSE reply whose headers wait for the first token: an error before any (no model, engine
 * down) still gets its proper HTTP status instead of a 200 with an error event.
 */
class SseReply {
	readonly #res: ServerResponse;
	readonly #id = `chatcmpl-${randomUUID()}`;
	readonly #created = Math.floor(Date.now() / 1000);
	readonly #model: string;
	readonly #includeUsage: boolean;
	#open = false;

	constructor(res: ServerResponse, model: string, includeUsage: boolean) {
		this.#res = res;
		this.#model = model;
		this.#includeUsage = includeUsage;
	}

	get open(): boolean {
		return this.#open;
	}

	#chunk(delta: object, finish: FinishReason | 'tool_calls' | null, extra: object = {}) {
		return {
			id: this.#id,
			object: 'chat.completion.chunk',
			created: this.#created,
			model: this.#model,
			choices: [{ index: 0, delta, finish_reason: finish }],
			...(this.#includeUsage ? { usage: null } : {}),
			...extra
		};
	}

	#write(data: unknown) {
		this.#res.write(`data: ${JSON.stringify(data)}\n\n`);
	}

	start() {
		if (this.#open) return;
		this.#open = true;
		this.#res.writeHead(200, {
			...API_HEADERS,
			'Content-Type': 'text/event-stream; charset=utf-8',
			Connection: 'keep-alive',
			'X-Accel-Buffering': 'no'
		});
		this.#write(this.#chunk({ role: 'assistant', content: '' }, null));
	}

	text(text: string) {
		this.start();
		this.#write(this.#chunk({ content: text }, null));
	}

	toolCall(call: ProposedToolCall, index: number) {
		this.start();
		this.#write(this.#chunk({ tool_calls: [wireCall(call, index)] }, null));
	}

	finish(reason: FinishReason | 'tool_calls', usage: Usage | undefined, hearth?: object) {
		this.start();
		this.#write(this.#chunk({}, reason, hearth ? { hearth } : {}));
		if (this.#includeUsage) {
			this.#write({
				id: this.#id,
				object: 'chat.completion.chunk',
				created: this.#created,
				model: this.#model,
				choices: [],
				usage: usageOf(usage) ?? null
			});
		}
		this.#res.end('data: [DONE]\n\n');
	}

	/** An error after the first token: OpenAI's error event, then the end. */
	fail(error: HearthError) {
		this.#write(errorBody(error));
		this.#res.end('data: [DONE]\n\n');
	}
}

function completion(
	model: string,
	message: object,
	finish: FinishReason | 'tool_calls',
	usage: Usage | undefined,
	hearth?: object
) {
	return {
		id: `chatcmpl-${randomUUID()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
		usage: usageOf(usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
		...(hearth ? { hearth } : {})
	};
}

/** Hearth's own answer: the agent with its tools (by policy), saved as a new conversation. */
export async function agentCompletion(
	chat: ApiChat,
	request: CompletionRequest,
	res: ServerResponse,
	signal: AbortSignal
): Promise<Counted> {
	const pin = await chat.pinFor(request.model ?? undefined, signal);
	const { systemPrompt, turns } = agentTurns(request);
	const start = await chat.startNew({
		turns,
		pin,
		options: generationOptions(request),
		systemPrompt,
		signal
	});
	const model = () => start.answer.model ?? request.model ?? 'hearth';
	const stream = request.stream
		? new SseReply(res, request.model ?? 'hearth', request.stream_options?.include_usage === true)
		: null;
	const result = await finishAnswer(start, (text) => stream?.text(text));
	const hearth = {
		conversation: start.conversation.id,
		message: start.answer.id,
		tool_calls: start.answer.toolCalls?.map((c) => ({ name: c.name, status: c.status })) ?? []
	};
	const counted = {
		promptTokens: result.usage?.promptTokens,
		completionTokens: result.usage?.completionTokens
	};
	if (result.status === 'aborted') throw new HearthError('aborted', 'The client went away.');
	// The turn keeps usage, not the engine's finish reason: a reply that used its whole allowance
	// was cut there.
	const allowance = request.max_completion_tokens ?? request.max_tokens;
	const finish: FinishReason =
		allowance && (result.usage?.completionTokens ?? 0) >= allowance ? 'length' : 'stop';
	if (result.error) {
		if (stream?.open) stream.fail(result.error);
		else throw result.error;
		return counted;
	}
	if (stream) stream.finish(finish, result.usage, hearth);
	else {
		sendJson(
			res,
			200,
			completion(
				model(),
				{ role: 'assistant', content: result.text, refusal: null },
				finish,
				result.usage,
				hearth
			)
		);
	}
	return counted;
}

/** The caller's own tools: the engine answers with text or tool calls; nothing runs here. */
export async function passThroughCompletion(
	deps: ServerDeps,
	chat: ApiChat,
	request: CompletionRequest,
	res: ServerResponse,
	signal: AbortSignal
): Promise<Counted> {
	const pin = await chat.pinFor(request.model ?? undefined, signal);
	const choice = await deps.engines.choose(pin);
	if (choice.engine.toolCalling !== 'native') {
		throw new HearthError(
			'tools_unsupported',
			`${choice.model} (${choice.engine.label}) cannot return tool calls to the caller; name a model on Ollama or an OpenAI-compatible server, or send no tools and let Hearth's agent use its own.`
		);
	}
	const tools = callerTools(request);
	const stream = request.stream
		? new SseReply(res, choice.model, request.stream_options?.include_usage === true)
		: null;
	let text = '';
	const calls: ProposedToolCall[] = [];
	let done: Extract<ChatDelta, { type: 'done' }> | undefined;
	try {
		for await (const delta of choice.engine.chat(
			{
				model: choice.model,
				messages: engineMessages(request),
				options: generationOptions(request),
				...(tools.length > 0 ? { tools } : {})
			},
			signal
		)) {
			if (delta.type === 'text') {
				text += delta.text;
				stream?.text(delta.text);
			} else if (delta.type === 'tool_call') {
				stream?.toolCall(delta.call, calls.length);
				calls.push(delta.call);
			} else done = delta;
		}
	} catch (e) {
		const error = toHearthError(e);
		if (stream?.open && error.code !== 'aborted') {
			stream.fail(error);
			return {};
		}
		throw error;
	}
	const finish = calls.length > 0 ? 'tool_calls' : (done?.finishReason ?? 'stop');
	if (stream) stream.finish(finish, done?.usage);
	else {
		const message = {
			role: 'assistant',
			content: text === '' && calls.length > 0 ? null : text,
			refusal: null,
			...(calls.length > 0 ? { tool_calls: calls.map((c) => wireCall(c)) } : {})
		};
		sendJson(res, 200, completion(choice.model, message, finish, done?.usage));
	}
	return {
		promptTokens: done?.usage?.promptTokens,
		completionTokens: done?.usage?.completionTokens
	};
}
