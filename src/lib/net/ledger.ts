import type { HearthDb } from '$lib/storage/db';
import type { LedgerEntry, NetFetch, NetPurpose } from '$lib/net/types';
import { HearthError, toHearthError, type SerializedError } from '$lib/types/errors';

// The privacy ledger's recorder: every request a tool or a download makes goes through here and
// is written to the `ledger` table. Ledger writes never fail a request (a full or broken
// database must not stop a download); they are reported through `onError` instead.

/**
 * Where ledger entries are kept: the Dexie `ledger` table in the browser, a SQLite table in the
 * terminal and the API (src/node). Keys are the entries' ids, oldest first.
 */
export interface LedgerStore {
	count(): Promise<number>;
	/** The ids of the `n` oldest entries. */
	oldestIds(n: number): Promise<number[]>;
	add(entry: LedgerEntry): Promise<number>;
	update(id: number, patch: Partial<LedgerEntry>): Promise<void>;
	bulkDelete(ids: number[]): Promise<void>;
}

/** The browser's ledger: the Dexie `ledger` table. */
export function dexieLedgerStore(db: HearthDb): LedgerStore {
	return {
		count: () => db.ledger.count(),
		oldestIds: async (n) =>
			(await db.ledger.orderBy('id').limit(n).primaryKeys()).filter((id) => id !== undefined),
		add: async (entry) => (await db.ledger.add(entry)) as number,
		update: async (id, patch) => void (await db.ledger.update(id, patch)),
		bulkDelete: (ids) => db.ledger.bulkDelete(ids)
	};
}

export type NetFetchDeps = NetFetchOptions & ({ db: HearthDb } | { ledger: LedgerStore });

interface NetFetchOptions {
	/** Read on every request: settings.offlineOnly. */
	offlineOnly: () => boolean;
	fetch?: typeof fetch;
	now?: () => number;
	/** Newest entries kept; older ones are deleted as new ones arrive. */
	maxEntries?: number;
	onError?: (e: HearthError) => void;
}

/** The recorder, plus `idle()` for callers (tests, the dialog) that want every write settled. */
export type LedgerFetch = NetFetch & { idle(): Promise<void> };

export const DEFAULT_MAX_ENTRIES = 5000;
/** A long download updates its entry at most this often while the body streams. */
const PROGRESS_WRITE_MS = 1000;

export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return '';
	}
}

/** Bytes of a request body, where they can be known without reading a stream. */
export function bodySize(body: RequestInit['body']): number {
	if (body === undefined || body === null) return 0;
	if (typeof body === 'string') return new TextEncoder().encode(body).length;
	if (body instanceof URLSearchParams) return new TextEncoder().encode(body.toString()).length;
	if (body instanceof Blob) return body.size;
	if (body instanceof ArrayBuffer) return body.byteLength;
	if (ArrayBuffer.isView(body)) return body.byteLength;
	// FormData and streams: the browser frames them itself; their size is not known up front.
	return 0;
}

function failure(e: unknown, signal: AbortSignal | null | undefined): SerializedError {
	if (signal?.aborted) return { code: 'aborted', message: 'Stopped.' };
	if (e instanceof HearthError) return e.toJSON();
	const message = e instanceof Error ? e.message : String(e);
	return { code: 'network_failed', message };
}

export function createNetFetch(deps: NetFetchDeps): LedgerFetch {
	const doFetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
	const now = deps.now ?? (() => Date.now());
	const max = deps.maxEntries ?? DEFAULT_MAX_ENTRIES;
	const ledger = 'ledger' in deps ? deps.ledger : dexieLedgerStore(deps.db);
	let chain: Promise<unknown> = Promise.resolve();

	// One queue for every write: an entry's update never lands before its add, and pruning sees
	// the table as the adds left it.
	function write<T>(task: () => Promise<T>): Promise<T | undefined> {
		const run = chain.then(task).catch((e: unknown) => {
			deps.onError?.(toHearthError(e));
			return undefined;
		});
		chain = run;
		return run;
	}

	async function prune(): Promise<void> {
		const count = await ledger.count();
		if (count <= max) return;
		await ledger.bulkDelete(await ledger.oldestIds(count - max));
	}

	function record(entry: LedgerEntry): (patch: Partial<LedgerEntry>) => void {
		const id = write(async () => {
			const key = await ledger.add(entry);
			await prune();
			return key;
		});
		return (patch) =>
			void write(async () => {
				const key = await id;
				if (key !== undefined) await ledger.update(key, patch);
			});
	}

	const netFetch = async (url: string, init: RequestInit, meta: NetPurpose) => {
		const started = now();
		const entry: LedgerEntry = {
			at: started,
			purpose: meta.purpose,
			...(meta.tool ? { tool: meta.tool } : {}),
			method: (init.method ?? 'GET').toUpperCase(),
			url,
			host: hostOf(url),
			bytesSent: bodySize(init.body),
			bytesReceived: 0,
			outcome: 'ok'
		};
		if (meta.tool && deps.offlineOnly()) {
			const error = new HearthError(
				'network_blocked',
				`"Offline only" is on, so ${meta.tool} was not allowed to reach ${entry.host || url}. ` +
					'Turn it off in the privacy ledger to let tools use the network.'
			);
			record({ ...entry, bytesSent: 0, outcome: 'blocked', error: error.toJSON() });
			throw error;
		}
		const update = record(entry);
		let response: Response;
		try {
			response = await doFetch(url, init);
		} catch (e) {
			update({ outcome: 'error', durationMs: now() - started, error: failure(e, init.signal) });
			throw e;
		}
		const head = {
			status: response.status,
			outcome: response.status >= 400 ? ('error' as const) : ('ok' as const)
		};
		// Statuses the Response constructor refuses with a body cannot be re-wrapped: not counted.
		if (!response.body || !canWrap(response.status)) {
			update({ ...head, durationMs: now() - started });
			return response;
		}
		return countedResponse(response, (bytes, done, error) => {
			update({
				...head,
				bytesReceived: bytes,
				...(done ? { durationMs: now() - started } : {}),
				...(error ? { outcome: 'error' as const, error: failure(error, init.signal) } : {})
			});
		});
	};
	return Object.assign(netFetch, { idle: () => chain.then(() => undefined) });
}

function canWrap(status: number): boolean {
	return status >= 200 && status <= 599 && status !== 204 && status !== 205 && status !== 304;
}

type Progress = (bytes: number, done: boolean, error?: unknown) => void;

/**
 * The same response with a body that counts bytes as the reader pulls them. `url`, `redirected`
 * and `type` are copied over: a constructed Response has none of them, and fetch_page needs
 * the final URL to check where redirects led.
 */
function countedResponse(response: Response, onProgress: Progress): Response {
	const source = (response.body as ReadableStream<Uint8Array>).getReader();
	let bytes = 0;
	let lastWrite = Date.now();
	let finished = false;
	const finish = (error?: unknown) => {
		if (finished) return;
		finished = true;
		onProgress(bytes, true, error);
	};
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			let chunk: ReadableStreamReadResult<Uint8Array>;
			try {
				chunk = await source.read();
			} catch (e) {
				finish(e);
				controller.error(e);
				return;
			}
			if (chunk.done) {
				finish();
				controller.close();
				return;
			}
			bytes += chunk.value.byteLength;
			if (Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
				lastWrite = Date.now();
				onProgress(bytes, false);
			}
			controller.enqueue(chunk.value);
		},
		async cancel(reason) {
			// A reader that stops early (fetch_page's size limit) still leaves an accurate count.
			finish();
			await source.cancel(reason);
		}
	});
	const counted = new Response(body, {
		status: response.status,
		statusText: response.statusText,
		headers: response.headers
	});
	Object.defineProperties(counted, {
		url: { value: response.url },
		redirected: { value: response.redirected },
		type: { value: response.type }
	});
	return counted;
}
