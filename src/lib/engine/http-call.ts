import type { EngineProbe } from '$lib/engine/types';
import { HearthError, stopped, toHearthError } from '$lib/types/errors';
import {
	PREVIEW_CHARS,
	callError,
	fetchOrUnreachable,
	responseError
} from '$lib/engine/http-errors';
import type { CallState, HttpErrorHints } from '$lib/engine/http-errors';

// The plumbing every engine that talks HTTP with plain fetch shares: one abort scope per call,
// one request that throws coded errors, one JSON body read. The wording stays with each engine.

/** A probe that hangs (a host that drops packets) must not leave the settings page spinning. */
export const PROBE_TIMEOUT_MS = 5000;

/** An abort scope for one call: the caller's signal, dispose() and an optional time-out. */
export interface CallScope extends CallState {
	/** Aborts the request if still running (closing its connection) and unlinks the caller. */
	end: () => void;
}

/** The calls an engine has in flight, so dispose() can abort them all at once. */
export class CallScopes {
	readonly #inFlight = new Set<AbortController>();
	readonly #hints: Pick<HttpErrorHints, 'unreachable'>;

	/** `hints` word a failure the way `callError` does, for `run` and `probe`. */
	constructor(hints: Pick<HttpErrorHints, 'unreachable'>) {
		this.#hints = hints;
	}

	/** Runs one call in its own scope; whatever it throws comes out as the caller's coded error. */
	async run<T>(
		signal: AbortSignal | undefined,
		call: (scope: CallScope) => Promise<T>,
		timeoutMs?: number
	): Promise<T> {
		const scope = this.open(signal, timeoutMs);
		try {
			return await call(scope);
		} catch (e) {
			throw callError(e, scope, this.#hints);
		} finally {
			scope.end();
		}
	}

	/** Runs a probe with PROBE_TIMEOUT_MS; a failure is reported, never thrown. */
	async probe(
		signal: AbortSignal | undefined,
		call: (scope: CallScope) => Promise<EngineProbe>
	): Promise<EngineProbe> {
		try {
			return await this.run(signal, call, PROBE_TIMEOUT_MS);
		} catch (e) {
			return { ok: false, error: toHearthError(e).toJSON() };
		}
	}

	/** Opens a scope; the caller must `end()` it in a `finally`. */
	open(signal?: AbortSignal, timeoutMs?: number): CallScope {
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

	/** Aborts every open scope; each call then reports `aborted`. */
	abortAll(): void {
		for (const controller of this.#inFlight) controller.abort();
		this.#inFlight.clear();
	}
}

/** One HTTP request within a scope. */
export interface HttpCall {
	fetch: typeof fetch;
	url: string;
	scope: CallScope;
	hints: HttpErrorHints;
	/** Sent as JSON with a POST; without it the request is a GET. */
	body?: unknown;
	headers?: Record<string, string>;
}

/** Sends one request; resolves only for a 2xx response, otherwise throws the coded error. */
export async function sendHttp(call: HttpCall): Promise<Response> {
	const { scope, body } = call;
	if (scope.signal.aborted) throw stopped();
	const headers: Record<string, string> = { ...call.headers };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	const init = {
		method: body === undefined ? 'GET' : 'POST',
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: scope.signal
	};
	const response = await fetchOrUnreachable(call.fetch, call.url, init, call.hints);
	if (response.ok) return response;
	throw await responseError(response, scope, call.hints);
}

/** The engine's words for a JSON reply that did not arrive whole or is not JSON. */
export interface JsonBodyWords {
	/** Said when the connection drops mid-body. */
	dropped: string;
	/** Said, followed by a preview of the body, when the body is not JSON. */
	notJson: string;
}

/** Reads a whole response body as JSON; an abort mid-read is rethrown for `callError`. */
export async function readJsonBody(
	response: Response,
	scope: CallState,
	words: JsonBodyWords
): Promise<unknown> {
	let text: string;
	try {
		text = await response.text();
	} catch (e) {
		if (scope.signal.aborted) throw e;
		throw new HearthError('engine_stream_broken', words.dropped, { cause: e });
	}
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new HearthError('engine_malformed', `${words.notJson}: ${text.slice(0, PREVIEW_CHARS)}`, {
			cause: e
		});
	}
}

/** This page's origin for CORS advice, or "*" where there is none to quote. */
export function pageOrigin(): string {
	// `location` is absent in Node and workers without one; file:// pages report the string "null".
	const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
	return origin && origin !== 'null' ? origin : '*';
}

/** The global fetch, called without a receiver. */
export function defaultFetch(): typeof fetch {
	// Browsers throw "Illegal invocation" for fetch bound to another object.
	return (input, init) => globalThis.fetch(input, init);
}
