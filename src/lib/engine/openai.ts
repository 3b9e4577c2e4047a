import type {
	ChatDelta,
	ChatRequest,
	EngineProbe,
	FinishReason,
	LlmEngine,
	LoadProgress,
	ModelInfo,
	Timings,
	Usage
} from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import { PREVIEW_CHARS, callError } from '$lib/engine/http-errors';
import type { HttpErrorHints } from '$lib/engine/http-errors';
import {
	CallScopes,
	defaultFetch,
	pageOrigin,
	readJsonBody,
	sendHttp
} from '$lib/engine/http-call';
import type { CallScope } from '$lib/engine/http-call';
import {
	openAiHttpHints,
	openAiModelNotFound,
	openAiStreamBroken,
	openAiStreamError,
	recogniseChatError
} from '$lib/engine/openai-errors';
import { chatBody, isRecord, serverRoot, toChunkParts, toModelList } from '$lib/engine/openai-wire';
import type { ChunkParts } from '$lib/engine/openai-wire';
import { readSseEvents } from '$lib/engine/sse';
import { ToolCallAssembler } from '$lib/engine/openai-tool-calls';

export interface OpenAiEngineOptions {
	/** e.g. "http://localhost:1234" or "http://localhost:1234/v1"; both mean the same server. */
	baseUrl: string;
	/** Sent as `Authorization: Bearer <key>` to this server only; never logged or quoted. */
	apiKey?: string;
	/** This page's origin, quoted in the CORS advice; defaults to `location.origin`. */
	origin?: string;
	/** Injected for tests and non-browser hosts; defaults to the global fetch. */
	fetch?: typeof fetch;
}

/** What a stream has told so far; enough to build `done` or to tell a cut-off from an end. */
interface StreamTally {
	firstTextAt?: number;
	/** Text deltas yielded: the completion-token count when the server reports no usage. */
	textChunks: number;
	finishReason?: FinishReason;
	usage?: Usage;
	serverTimings?: ChunkParts['serverTimings'];
}

/**
 * Talks to any server speaking OpenAI's Chat Completions API (LM Studio, llama.cpp server, vLLM)
 * with plain fetch and an SSE reader, so Hearth controls exactly how malformed events, dropped
 * connections and aborts surface (always as a HearthError).
 */
export class OpenAiEngine implements LlmEngine {
	readonly kind = 'openai';
	readonly label: string;
	readonly toolCalling = 'native' as const;
	/** The server root without `/v1`; requests go to `${root}/v1/...`. */
	readonly root: string;
	readonly #apiKey: string | undefined;
	readonly #hints: HttpErrorHints;
	readonly #fetch: typeof fetch;
	readonly #scopes: CallScopes;

	constructor(options: OpenAiEngineOptions) {
		this.root = serverRoot(options.baseUrl);
		this.label = `OpenAI-compatible server at ${this.root}`;
		const key = options.apiKey?.trim();
		this.#apiKey = key === '' ? undefined : key;
		this.#hints = openAiHttpHints(
			this.label,
			this.root,
			options.origin ?? pageOrigin(),
			this.#apiKey
		);
		this.#scopes = new CallScopes(this.#hints);
		this.#fetch = options.fetch ?? defaultFetch();
	}

	/** OpenAI's API has no version endpoint: a readable model list is the sign of life. */
	probe(signal?: AbortSignal): Promise<EngineProbe> {
		return this.#scopes.probe(signal, async (scope) => {
			await this.#models(scope);
			return { ok: true };
		});
	}

	listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		return this.#scopes.run(signal, (scope) => this.#models(scope));
	}

	/**
	 * Servers load models themselves (LM Studio on first use), so "ready" means "listed". An
	 * empty list proves nothing (some servers list none), so only a list without it fails.
	 */
	async load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		onProgress?.({ text: `Looking for ${modelId} in ${this.label}…` });
		const listed = (await this.listModels(signal)).map((m) => m.id);
		if (listed.length > 0 && !listed.includes(modelId)) {
			throw openAiModelNotFound(this.label, modelId, listed);
		}
		onProgress?.({ fraction: 1, text: `${modelId} is ready in ${this.label}.` });
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		const scope = this.#scopes.open(signal);
		const startedAt = performance.now();
		const tally: StreamTally = { textChunks: 0 };
		const stem = `call_${Math.random().toString(36).slice(2, 8)}`;
		let made = 0;
		const toolCalls = new ToolCallAssembler(() => `${stem}_${++made}`);
		let callsYielded = 0;
		let sawDone = false;
		try {
			const body = chatBody(request);
			const hasTools = (request.tools?.length ?? 0) > 0;
			const response = await this.#send(
				'/v1/chat/completions',
				scope,
				body,
				request.model,
				hasTools
			);
			if (!response.body) throw openAiStreamBroken();
			try {
				for await (const event of readSseEvents(response.body)) {
					if (event.data.trim() === '[DONE]') {
						sawDone = true;
						break;
					}
					const parts = this.#parseEvent(event.data, event.event);
					if (parts.text !== undefined) {
						tally.firstTextAt ??= performance.now();
						tally.textChunks += 1;
						yield { type: 'text', text: parts.text };
					}
					for (const fragment of parts.toolCallFragments ?? []) toolCalls.add(fragment);
					tally.finishReason = parts.finishReason ?? tally.finishReason;
					tally.usage = parts.usage ?? tally.usage;
					tally.serverTimings = parts.serverTimings ?? tally.serverTimings;
					// Arguments are only whole once the choice ends; the usage chunk may still follow.
					if (parts.finishReason !== undefined) {
						for (const call of toolCalls.take()) {
							callsYielded += 1;
							yield { type: 'tool_call', call };
						}
					}
				}
			} catch (e) {
				// A connection cut after finish_reason lost only the usage chunk: the answer is whole.
				if (tally.finishReason === undefined || scope.signal.aborted) throw e;
				if (e instanceof HearthError) throw e;
			}
			// A body that just ends, with neither [DONE] nor a finish_reason, was cut, not finished.
			if (!sawDone && tally.finishReason === undefined) throw openAiStreamBroken();
			// Calls a server left without a finish_reason end with the stream.
			for (const call of toolCalls.take()) {
				callsYielded += 1;
				yield { type: 'tool_call', call };
			}
			// Some servers finish a tool-calling turn with `stop`.
			if (callsYielded > 0) tally.finishReason = 'tool_calls';
			yield this.#done(tally, startedAt);
		} catch (e) {
			throw callError(e, scope, this.#hints, () => openAiStreamBroken(e));
		} finally {
			// Also runs when the consumer stops iterating early: closes the connection, not just our end.
			scope.end();
		}
	}

	async dispose(): Promise<void> {
		this.#scopes.abortAll();
	}

	#done(tally: StreamTally, startedAt: number): ChatDelta {
		const endedAt = performance.now();
		const usage: Usage = tally.usage ?? {
			// No usage chunk (an older server, or one that ignores stream_options): each content
			// chunk is about one token on every server we know, so the chunk count stands in, and
			// the prompt's size is simply unknown (0).
			promptTokens: 0,
			completionTokens: tally.textChunks
		};
		const decodeSeconds =
			tally.firstTextAt === undefined ? 0 : (endedAt - tally.firstTextAt) / 1000;
		const timings: Timings = {
			totalMs: endedAt - startedAt,
			timeToFirstTokenMs:
				tally.firstTextAt === undefined ? undefined : tally.firstTextAt - startedAt,
			promptMs: tally.serverTimings?.promptMs,
			decodeTokensPerSecond:
				tally.serverTimings?.decodeTokensPerSecond ??
				(decodeSeconds > 0 && usage.completionTokens > 0
					? usage.completionTokens / decodeSeconds
					: undefined)
		};
		return { type: 'done', finishReason: tally.finishReason ?? 'stop', usage, timings };
	}

	async #models(scope: CallScope): Promise<ModelInfo[]> {
		const response = await this.#send('/v1/models', scope);
		const parsed = await readJsonBody(response, scope, {
			dropped: `The connection to ${this.label} dropped before its model list arrived.`,
			notJson: `${this.label} sent a model list that is not JSON`
		});
		const models = toModelList(parsed);
		if (!models) {
			throw new HearthError(
				'engine_malformed',
				`${this.label} sent a model list Hearth could not read.`
			);
		}
		return models;
	}

	/** One request; resolves only for a 2xx response, otherwise throws the coded error. */
	async #send(
		path: string,
		scope: CallScope,
		body?: unknown,
		model?: string,
		withTools = false
	): Promise<Response> {
		// The key goes in this header only: never in the URL, the body or any message.
		const headers: Record<string, string> =
			this.#apiKey === undefined ? {} : { Authorization: `Bearer ${this.#apiKey}` };
		// Only a chat names a model, so only its 404 can mean "no such model".
		const recognise =
			model === undefined ? undefined : recogniseChatError(this.label, model, withTools);
		const hints = { ...this.#hints, recognise };
		const url = `${this.root}${path}`;
		return sendHttp({ fetch: this.#fetch, url, scope, hints, body, headers });
	}

	#parseEvent(data: string, eventName: string | undefined): ChunkParts {
		let parsed: unknown;
		try {
			parsed = JSON.parse(data);
		} catch (e) {
			// Some servers name a failure with `event: error` and plain text.
			if (eventName === 'error') throw openAiStreamError(data, this.#apiKey);
			throw new HearthError(
				'engine_malformed',
				`${this.label} sent an event Hearth could not read: ${data.slice(0, PREVIEW_CHARS)}`,
				{ cause: e }
			);
		}
		if (!isRecord(parsed)) {
			throw new HearthError(
				'engine_malformed',
				`${this.label} sent an event that is not an object: ${data.slice(0, PREVIEW_CHARS)}`
			);
		}
		const parts = toChunkParts(parsed);
		if (parts.error !== undefined) throw openAiStreamError(parts.error, this.#apiKey);
		if (eventName === 'error') throw openAiStreamError(data, this.#apiKey);
		return parts;
	}
}
