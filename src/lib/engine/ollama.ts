import type {
	ChatDelta,
	ChatRequest,
	EngineProbe,
	FinishReason,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import type { ProposedToolCall } from '$lib/types/tools';
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
import { readNdjsonLines } from '$lib/engine/ndjson';
import {
	ollamaHttpHints,
	type OllamaCaller,
	ollamaModelNotFound,
	ollamaStreamBroken,
	recogniseChatError
} from '$lib/engine/ollama-errors';
import {
	chatBody,
	isRecord,
	toModelInfo,
	toTimings,
	toToolCalls,
	toUsage
} from '$lib/engine/ollama-wire';
import type { ChatLine } from '$lib/engine/ollama-wire';

export interface OllamaEngineOptions {
	/** e.g. "http://localhost:11434"; trailing slashes are ignored. */
	baseUrl: string;
	/**
	 * Who calls, for the advice when Ollama cannot be reached: a page (its origin, quoted in the
	 * OLLAMA_ORIGINS advice) or a process; defaults to this page, `location.origin`.
	 */
	caller?: OllamaCaller;
	/** Injected for tests and non-browser hosts; defaults to the global fetch. */
	fetch?: typeof fetch;
	/**
	 * For the GETs that check whether Ollama is there (list, version): in the browser a worker's
	 * fetch (quiet-fetch.ts), so a stopped Ollama leaves no error in the page's console.
	 */
	probeFetch?: typeof fetch;
}

/**
 * Talks to a local Ollama server over its REST API with plain fetch, so Hearth controls exactly
 * how malformed lines, dropped connections and aborts surface (always as a HearthError).
 */
export class OllamaEngine implements LlmEngine {
	readonly kind = 'ollama';
	readonly label: string;
	readonly toolCalling = 'native' as const;
	readonly baseUrl: string;
	readonly #hints: HttpErrorHints;
	readonly #fetch: typeof fetch;
	readonly #probeFetch: typeof fetch;
	readonly #scopes: CallScopes;

	constructor(options: OllamaEngineOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.label = `Ollama at ${this.baseUrl}`;
		this.#hints = ollamaHttpHints(
			this.label,
			this.baseUrl,
			options.caller ?? { page: pageOrigin() }
		);
		this.#scopes = new CallScopes(this.#hints);
		this.#fetch = options.fetch ?? defaultFetch();
		this.#probeFetch = options.probeFetch ?? this.#fetch;
	}

	probe(signal?: AbortSignal): Promise<EngineProbe> {
		return this.#scopes.probe(signal, async (scope) => {
			const body = await this.#getJson('/api/version', scope);
			const version = isRecord(body) && typeof body.version === 'string' ? body.version : undefined;
			return { ok: true, version };
		});
	}

	listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		return this.#scopes.run(signal, async (scope) => {
			const body = await this.#getJson('/api/tags', scope);
			if (!isRecord(body) || !Array.isArray(body.models)) {
				throw new HearthError(
					'engine_malformed',
					`${this.label} sent a model list Hearth could not read.`
				);
			}
			return body.models.flatMap((m) => {
				const model = toModelInfo(m);
				return model ? [model] : [];
			});
		});
	}

	/** Ollama loads a model on first use, so "ready" here means "installed": no download happens. */
	async load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		onProgress?.({ text: `Looking for ${modelId} in ${this.label}…` });
		const installed = (await this.listModels(signal)).map((m) => m.id);
		// Like Ollama itself, a name without a tag means the ":latest" tag.
		if (!installed.includes(modelId) && !installed.includes(`${modelId}:latest`)) {
			throw ollamaModelNotFound(this.label, modelId, installed);
		}
		onProgress?.({ fraction: 1, text: `${modelId} is ready in ${this.label}.` });
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		const scope = this.#scopes.open(signal);
		const startedAt = performance.now();
		try {
			const response = await this.#send('/api/chat', scope, chatBody(request), request.model);
			if (!response.body) throw ollamaStreamBroken();
			let firstTextAt: number | undefined;
			let final: ChatLine | undefined;
			const calls: ProposedToolCall[] = [];
			// Older Ollama gives calls no id; an id only needs to be unique within a conversation.
			const stem = `call_${Math.random().toString(36).slice(2, 8)}`;
			let made = 0;
			const makeId = () => `${stem}_${++made}`;
			for await (const raw of readNdjsonLines(response.body)) {
				const line = this.#parseLine(raw);
				if (typeof line.error === 'string') {
					throw new HearthError('engine_http', `Ollama stopped with an error: ${line.error}`);
				}
				const text = isRecord(line.message) ? line.message.content : undefined;
				if (typeof text === 'string' && text !== '') {
					firstTextAt ??= performance.now();
					yield { type: 'text', text };
				}
				// Calls arrive whole but are held until the reply ends: a call from a reply that then
				// breaks must never run (and a retried request would repeat it).
				calls.push(...toToolCalls(line.message, makeId));
				if (line.done === true) {
					final = line;
					break;
				}
			}
			if (!final) throw ollamaStreamBroken();
			for (const call of calls) yield { type: 'tool_call', call };
			// Ollama says `stop` after tool calls; Hearth's contract says `tool_calls`.
			const finishReason: FinishReason =
				calls.length > 0 ? 'tool_calls' : final.done_reason === 'length' ? 'length' : 'stop';
			const timings = toTimings(final, performance.now() - startedAt, firstTextAt, startedAt);
			yield { type: 'done', finishReason, usage: toUsage(final), timings };
		} catch (e) {
			throw callError(e, scope, this.#hints, () => ollamaStreamBroken(e));
		} finally {
			// Also runs when the consumer stops iterating early: closes the connection, not just our end.
			scope.end();
		}
	}

	async dispose(): Promise<void> {
		this.#scopes.abortAll();
	}

	async #getJson(path: string, scope: CallScope): Promise<unknown> {
		const hints = this.#hints;
		const url = `${this.baseUrl}${path}`;
		const response = await sendHttp({ fetch: this.#probeFetch, url, scope, hints });
		return readJsonBody(response, scope, {
			dropped: `The connection to Ollama dropped before its reply to ${path} arrived.`,
			notJson: `${this.label} sent a reply to ${path} that is not JSON`
		});
	}

	/** One request; resolves only for a 2xx response, otherwise throws the coded error. */
	async #send(path: string, scope: CallScope, body?: unknown, model?: string): Promise<Response> {
		// Only a chat names a model, so only its 404 can mean "not installed" (or its 400 "no tools").
		const recognise = model === undefined ? undefined : recogniseChatError(this.label, model);
		const hints = { ...this.#hints, recognise };
		return sendHttp({ fetch: this.#fetch, url: `${this.baseUrl}${path}`, scope, hints, body });
	}

	#parseLine(raw: string): ChatLine {
		let parsed: unknown;
		try {
			parsed = JSON.parse(raw);
		} catch (e) {
			throw new HearthError(
				'engine_malformed',
				`Ollama sent a line Hearth could not read: ${raw.slice(0, PREVIEW_CHARS)}`,
				{ cause: e }
			);
		}
		if (!isRecord(parsed)) {
			throw new HearthError(
				'engine_malformed',
				`Ollama sent a line that is not an object: ${raw.slice(0, PREVIEW_CHARS)}`
			);
		}
		return parsed;
	}
}
