import type { CacheLike, CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { stoppedError } from '$lib/engine/http-errors';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import type { NetFetch } from '$lib/net/types';
import { EMBED_CACHE_NAME, EMBED_CACHE_ORIGIN } from '$lib/protocol/embed';
import { HearthError, toHearthError } from '$lib/types/errors';

// Downloads an embedding model's files from a Hugging Face hub (or a mirror) into Cache Storage
// through the ledgered NetFetch, under the keys transformers.js looks up (EMBED_CACHE_ORIGIN), so
// the worker finds them with remote models switched off. A file is stored only once it arrived
// whole; files already stored are not fetched again, so a broken download resumes.

export interface EmbedDownloadOptions {
	/** The hub's base URL, e.g. "https://huggingface.co/" (files at <id>/resolve/main/<file>). */
	hubUrl: string;
	net: NetFetch;
	caches: CacheStorageLike;
	signal?: AbortSignal;
	onProgress?: (progress: DownloadProgress) => void;
	now?: () => number;
}

export interface EmbedDownloadResult {
	/** Bytes of every file of the model, stored now or before. */
	bytes: number;
	/** Bytes that were already stored and so not fetched. */
	resumedBytes: number;
}

/** Our own header on stored entries: the body's exact size (Content-Length may be compressed). */
const SIZE_HEADER = 'x-hearth-size';

export function hubFileUrl(base: string, modelId: string, file: string): string {
	const root = base.endsWith('/') ? base : `${base}/`;
	return `${root}${modelId}/resolve/main/${file}`;
}

/** The Cache Storage key of one file: what transformers.js asks the cache for. */
export function embedCacheKey(modelId: string, file: string): string {
	return hubFileUrl(EMBED_CACHE_ORIGIN, modelId, file);
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

async function storedBytes(cache: CacheLike, key: string): Promise<number | undefined> {
	const hit = await cache.match(key);
	if (!hit) return undefined;
	const size = Number(hit.headers.get(SIZE_HEADER));
	await hit.body?.cancel().catch(() => undefined);
	return Number.isFinite(size) && size > 0 ? size : undefined;
}

/** Whether every file of the model is stored. */
export async function isEmbedModelDownloaded(
	model: EmbedModelInfo,
	caches: CacheStorageLike
): Promise<boolean> {
	if (!(await caches.has(EMBED_CACHE_NAME))) return false;
	const cache = await caches.open(EMBED_CACHE_NAME);
	for (const file of model.files) {
		if ((await storedBytes(cache, embedCacheKey(model.id, file))) === undefined) return false;
	}
	return true;
}

/** Removes the model's stored files; returns how many there were. */
export async function deleteEmbedModel(
	model: EmbedModelInfo,
	caches: CacheStorageLike
): Promise<number> {
	if (!(await caches.has(EMBED_CACHE_NAME))) return 0;
	const cache = await caches.open(EMBED_CACHE_NAME);
	let deleted = 0;
	for (const file of model.files) {
		if (await cache.delete(embedCacheKey(model.id, file))) deleted++;
	}
	return deleted;
}

interface Opened {
	file: string;
	response: Response;
	declared?: number;
}

export async function downloadEmbedModel(
	model: EmbedModelInfo,
	options: EmbedDownloadOptions
): Promise<EmbedDownloadResult> {
	const { net, signal } = options;
	const purpose = `embedding model download: ${model.name}`;
	const cache = await options.caches.open(EMBED_CACHE_NAME);
	const tracker = new ProgressTracker(
		model.files.length,
		options.now ?? (() => performance.now()),
		(p) => options.onProgress?.(p)
	);

	const missing: string[] = [];
	for (const file of model.files) {
		const bytes = await storedBytes(cache, embedCacheKey(model.id, file));
		if (bytes === undefined) missing.push(file);
		else tracker.resumed(file, bytes);
	}
	const resumedBytes = tracker.total;

	// Every file is opened before any body is read, so the total is known for the whole download.
	const opened = await Promise.allSettled(
		missing.map((file) => openFile(net, options.hubUrl, model, file, purpose, signal))
	);
	const failed = opened.find((r) => r.status === 'rejected');
	if (failed) {
		for (const r of opened) {
			if (r.status === 'fulfilled') await r.value.response.body?.cancel().catch(() => undefined);
		}
		throw (failed as PromiseRejectedResult).reason;
	}
	const files = opened.map((r) => (r as PromiseFulfilledResult<Opened>).value);
	for (const f of files) tracker.expect(f.declared ?? 0);

	await Promise.all(
		files.map(async ({ file, response, declared }) => {
			const blob = await readWhole(model, file, response, signal, (n) => tracker.received(file, n));
			await checkWhole(model, file, blob, declared);
			try {
				await cache.put(
					embedCacheKey(model.id, file),
					new Response(blob, {
						headers: {
							'Content-Type': response.headers.get('Content-Type') ?? 'application/octet-stream',
							'Content-Length': String(blob.size),
							[SIZE_HEADER]: String(blob.size)
						}
					})
				);
			} catch (e) {
				throw toHearthError(e);
			}
			tracker.finished(file, blob.size, declared ?? 0);
		})
	);
	tracker.complete();
	return { bytes: tracker.total, resumedBytes };
}

async function openFile(
	net: NetFetch,
	hubUrl: string,
	model: EmbedModelInfo,
	file: string,
	purpose: string,
	signal: AbortSignal | undefined
): Promise<Opened> {
	const url = hubFileUrl(hubUrl, model.id, file);
	let response: Response;
	try {
		response = await net(url, { signal }, { purpose });
	} catch (e) {
		if (signal?.aborted) throw stoppedError(e);
		if (e instanceof HearthError) throw e;
		throw new HearthError(
			'model_download_failed',
			`Downloading ${model.name} failed: could not reach ${hostOf(url)}.`,
			{ cause: e }
		);
	}
	if (!response.ok) {
		await response.body?.cancel().catch(() => undefined);
		throw new HearthError(
			'model_download_failed',
			`Downloading ${model.name} failed: ${hostOf(url)} answered ${response.status} for ${file}.`,
			{ status: response.status }
		);
	}
	const length = Number(response.headers.get('Content-Length'));
	// A compressed body's Content-Length counts compressed bytes: only good for an estimate.
	const declared = Number.isFinite(length) && length > 0 ? length : undefined;
	return { file, response, declared };
}

async function readWhole(
	model: EmbedModelInfo,
	file: string,
	response: Response,
	signal: AbortSignal | undefined,
	onBytes: (n: number) => void
): Promise<Blob> {
	if (!response.body) return new Blob([]);
	// Chunks go straight into a Blob, which the browser can keep out of the JS heap.
	const chunks: Uint8Array<ArrayBuffer>[] = [];
	const reader = response.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			onBytes(value.length);
		}
	} catch (e) {
		if (signal?.aborted) throw stoppedError(e);
		throw new HearthError(
			'model_download_failed',
			`Downloading ${model.name} stopped: the connection dropped during ${file}. ` +
				'Finished files are kept; try again to resume.',
			{ cause: e }
		);
	} finally {
		reader.releaseLock();
	}
	return new Blob(chunks);
}

async function checkWhole(
	model: EmbedModelInfo,
	file: string,
	blob: Blob,
	declared: number | undefined
): Promise<void> {
	const damaged = (why: string) =>
		new HearthError(
			'model_corrupt',
			`${file} of ${model.name} arrived damaged (${why}), so it was not stored. Try again.`
		);
	if (declared !== undefined && blob.size < declared) {
		throw damaged(`${blob.size} bytes instead of ${declared}`);
	}
	if (blob.size === 0) throw damaged('empty');
	if (file.endsWith('.json')) {
		try {
			JSON.parse(await blob.text());
		} catch {
			throw damaged('not valid JSON');
		}
	}
}
