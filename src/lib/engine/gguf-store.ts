import type { CacheLike, CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { verifyGgufFile } from '$lib/engine/gguf-header';
import type { BlobLike, GgufHeader } from '$lib/engine/gguf-header';
import { forEachConcurrently } from '$lib/engine/model-fetch';
import type { StoredModel } from '$lib/engine/model-store';
import type { NetFetch } from '$lib/net/types';
import { HearthError, stopped } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// Downloads GGUF models into Cache Storage with the same guarantees as the MLC store: progress in
// bytes, cancel, resume, repair, a ledger entry per request, and nothing stored that was not
// checked. A GGUF is one large file (or a few splits), so each file is stored in parts of 32 MiB
// fetched with HTTP Range requests: a dropped connection costs one part, not the whole file, and
// a part is checked against its exact size before it is kept. Once every part is in, the file is
// read back as one Blob (no copy) and checked against its own GGUF header (magic, version, and
// every byte its tensor table points to). llama.cpp gets the Blobs straight from the cache.

/** One file of a model as the store fetches it. */
export interface GgufFileRef {
	/** Shown in progress and errors, e.g. "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf". */
	name: string;
	/** Absolute URL; also the cache key (with the part appended). */
	url: string;
}

export interface GgufDownloadSpec {
	/** Hearth's model id ("gguf:…"), for the ledger and messages. */
	id: string;
	/** The model's files in load order: splits, then the projector. */
	files: GgufFileRef[];
}

/** What the store learnt about one stored file. */
export interface GgufFileMeta {
	bytes: number;
	partBytes: number;
	/** Set once every part is in and the header checked the whole. */
	verified?: {
		architecture?: string;
		name?: string;
		contextLength?: number;
		chatTemplate?: string;
		projector: boolean;
	};
}

export interface GgufStoreDeps {
	caches?: CacheStorageLike;
	fetch?: typeof fetch;
	/** The privacy ledger: when set, every request goes through it ("model download: <id>"). */
	net?: NetFetch;
	now?: () => number;
	/** Test hook: smaller parts exercise the part logic with small files. */
	partBytes?: number;
}

export const GGUF_CACHE = 'hearth-gguf';
const PART_BYTES = 32 * 1024 * 1024;
const CONCURRENCY = 4;
const MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"

const keyOf = (url: string, suffix: string): string =>
	`${url}${url.includes('?') ? '&' : '?'}hearth-gguf=${suffix}`;
const partKey = (url: string, index: number) => keyOf(url, `part-${index}`);
const metaKey = (url: string) => keyOf(url, 'meta');

function partCount(meta: Pick<GgufFileMeta, 'bytes' | 'partBytes'>): number {
	return Math.max(1, Math.ceil(meta.bytes / meta.partBytes));
}

function partSize(meta: Pick<GgufFileMeta, 'bytes' | 'partBytes'>, index: number): number {
	return Math.min(meta.partBytes, meta.bytes - index * meta.partBytes);
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

function isQuotaError(e: unknown): boolean {
	return e instanceof Error && e.name === 'QuotaExceededError';
}

/** The total size from `Content-Range: bytes 0-99/1234`, or undefined. */
function rangeTotal(response: Response): number | undefined {
	const match = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
	return match ? Number(match[1]) : undefined;
}

export class GgufStore {
	readonly #caches: CacheStorageLike;
	readonly #fetch: typeof fetch;
	readonly #net?: NetFetch;
	readonly #now: () => number;
	readonly #partBytes: number;

	constructor(deps: GgufStoreDeps = {}) {
		const caches = deps.caches ?? (globalThis as { caches?: CacheStorageLike }).caches;
		if (!caches) {
			throw new HearthError(
				'storage_unavailable',
				'This browser does not let Hearth store model files (no Cache Storage).'
			);
		}
		this.#caches = caches;
		this.#fetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.#net = deps.net;
		this.#now = deps.now ?? (() => performance.now());
		this.#partBytes = deps.partBytes ?? PART_BYTES;
	}

	async #cache(): Promise<CacheLike> {
		return this.#caches.open(GGUF_CACHE);
	}

	async #meta(cache: CacheLike, url: string): Promise<GgufFileMeta | undefined> {
		const response = await cache.match(metaKey(url));
		if (!response) return undefined;
		try {
			const value = (await response.json()) as GgufFileMeta;
			const valid =
				Number.isSafeInteger(value.bytes) &&
				value.bytes > 0 &&
				Number.isSafeInteger(value.partBytes) &&
				value.partBytes > 0;
			return valid ? value : undefined;
		} catch {
			return undefined;
		}
	}

	async #putMeta(cache: CacheLike, spec: GgufDownloadSpec, url: string, meta: GgufFileMeta) {
		await this.#put(cache, spec, metaKey(url), new Blob([JSON.stringify(meta)]), 0);
	}

	/** The stored size of part `index`, or undefined when it is missing. */
	async #partSize(cache: CacheLike, url: string, index: number): Promise<number | undefined> {
		const response = await cache.match(partKey(url, index));
		if (!response) return undefined;
		return (await response.blob()).size;
	}

	/** What is stored for this model, read from the cache only (no network). */
	async inspect(spec: GgufDownloadSpec): Promise<StoredModel> {
		if (!(await this.#caches.has(GGUF_CACHE))) return absent(spec);
		const cache = await this.#cache();
		let bytesStored = 0;
		let bytesTotal = 0;
		let knownTotal = true;
		let missingFiles = 0;
		let brokenFiles = 0;
		let anything = false;
		for (const file of spec.files) {
			const meta = await this.#meta(cache, file.url);
			if (!meta) {
				missingFiles++;
				knownTotal = false;
				continue;
			}
			anything = true;
			bytesTotal += meta.bytes;
			let complete = true;
			for (let i = 0; i < partCount(meta); i++) {
				const size = await this.#partSize(cache, file.url, i);
				if (size === undefined) complete = false;
				else if (size !== partSize(meta, i)) brokenFiles++;
				else bytesStored += size;
			}
			if (!complete || !meta.verified) missingFiles++;
		}
		if (!anything) return absent(spec);
		const state =
			brokenFiles > 0 ? 'broken' : missingFiles === 0 && knownTotal ? 'complete' : 'partial';
		return {
			id: spec.id,
			state,
			bytesStored,
			...(knownTotal ? { bytesTotal } : {}),
			missingFiles,
			brokenFiles
		};
	}

	/** The checked header of each stored file, in order (undefined for one not verified yet). */
	async headers(spec: GgufDownloadSpec): Promise<(GgufFileMeta['verified'] | undefined)[]> {
		const cache = await this.#cache();
		return Promise.all(spec.files.map(async (f) => (await this.#meta(cache, f.url))?.verified));
	}

	/**
	 * The model's files as Blobs for llama.cpp, straight from the cache (the browser keeps them on
	 * disk; nothing is copied). Throws model_not_downloaded when a part is missing.
	 */
	async open(spec: GgufDownloadSpec): Promise<Blob[]> {
		const cache = await this.#cache();
		const blobs: Blob[] = [];
		for (const file of spec.files) {
			const meta = await this.#meta(cache, file.url);
			const parts: Blob[] = [];
			for (let i = 0; meta && i < partCount(meta); i++) {
				const response = await cache.match(partKey(file.url, i));
				if (!response) break;
				parts.push(await response.blob());
			}
			if (!meta?.verified || parts.length !== partCount(meta)) {
				throw new HearthError(
					'model_not_downloaded',
					`${file.name} is not downloaded completely. Open Models to download it (or resume).`
				);
			}
			blobs.push(new Blob(parts));
		}
		return blobs;
	}

	/** Removes every stored part of the model. */
	async delete(spec: GgufDownloadSpec): Promise<void> {
		if (!(await this.#caches.has(GGUF_CACHE))) return;
		const cache = await this.#cache();
		const prefixes = spec.files.map((f) => keyOf(f.url, ''));
		for (const { url } of await cache.keys()) {
			if (prefixes.some((p) => url.startsWith(p))) await cache.delete(url);
		}
	}

	/**
	 * Fetches every missing or damaged part of every file, then checks each file against its own
	 * header. Parts already stored with the right size are kept (resume); wrong ones are fetched
	 * again (repair). Rejects with a HearthError: aborted, model_download_failed, model_corrupt,
	 * quota_exceeded, storage_failed.
	 */
	async download(
		spec: GgufDownloadSpec,
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<StoredModel> {
		if (signal?.aborted) throw stopped(signal.reason);
		const run = new AbortController();
		const stop = () => run.abort(signal?.reason);
		signal?.addEventListener('abort', stop, { once: true });
		try {
			const cache = await this.#cache();
			// Parts, not files, are what moves: the bar names the part ("… (part 3 of 12)").
			const progress = new ProgressTracker(0, this.#now, onProgress);
			for (const file of spec.files) {
				await this.#downloadFile(cache, spec, file, progress, run.signal);
			}
			progress.complete();
			return await this.inspect(spec);
		} catch (e) {
			if (signal?.aborted) throw stopped(e);
			throw e;
		} finally {
			signal?.removeEventListener('abort', stop);
		}
	}

	/**
	 * Copies a file the user picked into storage, for browsers that cannot keep a handle to it.
	 * `spec.files` names one synthetic URL per picked file, in the same order as `blobs`.
	 */
	async importFiles(
		spec: GgufDownloadSpec,
		blobs: readonly Blob[],
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		const cache = await this.#cache();
		const progress = new ProgressTracker(spec.files.length, this.#now, onProgress);
		for (const [i, file] of spec.files.entries()) {
			const blob = blobs[i];
			if (!blob) continue;
			const header = await verifyGgufFile(blob, file.name);
			const meta: GgufFileMeta = { bytes: blob.size, partBytes: this.#partBytes };
			progress.expect(blob.size);
			for (let p = 0; p < partCount(meta); p++) {
				if (signal?.aborted) throw stopped();
				const part = blob.slice(p * meta.partBytes, p * meta.partBytes + partSize(meta, p));
				await this.#put(cache, spec, partKey(file.url, p), part, blob.size);
				progress.received(file.name, part.size);
			}
			await this.#putMeta(cache, spec, file.url, { ...meta, verified: summary(header) });
			progress.finished(file.name, 0, 0);
		}
		progress.complete();
	}

	async #downloadFile(
		cache: CacheLike,
		spec: GgufDownloadSpec,
		file: GgufFileRef,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<void> {
		let meta = await this.#meta(cache, file.url);
		if (meta?.verified && (await this.#allParts(cache, file.url, meta))) {
			progress.resumed(file.name, meta.bytes);
			return;
		}
		let fresh = new Set<number>();
		if (!meta) {
			// The first part says how large the file is (Content-Range) and whether it is a GGUF.
			({ meta, fresh } = await this.#fetchFirstPart(cache, spec, file, progress, signal));
		}
		const known = meta;
		const todo: number[] = [];
		let stored = 0;
		for (let i = 0; i < partCount(known); i++) {
			if (fresh.has(i)) continue;
			const size = await this.#partSize(cache, file.url, i);
			if (size === partSize(known, i)) stored += size;
			else todo.push(i);
		}
		if (stored > 0) progress.resumed(file.name, stored);
		progress.expect(todo.reduce((sum, i) => sum + partSize(known, i), 0));
		await forEachConcurrently(todo, CONCURRENCY, (index) =>
			this.#fetchPart(cache, spec, file, known, index, progress, signal)
		);
		const whole = new Blob(await this.#parts(cache, file.url, known));
		let header: GgufHeader;
		try {
			header = await verifyGgufFile(whole, file.name);
		} catch (e) {
			// A file that does not check out is not kept: the next try starts from the first byte.
			await this.delete({ id: spec.id, files: [file] });
			throw e;
		}
		await this.#putMeta(cache, spec, file.url, { ...known, verified: summary(header) });
	}

	async #allParts(cache: CacheLike, url: string, meta: GgufFileMeta): Promise<boolean> {
		for (let i = 0; i < partCount(meta); i++) {
			if ((await this.#partSize(cache, url, i)) !== partSize(meta, i)) return false;
		}
		return true;
	}

	async #parts(cache: CacheLike, url: string, meta: GgufFileMeta): Promise<Blob[]> {
		const parts: Blob[] = [];
		for (let i = 0; i < partCount(meta); i++) {
			const response = await cache.match(partKey(url, i));
			if (response) parts.push(await response.blob());
		}
		return parts;
	}

	/** This model's fetch: through the ledger when there is one (downloads ignore "offline only"). */
	#fetchFor(spec: GgufDownloadSpec): typeof fetch {
		const net = this.#net;
		if (!net) return this.#fetch;
		const purpose = `model download: ${spec.id}`;
		return (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			return net(url, init ?? {}, { purpose });
		};
	}

	async #request(
		spec: GgufDownloadSpec,
		file: GgufFileRef,
		from: number,
		to: number,
		signal: AbortSignal
	): Promise<Response> {
		let response: Response;
		try {
			response = await this.#fetchFor(spec)(file.url, {
				signal,
				headers: { Range: `bytes=${from}-${to - 1}` }
			});
		} catch (e) {
			if (signal.aborted) throw stopped(e);
			throw new HearthError(
				'model_download_failed',
				`Downloading ${file.name} failed: could not reach ${hostOf(file.url)}.`,
				{ cause: e }
			);
		}
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw new HearthError(
				'model_download_failed',
				`Downloading ${file.name} failed: ${file.url} answered ${response.status}` +
					`${response.statusText ? ` ${response.statusText}` : ''}.`
			);
		}
		return response;
	}

	async #fetchFirstPart(
		cache: CacheLike,
		spec: GgufDownloadSpec,
		file: GgufFileRef,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<{ meta: GgufFileMeta; fresh: Set<number> }> {
		const response = await this.#request(spec, file, 0, this.#partBytes, signal);
		if (response.status !== 206) {
			// A server that ignores Range sends the whole file: store it part by part as it comes.
			return this.#storeStream(cache, spec, file, response, progress, signal);
		}
		const total = rangeTotal(response);
		if (total === undefined || total <= 0) {
			await response.body?.cancel().catch(() => {});
			throw new HearthError(
				'model_download_failed',
				`Downloading ${file.name} failed: ${hostOf(file.url)} did not say how large the file is.`
			);
		}
		const meta: GgufFileMeta = { bytes: total, partBytes: this.#partBytes };
		progress.expect(partSize(meta, 0));
		const body = await this.#read(file, response, progress, signal);
		await checkMagic(body, file);
		if (body.size !== partSize(meta, 0)) {
			throw new HearthError(
				'model_download_failed',
				`Downloading ${file.name} stopped: the first ${formatBytes(body.size)} arrived instead of ${formatBytes(partSize(meta, 0))}. Try again to resume.`
			);
		}
		await this.#put(cache, spec, partKey(file.url, 0), body, total);
		await this.#putMeta(cache, spec, file.url, meta);
		progress.finished(file.name, body.size, body.size);
		return { meta, fresh: new Set([0]) };
	}

	/**
	 * Stores a whole-file response part by part as it arrives. The size comes from
	 * Content-Length when the server sends one (else from what arrived); the first bytes must be
	 * "GGUF", so an error page is refused before anything is kept.
	 */
	async #storeStream(
		cache: CacheLike,
		spec: GgufDownloadSpec,
		file: GgufFileRef,
		response: Response,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<{ meta: GgufFileMeta; fresh: Set<number> }> {
		const declared = Number(response.headers.get('Content-Length'));
		const length = Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
		const partBytes = this.#partBytes;
		if (length !== undefined) progress.expect(length);
		const reader = response.body?.getReader();
		let pending: Uint8Array<ArrayBuffer>[] = [];
		let pendingBytes = 0;
		let index = 0;
		let received = 0;
		let checked = false;
		const total = () => length ?? received;
		const check = async () => {
			if (checked || (pendingBytes < MAGIC.length && index === 0)) return;
			checked = true;
			await checkMagic(new Blob(pending), file);
		};
		const flush = async () => {
			await check();
			await this.#put(cache, spec, partKey(file.url, index), new Blob(pending), total());
			index++;
			pending = [];
			pendingBytes = 0;
		};
		try {
			for (;;) {
				const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
				if (done) break;
				let chunk = value;
				received += chunk.length;
				if (length !== undefined && received > length) {
					throw dropped(file, new Error('more bytes than announced'));
				}
				progress.received(file.name, chunk.length);
				while (chunk.length > 0) {
					const room = partBytes - pendingBytes;
					const piece = chunk.subarray(0, room);
					pending.push(piece);
					pendingBytes += piece.length;
					chunk = chunk.subarray(piece.length);
					await check();
					if (pendingBytes === partBytes) await flush();
				}
			}
		} catch (e) {
			if (signal.aborted) throw stopped(e);
			if (e instanceof HearthError) throw e;
			throw dropped(file, e);
		} finally {
			reader?.releaseLock();
		}
		if (pendingBytes > 0) await flush();
		if (!checked) await checkMagic(new Blob([]), file);
		if (length !== undefined && received !== length) {
			throw dropped(file, new Error(`${received} of ${length} bytes arrived`));
		}
		const meta: GgufFileMeta = { bytes: received, partBytes };
		await this.#putMeta(cache, spec, file.url, meta);
		progress.finished(file.name, received, length ?? 0);
		return { meta, fresh: new Set(Array.from({ length: index }, (_, i) => i)) };
	}

	async #fetchPart(
		cache: CacheLike,
		spec: GgufDownloadSpec,
		file: GgufFileRef,
		meta: GgufFileMeta,
		index: number,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<void> {
		const from = index * meta.partBytes;
		const expected = partSize(meta, index);
		const name = `${file.name} (part ${index + 1} of ${partCount(meta)})`;
		for (let attempt = 1; ; attempt++) {
			const response = await this.#request(spec, file, from, from + expected, signal);
			if (response.status !== 206 && !(from === 0 && expected === meta.bytes)) {
				await response.body?.cancel().catch(() => {});
				throw new HearthError(
					'model_download_failed',
					`Downloading ${file.name} failed: ${hostOf(file.url)} does not send parts of files (HTTP Range), which a large model needs.`
				);
			}
			const body = await this.#read({ ...file, name }, response, progress, signal);
			if (body.size === expected) {
				await this.#put(cache, spec, partKey(file.url, index), body, meta.bytes);
				progress.finished(name, body.size, body.size);
				return;
			}
			progress.restart(name);
			if (attempt >= 2) {
				throw new HearthError(
					'model_corrupt',
					`${name} came back damaged twice (${body.size} bytes instead of ${expected}), so it was not stored.`
				);
			}
		}
	}

	async #read(
		file: GgufFileRef,
		response: Response,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<Blob> {
		const chunks: Uint8Array<ArrayBuffer>[] = [];
		if (!response.body) return new Blob([]);
		const reader = response.body.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				chunks.push(value);
				progress.received(file.name, value.length);
			}
		} catch (e) {
			if (signal.aborted) throw stopped(e);
			throw dropped(file, e);
		} finally {
			reader.releaseLock();
		}
		return new Blob(chunks);
	}

	async #put(
		cache: CacheLike,
		spec: GgufDownloadSpec,
		key: string,
		body: Blob,
		totalBytes: number
	): Promise<void> {
		const headers = {
			'Content-Type': 'application/octet-stream',
			'Content-Length': String(body.size)
		};
		try {
			await cache.put(key, new Response(body, { status: 200, headers }));
		} catch (e) {
			if (isQuotaError(e)) {
				throw new HearthError(
					'quota_exceeded',
					`Not enough storage space for ${spec.id}: it needs about ${formatBytes(totalBytes)} of free space.`,
					{ cause: e }
				);
			}
			throw new HearthError('storage_failed', `Could not store part of ${spec.id}.`, { cause: e });
		}
	}
}

function absent(spec: GgufDownloadSpec): StoredModel {
	return {
		id: spec.id,
		state: 'absent',
		bytesStored: 0,
		missingFiles: spec.files.length,
		brokenFiles: 0
	};
}

function dropped(file: GgufFileRef, cause: unknown): HearthError {
	return new HearthError(
		'model_download_failed',
		`Downloading ${file.name} stopped: the connection to ${hostOf(file.url)} dropped. Finished parts are kept; try again to resume.`,
		{ cause }
	);
}

/** Fails fast when the first bytes are not a GGUF (an HTML error page, a wrong file). */
async function checkMagic(blob: BlobLike, file: GgufFileRef): Promise<void> {
	const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
	if (MAGIC.every((b, i) => head[i] === b)) return;
	const shown = [...head].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
	throw new HearthError(
		'model_corrupt',
		`${file.name} is not a GGUF model: it starts with "${shown}" instead of "GGUF". Check the repository and file name.`
	);
}

function summary(header: GgufHeader): NonNullable<GgufFileMeta['verified']> {
	return {
		projector: header.projector,
		...(header.architecture ? { architecture: header.architecture } : {}),
		...(header.name ? { name: header.name } : {}),
		...(header.contextLength ? { contextLength: header.contextLength } : {}),
		...(header.chatTemplate ? { chatTemplate: header.chatTemplate } : {})
	};
}
