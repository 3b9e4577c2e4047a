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
import {
	PREVIEW_CHARS,
	callError,
	fetchOrUnreachable,
	responseError,
	stoppedError
} from '$lib/engine/http-errors';
import type { CallState, HttpErrorHints } from '$lib/engine/http-errors';
import { readNdjsonLines } from '$lib/engine/ndjson';
import {
	ollamaHttpHints,
	ollamaModelNotFound,
	ollamaStreamBroken,
	recogniseMissingModel
} from '$lib/engine/ollama-errors';
import { chatBody, isRecord, toModelInfo, toTimings, toUsage } from '$lib/engine/ollama-wire';
import type { ChatLine } from '$lib/engine/ollama-wire';

export interface OllamaEngineOptions {
	/** e.g. "http://localhost:11434"; trailing slashes are ignored. */
	baseUrl: string;
	/** This page's origin, quoted in the OLLAMA_ORIGINS advice; defaults to `location.origin`. */
	origin?: string;
	/** Injected for tests and non-browser hosts; defaults to the global fetch. */
	fetch?: typeof fetch;
}

/** A probe that hangs (a host that drops packets) must not leave the settings page spinning. */
const PROBE_TIMEOUT_MS = 5000;

/** An abort scope for one call: the caller's signal, dispose() and an optional time-out. */
interface CallScope extends CallState {
	/** Aborts the request if still running (closing its connection) and unlinks the caller. */
	end: () => void;
}

/**
 * Talks to a local Ollama server over its REST API with plain fetch, so Hearth controls exactly
 * how malformed lines, dropped connections and aborts surface (always as a HearthError).
 */
export class OllamaEngine implements LlmEngine {
	readonly kind = 'ollama';
	readonly label: string;
	readonly baseUrl: string;
	readonly #hints: HttpErrorHints;
	readonly #fetch: typeof fetch;
	readonly #inFlight = new Set<AbortController>();

	constructor(options: OllamaEngineOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.label = `Ollama at ${this.baseUrl}`;
		this.#hints = ollamaHttpHints(this.label, this.baseUrl, options.origin ?? pageOrigin());
		// Called without a receiver: browsers throw "Illegal invocation" for fetch bound to another object.
		this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
	}

	async probe(signal?: AbortSignal): Promise<EngineProbe> {
		const scope = this.#scope(signal, PROBE_TIMEOUT_MS);
		try {
			const body = await this.#getJson('/api/version', scope);
			const version = isRecord(body) && typeof body.version === 'string' ? body.version : undefined;
			return { ok: true, version };
		} catch (e) {
			return { ok: false, error: callError(e, scope, this.#hints).toJSON() };
		} finally {
			scope.end();
		}
	}

	async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		const scope = this.#scope(signal);
		try {
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
		} catch (e) {
			throw callError(e, scope, this.#hints);
		} finally {
			scope.end();
		}
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
		const scope = this.#scope(signal);
		const startedAt = performance.now();
		try {
			const response = await this.#send('/api/chat', scope, chatBody(request), request.model);
			if (!response.body) throw ollamaStreamBroken();
			let firstTextAt: number | undefined;
			let final: ChatLine | undefined;
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
				if (line.done === true) {
					final = line;
					break;
				}
			}
			if (!final) throw ollamaStreamBroken();
			const finishReason: FinishReason = final.done_reason === 'length' ? 'length' : 'stop';
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
		for (const controller of this.#inFlight) controller.abort();
		this.#inFlight.clear();
	}

	#scope(signal?: AbortSignal, timeoutMs?: number): CallScope {
		const controller = new AbortController();
		let timedOut = false;
		const onAbort = () => controller.abort();
		if (signal?.aborted) controller.abort();
		else signal?.addEventListener('abort', onAbort, { once: true });
		const timer =
			timeoutMs === undefined
				? undefined
				: setTimeout(() => {
						timedOut = true;
						controller.abort();
					}, timeoutMs);
		this.#inFlight.add(controller);
		return {
			signal: controller.signal,
			timedOut: () => timedOut,
			end: () => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				this.#inFlight.delete(controller);
				controller.abort();
			}
		};
	}

	async #getJson(path: string, scope: CallScope): Promise<unknown> {
		const response = await this.#send(path, scope);
		let text: string;
		try {
			text = await response.text();
		} catch (e) {
			if (scope.signal.aborted) throw e;
			throw new HearthError(
				'engine_stream_broken',
				`The connection to Ollama dropped before its reply to ${path} arrived.`,
				{ cause: e }
			);
		}
		try {
			return JSON.parse(text);
		} catch (e) {
			throw new HearthError(
				'engine_malformed',
				`${this.label} sent a reply to ${path} that is not JSON: ${text.slice(0, PREVIEW_CHARS)}`,
				{ cause: e }
			);
		}
	}

	/** One request; resolves only for a 2xx response, otherwise throws the coded error. */
	async #send(path: string, scope: CallScope, body?: unknown, model?: string): Promise<Response> {
		if (scope.signal.aborted) throw stoppedError();
		const init = {
			method: body === undefined ? 'GET' : 'POST',
			headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: scope.signal
		};
		const url = `${this.baseUrl}${path}`;
		const response = await fetchOrUnreachable(this.#fetch, url, init, this.#hints);
		if (response.ok) return response;
		// Only a chat names a model, so only its 404 can mean "not installed".
		const recognise = model === undefined ? undefined : recogniseMissingModel(this.label, model);
		throw await responseError(response, scope, { ...this.#hints, recognise });
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

function pageOrigin(): string {
	// `location` is absent in Node and workers without one; file:// pages report the string "null".
	const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
	return origin && origin !== 'null' ? origin : '*';
}
