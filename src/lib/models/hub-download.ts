import type { CacheLike, CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { fetchVerified, forEachConcurrently, openFile } from '$lib/engine/model-fetch';
import type { ModelFile } from '$lib/engine/model-files';
import type { NetFetch } from '$lib/net/types';
import { EMBED_CACHE_ORIGIN, MODELS_PATH } from '$lib/protocol/embed';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError, toHearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// Downloads a transformers.js model's files (embeddings, Whisper) from a Hugging Face hub or a
// mirror into a Cache Storage cache, through the ledgered NetFetch, under the keys transformers.js
// looks up (`https://huggingface.co/<id>/resolve/main/<file>` whatever host served them), so the
// worker finds them with remote models switched off. Each file is fetched and checked by the model
// store's fetchVerified (length, JSON, one retry of a bad copy) and stored only once it arrived
// whole; files already stored are not fetched again, so a broken download resumes.

/** What a download needs to know of a model. */
export interface HubModel {
	/** Hugging Face id: the path on the hub and the id transformers.js loads. */
	id: string;
	/** For messages. */
	name: string;
	/** Every file transformers.js reads for the model, relative to the repo root; big ones first. */
	files: readonly string[];
}

export interface HubDownloadOptions {
	/** The hub's base URL, e.g. "https://huggingface.co/" (files at <id>/resolve/main/<file>). */
	hubUrl: string;
	net: NetFetch;
	caches: CacheStorageLike;
	/** As the privacy ledger shows it, e.g. "speech model download: Whisper tiny.en". */
	purpose: string;
	signal?: AbortSignal;
	onProgress?: (progress: DownloadProgress) => void;
	now?: () => number;
}

export interface HubDownloadResult {
	/** Bytes of every file of the model, stored now or before. */
	bytes: number;
	/** Bytes that were already stored and so not fetched. */
	resumedBytes: number;
}

/** Our own header on stored entries: the body's exact size (Content-Length may be compressed). */
const SIZE_HEADER = 'x-hearth-size';

/** Files fetched at once: below a browser's six connections per host over HTTP/1.1. */
const CONCURRENCY = 4;

export function hubFileUrl(base: string, modelId: string, file: string): string {
	const root = base.endsWith('/') ? base : `${base}/`;
	return `${root}${modelId}/resolve/main/${file}`;
}

/** The Cache Storage key of one file: what transformers.js asks the cache for. */
export function hubCacheKey(modelId: string, file: string): string {
	return hubFileUrl(EMBED_CACHE_ORIGIN, modelId, file);
}

async function storedBytes(cache: CacheLike, key: string): Promise<number | undefined> {
	const hit = await cache.match(key);
	if (!hit) return undefined;
	const size = Number(hit.headers.get(SIZE_HEADER));
	await hit.body?.cancel().catch(() => undefined);
	return Number.isFinite(size) && size > 0 ? size : undefined;
}

/** Whether every file of the model is stored in `cacheName`. */
export async function isHubModelDownloaded(
	model: HubModel,
	cacheName: string,
	caches: CacheStorageLike
): Promise<boolean> {
	if (!(await caches.has(cacheName))) return false;
	const cache = await caches.open(cacheName);
	for (const file of model.files) {
		if ((await storedBytes(cache, hubCacheKey(model.id, file))) === undefined) return false;
	}
	return true;
}

/** Removes the model's stored files; returns how many there were. */
export async function deleteHubModel(
	model: HubModel,
	cacheName: string,
	caches: CacheStorageLike
): Promise<number> {
	if (!(await caches.has(cacheName))) return 0;
	const cache = await caches.open(cacheName);
	let deleted = 0;
	for (const file of model.files) {
		if (await cache.delete(hubCacheKey(model.id, file))) deleted++;
	}
	return deleted;
}

/**
 * Whether our own origin serves the model under /models/ (tests, or a self-hosted copy): its
 * config.json answers as JSON. A single-page app answers index.html for any path, hence the type.
 */
export async function isServedModel(
	modelId: string,
	doFetch: typeof fetch = (input, init) => fetch(input, init)
): Promise<boolean> {
	try {
		const response = await doFetch(`${MODELS_PATH}${modelId}/config.json`, { method: 'HEAD' });
		return response.ok && (response.headers.get('content-type') ?? '').includes('json');
	} catch {
		return false;
	}
}

function isQuotaError(e: unknown): boolean {
	return e instanceof Error && e.name === 'QuotaExceededError';
}

async function store(
	cache: CacheLike,
	model: HubModel,
	file: string,
	blob: Blob,
	type: string,
	stillNeeded: number
): Promise<void> {
	try {
		await cache.put(
			hubCacheKey(model.id, file),
			new Response(blob, {
				headers: {
					'Content-Type': type,
					'Content-Length': String(blob.size),
					[SIZE_HEADER]: String(blob.size)
				}
			})
		);
	} catch (e) {
		if (isQuotaError(e)) {
			throw new HearthError(
				'quota_exceeded',
				`Not enough storage space for ${model.name}: it needs about ` +
					`${formatBytes(Math.max(stillNeeded, blob.size))} more free space.`,
				{ cause: e }
			);
		}
		throw toHearthError(e);
	}
}

export async function downloadHubModel(
	model: HubModel,
	cacheName: string,
	options: HubDownloadOptions
): Promise<HubDownloadResult> {
	const { net, purpose } = options;
	const cache = await options.caches.open(cacheName);
	const tracker = new ProgressTracker(
		model.files.length,
		options.now ?? (() => performance.now()),
		(p) => options.onProgress?.(p)
	);

	const missing: string[] = [];
	for (const file of model.files) {
		const bytes = await storedBytes(cache, hubCacheKey(model.id, file));
		if (bytes === undefined) missing.push(file);
		else tracker.resumed(file, bytes);
	}
	const resumedBytes = tracker.total;

	// One failed file stops the others (finished ones stay stored for the next try).
	const stop = new AbortController();
	const onAbort = () => stop.abort();
	options.signal?.addEventListener('abort', onAbort, { once: true });
	if (options.signal?.aborted) stop.abort();
	// fetchVerified wants fetch(); every request it makes goes through the ledger.
	const doFetch: typeof fetch = (input, init) =>
		net(input instanceof Request ? input.url : String(input), init ?? {}, { purpose });
	// fetchVerified reads only `id` of the spec, for its messages (see the report on narrowing it).
	const label = { id: model.name } as WebModelSpec;

	try {
		await forEachConcurrently(missing, CONCURRENCY, async (name) => {
			try {
				await fetchOne(name);
			} catch (e) {
				// Files in flight stop too: forEachConcurrently waits for them before it rejects.
				stop.abort();
				throw e;
			}
		});
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
	}
	tracker.complete();
	return { bytes: tracker.total, resumedBytes };

	async function fetchOne(name: string): Promise<void> {
		const file = {
			name,
			url: hubFileUrl(options.hubUrl, model.id, name),
			json: name.endsWith('.json')
		} as ModelFile;
		const response = await openFile(doFetch, label, file, stop.signal);
		const length = Number(response.headers.get('Content-Length'));
		// A compressed body's Content-Length counts compressed bytes: only good for an estimate.
		const declared = Number.isFinite(length) && length > 0 ? length : 0;
		tracker.expect(declared);
		const blob = await fetchVerified(doFetch, label, file, response, stop.signal, {
			onBytes: (n) => tracker.received(name, n),
			onRetry: () => tracker.restart(name)
		});
		if (blob.size === 0) {
			throw new HearthError(
				'model_corrupt',
				`${name} of ${model.name} arrived empty, so it was not stored. Try again.`
			);
		}
		const type = response.headers.get('Content-Type') ?? 'application/octet-stream';
		await store(cache, model, name, blob, type, tracker.bytesNotStored);
		tracker.finished(name, blob.size, declared);
	}
}
