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
import { HearthError, toHearthError } from '$lib/types/errors';
import { readNdjsonLines } from '$lib/engine/ndjson';

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
/** Enough of a bad line or error body to recognise it, short enough for a toast. */
const PREVIEW_CHARS = 200;

/** The fields of a streamed /api/chat line that Hearth reads; everything else is ignored. */
interface ChatLine {
	message?: unknown;
	done?: unknown;
	done_reason?: unknown;
	error?: unknown;
	prompt_eval_count?: unknown;
	prompt_eval_duration?: unknown;
	eval_count?: unknown;
	eval_duration?: unknown;
}

/** An abort scope for one call: the caller's signal, dispose() and an optional time-out. */
interface CallScope {
	signal: AbortSignal;
	timedOut: () => boolean;
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
	readonly #origin: string;
	readonly #fetch: typeof fetch;
	readonly #inFlight = new Set<AbortController>();

	constructor(options: OllamaEngineOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.label = `Ollama at ${this.baseUrl}`;
		this.#origin = options.origin ?? pageOrigin();
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
			return { ok: false, error: this.#classify(e, scope).toJSON() };
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
			throw this.#classify(e, scope);
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
			throw this.#modelNotFound(modelId, installed);
		}
		onProgress?.({ fraction: 1, text: `${modelId} is ready in ${this.label}.` });
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		const scope = this.#scope(signal);
		const startedAt = performance.now();
		try {
			const response = await this.#send('/api/chat', scope, chatBody(request), request.model);
			if (!response.body) throw this.#streamBroken();
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
			if (!final) throw this.#streamBroken();
			const finishReason: FinishReason = final.done_reason === 'length' ? 'length' : 'stop';
			const timings = toTimings(final, performance.now() - startedAt, firstTextAt, startedAt);
			yield { type: 'done', finishReason, usage: toUsage(final), timings };
		} catch (e) {
			throw this.#classify(e, scope, () => this.#streamBroken(e));
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

	/** Maps anything thrown during a call to the HearthError the caller sees. */
	#classify(e: unknown, scope: CallScope, otherwise?: () => HearthError): HearthError {
		if (scope.timedOut()) return this.#unreachable(e);
		if (scope.signal.aborted) return new HearthError('aborted', 'Stopped.', { cause: e });
		if (e instanceof HearthError) return e;
		return otherwise ? otherwise() : toHearthError(e);
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
		if (scope.signal.aborted) throw new HearthError('aborted', 'Stopped.');
		const doFetch = this.#fetch;
		let response: Response;
		try {
			response = await doFetch(`${this.baseUrl}${path}`, {
				method: body === undefined ? 'GET' : 'POST',
				headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: scope.signal
			});
		} catch (e) {
			// A network error, a refused CORS preflight and an abort all reject here; only the abort
			// is distinguishable, so everything else gets the advice that covers both real causes.
			if (scope.signal.aborted) throw e;
			throw this.#unreachable(e);
		}
		if (!response.ok) throw await this.#httpError(response, scope, model);
		return response;
	}

	async #httpError(response: Response, scope: CallScope, model?: string): Promise<HearthError> {
		let detail = '';
		try {
			detail = errorText(await response.text());
		} catch (e) {
			if (scope.signal.aborted) throw e;
		}
		const status = response.status;
		if (status === 404 && model !== undefined && /not found/i.test(detail)) {
			return this.#modelNotFound(model);
		}
		if (status === 401 || status === 403) {
			return new HearthError(
				'engine_auth',
				`${this.label} refused the request (HTTP ${status}${detail ? `: ${detail}` : ''}). ` +
					`If a proxy sits in front of Ollama, check its credentials; otherwise Ollama is ` +
					`refusing this page's origin; restart it with: OLLAMA_ORIGINS=${this.#origin} ollama serve`
			);
		}
		if (status === 429) {
			const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
			return new HearthError(
				'engine_rate_limited',
				`${this.label} is busy (HTTP 429${detail ? `: ${detail}` : ''}).` +
					(retryAfterSeconds === undefined ? '' : ` Try again in ${retryAfterSeconds} s.`),
				{ retryAfterSeconds }
			);
		}
		return new HearthError(
			'engine_http',
			`${this.label} returned HTTP ${status}${detail ? `: ${detail}` : ` ${response.statusText}`}`
		);
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

	#unreachable(cause: unknown): HearthError {
		return new HearthError(
			'engine_unreachable',
			`Hearth can't reach Ollama at ${this.baseUrl}. If Ollama isn't running, start it with: ` +
				`ollama serve — If it is running, it is refusing this page's origin; restart it with: ` +
				`OLLAMA_ORIGINS=${this.#origin} ollama serve`,
			{ cause }
		);
	}

	#modelNotFound(model: string, available?: string[]): HearthError {
		const installed =
			available === undefined
				? ''
				: available.length === 0
					? ' No models are installed yet.'
					: ` Installed: ${available.join(', ')}.`;
		return new HearthError(
			'model_not_found',
			`${this.label} doesn't have the model "${model}". Download it with: ollama pull ${model}${installed}`
		);
	}

	#streamBroken(cause?: unknown): HearthError {
		return new HearthError('engine_stream_broken', 'The connection to Ollama dropped mid-answer.', {
			cause
		});
	}
}

function pageOrigin(): string {
	// `location` is absent in Node and workers without one; file:// pages report the string "null".
	const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
	return origin && origin !== 'null' ? origin : '*';
}

function chatBody(request: ChatRequest): Record<string, unknown> {
	const o = request.options;
	const options = definedOnly({
		temperature: o?.temperature,
		top_p: o?.topP,
		num_predict: o?.maxTokens,
		stop: o?.stop
	});
	return {
		model: request.model,
		// A trailing assistant message is sent as is: Ollama continues it instead of starting anew.
		messages: request.messages.map(({ role, content }) => ({ role, content })),
		stream: true,
		...(Object.keys(options).length > 0 ? { options } : {})
	};
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function toModelInfo(value: unknown): ModelInfo | undefined {
	if (!isRecord(value) || typeof value.name !== 'string') return undefined;
	const details = isRecord(value.details) ? value.details : {};
	return {
		id: value.name,
		name: value.name,
		sizeBytes: numberOrUndefined(value.size),
		family: stringOrUndefined(details.family),
		parameterSize: stringOrUndefined(details.parameter_size),
		quantization: stringOrUndefined(details.quantization_level)
	};
}

function toUsage(line: ChatLine): Usage | undefined {
	const prompt = numberOrUndefined(line.prompt_eval_count);
	const completion = numberOrUndefined(line.eval_count);
	if (prompt === undefined && completion === undefined) return undefined;
	// Ollama omits prompt_eval_count when the whole prompt came from its cache.
	return { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 };
}

function toTimings(
	line: ChatLine,
	totalMs: number,
	firstTextAt: number | undefined,
	startedAt: number
): Timings {
	const promptNs = numberOrUndefined(line.prompt_eval_duration);
	const evalCount = numberOrUndefined(line.eval_count);
	const evalNs = numberOrUndefined(line.eval_duration);
	return {
		totalMs,
		timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt,
		promptMs: promptNs === undefined ? undefined : promptNs / 1e6,
		decodeTokensPerSecond:
			evalCount !== undefined && evalNs !== undefined && evalNs > 0
				? evalCount / (evalNs / 1e9)
				: undefined
	};
}

/** Ollama's error bodies are `{"error": "..."}`; proxies in front of it may send text or HTML. */
function errorText(body: string): string {
	try {
		const parsed: unknown = JSON.parse(body);
		if (isRecord(parsed) && typeof parsed.error === 'string') return parsed.error;
	} catch {
		// Not JSON: fall through to the raw text.
	}
	return body.trim().slice(0, PREVIEW_CHARS);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(header: string | null): number | undefined {
	if (header === null || header.trim() === '') return undefined;
	const seconds = Number(header);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds;
	const date = Date.parse(header);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrUndefined(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}
