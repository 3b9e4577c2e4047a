import { HearthError, stopped, toHearthError } from '$lib/types/errors';

// How a call to an engine's HTTP server fails, as coded HearthErrors. Nothing here names a
// server or its fix: each engine supplies that wording through HttpErrorHints.

/** Enough of a bad line or error body to recognise it, short enough for a toast. */
export const PREVIEW_CHARS = 200;

/** What a call knows about why it ended early. */
export interface CallState {
	/** Aborted by the caller, by dispose() or by the call's own time-out. */
	readonly signal: AbortSignal;
	/** True once the call's own time-out fired: the server never answered. */
	timedOut: () => boolean;
}

/** An engine's own words for HTTP failures: who the server is and how a person fixes it. */
export interface HttpErrorHints {
	/** Names the server in messages, e.g. "Ollama at http://localhost:11434". */
	label: string;
	/** The server could not be reached at all; the advice must cover a stopped server and CORS. */
	unreachable: (cause: unknown) => HearthError;
	/** Appended to engine_auth (401/403): where this server's credentials or origins are set. */
	authAdvice?: string;
	/** Pulls the server's own message out of an error body; defaults to `bodyPreview`. */
	errorDetail?: (body: string) => string;
	/** Checked before the generic mapping, e.g. a 404 whose detail names a missing model. */
	recognise?: (status: number, detail: string) => HearthError | undefined;
}

/** The start of an error body, trimmed, for quoting in a message. */
export function bodyPreview(body: string): string {
	return body.trim().slice(0, PREVIEW_CHARS);
}

/**
 * One fetch. A network error, a refused CORS preflight and an abort all reject here; only the
 * abort is distinguishable, so it is rethrown (for `callError`) and everything else becomes the
 * engine's unreachable error.
 */
export async function fetchOrUnreachable(
	doFetch: typeof fetch,
	url: string,
	init: RequestInit & { signal: AbortSignal },
	hints: Pick<HttpErrorHints, 'unreachable'>
): Promise<Response> {
	try {
		return await doFetch(url, init);
	} catch (e) {
		if (init.signal.aborted) throw e;
		throw hints.unreachable(e);
	}
}

/** Maps a non-2xx response and its body text to the coded error: 401/403, 429, anything else. */
export function httpStatusError(
	response: Pick<Response, 'status' | 'statusText' | 'headers'>,
	bodyText: string,
	hints: HttpErrorHints
): HearthError {
	const { status } = response;
	const detail = (hints.errorDetail ?? bodyPreview)(bodyText);
	const recognised = hints.recognise?.(status, detail);
	if (recognised) return recognised;
	const quoted = detail ? `: ${detail}` : '';
	if (status === 401 || status === 403) {
		return new HearthError(
			'engine_auth',
			`${hints.label} refused the request (HTTP ${status}${quoted}).` +
				(hints.authAdvice ? ` ${hints.authAdvice}` : ''),
			{ status }
		);
	}
	if (status === 429) {
		const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
		return new HearthError(
			'engine_rate_limited',
			`${hints.label} is busy (HTTP 429${quoted}).` +
				(retryAfterSeconds === undefined ? '' : ` Try again in ${retryAfterSeconds} s.`),
			{ retryAfterSeconds, status }
		);
	}
	return new HearthError(
		'engine_http',
		`${hints.label} returned HTTP ${status}${detail ? quoted : ` ${response.statusText}`}`,
		{ status }
	);
}

/**
 * Reads a failed response's body, then maps it with `httpStatusError`. A body that cannot be
 * read is left out of the message, unless an abort cut it off: then the abort is rethrown.
 */
export async function responseError(
	response: Response,
	call: CallState,
	hints: HttpErrorHints
): Promise<HearthError> {
	let bodyText = '';
	try {
		bodyText = await response.text();
	} catch (e) {
		if (call.signal.aborted) throw e;
	}
	return httpStatusError(response, bodyText, hints);
}

/**
 * Maps anything thrown during a call to the HearthError the caller sees. A time-out means the
 * server never answered; an abort wins over whatever it made the call throw; `otherwise` names
 * a failure that is not yet a HearthError (e.g. a stream that dropped).
 */
export function callError(
	e: unknown,
	call: CallState,
	hints: Pick<HttpErrorHints, 'unreachable'>,
	otherwise?: () => HearthError
): HearthError {
	if (call.timedOut()) return hints.unreachable(e);
	if (call.signal.aborted) return stopped(e);
	if (e instanceof HearthError) return e;
	return otherwise ? otherwise() : toHearthError(e);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null): number | undefined {
	if (header === null || header.trim() === '') return undefined;
	const seconds = Number(header);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds;
	const date = Date.parse(header);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
