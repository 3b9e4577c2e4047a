import { storedSize } from '$lib/engine/model-entries';
import type { ModelFile } from '$lib/engine/model-files';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError, stopped } from '$lib/types/errors';

// The model store's side of the network: fetching one whole file and checking it before anyone
// stores it. Failures are coded: aborted, model_download_failed, model_corrupt.

export interface FetchEvents {
	onBytes?: (n: number) => void;
	/** A bad copy is being fetched again: progress counted for it so far no longer holds. */
	onRetry?: () => void;
}

/** The host a URL names, for messages (the URL itself when it does not parse). */
export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/** Starts fetching one file; rejects unless the server answered 2xx. */
export async function openFile(
	doFetch: typeof fetch,
	spec: WebModelSpec,
	file: ModelFile,
	signal: AbortSignal
): Promise<Response> {
	return fetchOk(doFetch, file.url, { signal }, spec.id);
}

/**
 * One request for a model file (`what` names it in messages), resolving only with a 2xx answer:
 * a stop rejects as aborted, anything else as model_download_failed naming the host or status.
 */
export async function fetchOk(
	doFetch: typeof fetch,
	url: string,
	init: RequestInit & { signal: AbortSignal },
	what: string
): Promise<Response> {
	let response: Response;
	try {
		response = await doFetch(url, init);
	} catch (e) {
		if (init.signal.aborted) throw stopped(e);
		throw new HearthError(
			'model_download_failed',
			`Downloading ${what} failed: could not reach ${hostOf(url)}.`,
			{ cause: e }
		);
	}
	if (!response.ok) {
		await response.body?.cancel().catch(() => {});
		throw new HearthError(
			'model_download_failed',
			`Downloading ${what} failed: ${url} answered ${response.status}` +
				`${response.statusText ? ` ${response.statusText}` : ''}.`
		);
	}
	return response;
}

/**
 * Fetches a whole file and checks it before anyone stores it: its length against the
 * manifest (or Content-Length), and JSON files must parse. A bad copy is fetched once more;
 * a second bad copy is model_corrupt. `opened` is a response already started for this file.
 */
export async function fetchVerified(
	doFetch: typeof fetch,
	spec: WebModelSpec,
	file: ModelFile,
	opened: Response | undefined,
	signal: AbortSignal,
	events: FetchEvents = {}
): Promise<Blob> {
	let response = opened;
	for (let attempt = 1; ; attempt++) {
		response ??= await openFile(doFetch, spec, file, signal);
		const declared = storedSize(response);
		const body = await readBody(spec, file, response, signal, events.onBytes);
		const problem = await problemWith(file, body, declared);
		if (!problem) return body;
		if (attempt >= 2) {
			throw new HearthError(
				'model_corrupt',
				`${file.url} came back damaged twice (${problem}), so ${spec.id} was not stored.`
			);
		}
		events.onRetry?.();
		response = undefined;
	}
}

/** Why a fetched copy is unusable, or undefined when it is fine. */
async function problemWith(
	file: ModelFile,
	body: Blob,
	declared: number | undefined
): Promise<string | undefined> {
	if (file.bytes !== undefined && body.size !== file.bytes) {
		return `${body.size} bytes instead of ${file.bytes}`;
	}
	// Content-Length counts compressed bytes when the server compresses, and the browser hides
	// Content-Encoding cross-origin; only a body shorter than declared is surely cut short.
	if (file.bytes === undefined && declared !== undefined && body.size < declared) {
		return `${body.size} bytes instead of ${declared}`;
	}
	if (file.json) {
		try {
			JSON.parse(await body.text());
		} catch {
			return 'not valid JSON';
		}
	}
	return undefined;
}

async function readBody(
	spec: WebModelSpec,
	file: ModelFile,
	response: Response,
	signal: AbortSignal,
	onBytes: (n: number) => void = () => {}
): Promise<Blob> {
	// Chunks go straight into a Blob, never joined in a JS array: a shard is copied once less,
	// and the browser can keep a large Blob out of the JS heap (measured in bench/download.js).
	const chunks: Uint8Array<ArrayBuffer>[] = [];
	if (!response.body) return new Blob([]);
	const reader = response.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			onBytes(value.length);
		}
	} catch (e) {
		if (signal.aborted) throw stopped(e);
		throw new HearthError(
			'model_download_failed',
			`Downloading ${spec.id} stopped: the connection to ${hostOf(file.url)} dropped during ` +
				`${file.name}. Finished files are kept; try again to resume.`,
			{ cause: e }
		);
	} finally {
		reader.releaseLock();
	}
	return new Blob(chunks);
}

/** Runs `task` over `items`, `limit` at a time; after a failure starts no new item. */
export async function forEachConcurrently<T>(
	items: readonly T[],
	limit: number,
	task: (item: T) => Promise<void>
): Promise<void> {
	const queue = [...items];
	let failure: { error: unknown } | undefined;
	const worker = async () => {
		while (!failure) {
			const next = queue.shift();
			if (next === undefined) return;
			try {
				await task(next);
			} catch (error) {
				failure ??= { error };
			}
		}
	};
	await Promise.all(Array.from({ length: limit }, worker));
	if (failure) throw failure.error;
}
