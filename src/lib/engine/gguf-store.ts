import type { CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { fetchFirstPart, fetchPart } from '$lib/engine/gguf-fetch';
import type { FileFetch } from '$lib/engine/gguf-fetch';
import { verifyGgufFile } from '$lib/engine/gguf-header';
import type { GgufHeader } from '$lib/engine/gguf-header';
import {
	GGUF_CACHE,
	GgufParts,
	headerSummary,
	partCount,
	partKey,
	partSize
} from '$lib/engine/gguf-parts';
import type { GgufDownloadSpec, GgufFileMeta } from '$lib/engine/gguf-parts';
import { forEachConcurrently } from '$lib/engine/model-fetch';
import type { StoredModel } from '$lib/engine/model-store';
import type { NetFetch } from '$lib/net/types';
import { HearthError, stopped } from '$lib/types/errors';

// Downloads GGUF models into Cache Storage with the same guarantees as the MLC store: progress in
// bytes, cancel, resume, repair, a ledger entry per request, and nothing stored that was not
// checked. A GGUF is one large file (or a few splits), so each file is stored in parts of 32 MiB
// fetched with HTTP Range requests: a dropped connection costs one part, not the whole file, and
// a part is checked against its exact size before it is kept (gguf-fetch.ts). Once every part is
// in, the file is read back as one Blob (no copy) and checked against its own GGUF header (magic,
// version, and every byte its tensor table points to). llama.cpp gets the Blobs straight from the
// cache (gguf-parts.ts).

export interface GgufStoreDeps {
	caches?: CacheStorageLike;
	fetch?: typeof fetch;
	/** The privacy ledger: when set, every request goes through it ("model download: <id>"). */
	net?: NetFetch;
	now?: () => number;
	/** Test hook: smaller parts exercise the part logic with small files. */
	partBytes?: number;
}

const PART_BYTES = 32 * 1024 * 1024;
const CONCURRENCY = 4;

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

	async #parts(): Promise<GgufParts> {
		return new GgufParts(await this.#caches.open(GGUF_CACHE));
	}

	/** What is stored for this model, read from the cache only (no network). */
	async inspect(spec: GgufDownloadSpec): Promise<StoredModel> {
		if (!(await this.#caches.has(GGUF_CACHE))) return absent(spec);
		const parts = await this.#parts();
		let bytesStored = 0;
		let bytesTotal = 0;
		let knownTotal = true;
		let missingFiles = 0;
		let brokenFiles = 0;
		let anything = false;
		for (const file of spec.files) {
			const meta = await parts.meta(file.url);
			if (!meta) {
				missingFiles++;
				knownTotal = false;
				continue;
			}
			anything = true;
			bytesTotal += meta.bytes;
			let complete = true;
			for (let i = 0; i < partCount(meta); i++) {
				const size = await parts.partSize(file.url, i);
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
		const parts = await this.#parts();
		return Promise.all(spec.files.map(async (f) => (await parts.meta(f.url))?.verified));
	}

	/**
	 * The model's files as Blobs for llama.cpp, straight from the cache (the browser keeps them on
	 * disk; nothing is copied). Throws model_not_downloaded when a part is missing.
	 */
	async open(spec: GgufDownloadSpec): Promise<Blob[]> {
		const parts = await this.#parts();
		const blobs: Blob[] = [];
		for (const file of spec.files) {
			const meta = await parts.meta(file.url);
			const stored = meta ? await parts.parts(file.url, meta) : [];
			if (!meta?.verified || stored.length !== partCount(meta)) {
				throw new HearthError(
					'model_not_downloaded',
					`${file.name} is not downloaded completely. Open Models to download it (or resume).`
				);
			}
			blobs.push(new Blob(stored));
		}
		return blobs;
	}

	/** Removes every stored part of the model. */
	async delete(spec: GgufDownloadSpec): Promise<void> {
		if (!(await this.#caches.has(GGUF_CACHE))) return;
		await (await this.#parts()).remove(spec.files);
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
			const parts = await this.#parts();
			// Parts, not files, are what moves: the bar names the part ("… (part 3 of 12)").
			const progress = new ProgressTracker(0, this.#now, onProgress);
			for (const file of spec.files) {
				await this.#downloadFile({
					parts,
					spec,
					file,
					fetch: this.#fetchFor(spec),
					partBytes: this.#partBytes,
					progress,
					signal: run.signal
				});
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
	 * Copies files the user picked into storage, for browsers that cannot keep a handle to them.
	 * `spec.files` names one synthetic URL per picked file, in the same order as `blobs`.
	 */
	async importFiles(
		spec: GgufDownloadSpec,
		blobs: readonly Blob[],
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		const parts = await this.#parts();
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
				await parts.put(spec, partKey(file.url, p), part, blob.size);
				progress.received(file.name, part.size);
			}
			await parts.putMeta(spec, file.url, { ...meta, verified: headerSummary(header) });
			progress.finished(file.name, 0, 0);
		}
		progress.complete();
	}

	async #downloadFile(f: FileFetch): Promise<void> {
		const { parts, file, progress } = f;
		let meta = await parts.meta(file.url);
		if (meta?.verified && (await parts.complete(file.url, meta))) {
			progress.resumed(file.name, meta.bytes);
			return;
		}
		let fresh = new Set<number>();
		if (!meta) ({ meta, fresh } = await fetchFirstPart(f));
		const known = meta;
		const todo: number[] = [];
		let stored = 0;
		for (let i = 0; i < partCount(known); i++) {
			if (fresh.has(i)) continue;
			const size = await parts.partSize(file.url, i);
			if (size === partSize(known, i)) stored += size;
			else todo.push(i);
		}
		if (stored > 0) progress.resumed(file.name, stored);
		progress.expect(todo.reduce((sum, i) => sum + partSize(known, i), 0));
		await forEachConcurrently(todo, CONCURRENCY, (index) => fetchPart(f, known, index));
		const whole = new Blob(await parts.parts(file.url, known));
		let header: GgufHeader;
		try {
			header = await verifyGgufFile(whole, file.name);
		} catch (e) {
			// A file that does not check out is not kept: the next try starts from the first byte.
			await parts.remove([file]);
			throw e;
		}
		await parts.putMeta(f.spec, file.url, { ...known, verified: headerSummary(header) });
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
