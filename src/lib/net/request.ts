import type { ToolContext } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

// How tools talk to the network: through ctx.net (ledger + offline-only), with the call's
// signal, and with fetch's bare TypeError turned into words a person can act on.

export interface ToolRequest {
	/** Shown in the privacy ledger: "web search (Wikipedia)". */
	purpose: string;
	/** The tool's name, so "offline only" applies. */
	tool: string;
	init?: RequestInit;
	/** The page's origin, to tell a CORS refusal from an unreachable host; undefined outside a browser. */
	pageOrigin?: string;
}

export function currentOrigin(): string | undefined {
	const location = (globalThis as { location?: { origin?: string } }).location;
	return location?.origin && location.origin !== 'null' ? location.origin : undefined;
}

function hostLabel(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/**
 * Why a fetch() threw, in plain words. A browser reports a CORS refusal and an unreachable host
 * with the same bare TypeError, so from a web page a cross-origin failure is explained as CORS
 * first (by far the likelier cause for a public site), with "unreachable" as the alternative.
 */
export function networkError(
	e: unknown,
	url: string,
	signal: AbortSignal,
	pageOrigin = currentOrigin()
): HearthError {
	if (e instanceof HearthError) return e;
	if (signal.aborted) return new HearthError('aborted', 'Stopped.', { cause: e });
	const host = hostLabel(url);
	let crossOrigin = false;
	try {
		crossOrigin = pageOrigin !== undefined && new URL(url).origin !== pageOrigin;
	} catch {
		crossOrigin = false;
	}
	if (crossOrigin && e instanceof TypeError) {
		return new HearthError(
			'network_cors',
			`${host} does not allow browser apps to read it (or could not be reached). Hearth runs ` +
				'entirely in your browser and has no server of its own to go around that.',
			{ cause: e }
		);
	}
	return new HearthError('network_failed', `Could not reach ${host}.`, { cause: e });
}

/** ctx.net with the call's signal; network failures become network_cors / network_failed. */
export async function toolFetch(
	ctx: Pick<ToolContext, 'net' | 'signal'>,
	url: string,
	request: ToolRequest
): Promise<Response> {
	if (ctx.signal.aborted) throw new HearthError('aborted', 'Stopped.');
	try {
		return await ctx.net(
			url,
			{ ...request.init, signal: ctx.signal },
			{ purpose: request.purpose, tool: request.tool }
		);
	} catch (e) {
		throw networkError(e, url, ctx.signal, request.pageOrigin ?? currentOrigin());
	}
}

export interface LimitedBody {
	bytes: Uint8Array;
	/** True when the body was longer than the limit and reading stopped there. */
	truncated: boolean;
}

/** Reads at most `maxBytes` of a body, then cancels the rest (the ledger counts what was read). */
export async function readLimited(
	response: Response,
	maxBytes: number,
	signal: AbortSignal
): Promise<LimitedBody> {
	if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	let truncated = false;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			const room = maxBytes - size;
			if (value.byteLength > room) {
				chunks.push(value.subarray(0, room));
				size += room;
				truncated = true;
				break;
			}
			chunks.push(value);
			size += value.byteLength;
		}
	} catch (e) {
		if (signal.aborted) throw new HearthError('aborted', 'Stopped.', { cause: e });
		throw new HearthError('network_failed', 'The connection dropped while reading the reply.', {
			cause: e
		});
	}
	if (truncated) await reader.cancel().catch(() => {});
	else reader.releaseLock();
	const bytes = new Uint8Array(size);
	let at = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, at);
		at += chunk.byteLength;
	}
	return { bytes, truncated };
}

/** The charset a Content-Type names, when TextDecoder knows it; UTF-8 otherwise. */
export function decodeText(bytes: Uint8Array, contentType: string | null): string {
	const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? '')?.[1];
	try {
		return new TextDecoder(charset ?? 'utf-8').decode(bytes);
	} catch {
		return new TextDecoder('utf-8').decode(bytes);
	}
}

/** Reads a JSON reply of a tool's API, at most `maxBytes`; bad JSON is tool_failed naming `what`. */
export async function readJson(
	response: Response,
	what: string,
	signal: AbortSignal,
	maxBytes = 2_000_000
): Promise<unknown> {
	const { bytes, truncated } = await readLimited(response, maxBytes, signal);
	if (truncated)
		throw new HearthError('content_too_large', `${what} sent an unusually large reply.`);
	try {
		return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
	} catch (e) {
		throw new HearthError('tool_failed', `${what} sent a reply that is not valid JSON.`, {
			cause: e
		});
	}
}
