import { WEBLLM_CACHES } from '$lib/engine/cache-storage';
import type { CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { ModelEntries, parsedCheck, parsedEntry, storedSize } from '$lib/engine/model-entries';
import { fetchVerified, forEachConcurrently, openFile } from '$lib/engine/model-fetch';
import { ensureManifests } from '$lib/engine/model-manifests';
import {
	baseFiles,
	libraryFile,
	manifestFiles,
	modelFiles,
	parseChatConfig,
	parseTensorCache,
	webLlmModelUrl
} from '$lib/engine/model-files';
import type { ModelFile } from '$lib/engine/model-files';
import type { NetFetch } from '$lib/net/types';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError, stopped } from '$lib/types/errors';

// Downloads a model into exactly the Cache Storage entries web-llm reads (see model-files.ts), so
// web-llm's own load finds every file and needs no network. Unlike web-llm's `cache.add`, every
// file is checked before it is stored, and a stored file of the wrong size is replaced: web-llm
// trusts any entry it finds, so one truncated shard would break the model for good.
// This file decides what to fetch and in what order; model-entries.ts (Cache Storage side),
// model-fetch.ts (network side) and model-manifests.ts do the per-file work.

// The UI imports the progress shape from here, next to the store that produces it.
export type { DownloadProgress };

export type StoredState = 'absent' | 'partial' | 'complete' | 'broken';

export interface StoredModel {
	id: string;
	state: StoredState;
	/** Bytes of every stored entry of this model, broken ones included (they take space too). */
	bytesStored: number;
	/** Known once tensor-cache.json is stored: shard sizes plus the other files as stored. */
	bytesTotal?: number;
	missingFiles: number;
	brokenFiles: number;
}

export interface ModelStoreDeps {
	caches?: CacheStorageLike;
	fetch?: typeof fetch;
	/** The privacy ledger: when set, every file is fetched through it ("model download: <id>"). */
	net?: NetFetch;
	now?: () => number;
}

/** web-llm downloads shards four at a time; more does not help one server and hurts the UI. */
const CONCURRENCY = 4;

export class ModelStore {
	private readonly caches: CacheStorageLike;
	private readonly entries: ModelEntries;
	private readonly doFetch: typeof fetch;
	private readonly net?: NetFetch;
	private readonly now: () => number;

	constructor(deps: ModelStoreDeps = {}) {
		const caches = deps.caches ?? (globalThis as { caches?: CacheStorageLike }).caches;
		if (!caches) {
			throw new HearthError(
				'storage_unavailable',
				'This browser does not let Hearth store model files (no Cache Storage).'
			);
		}
		this.caches = caches;
		this.entries = new ModelEntries(caches);
		this.doFetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.net = deps.net;
		this.now = deps.now ?? (() => performance.now());
	}

	/**
	 * Whether any of web-llm's caches exists. Without one nothing is stored, and reading every
	 * catalog model's entries (several cache reads each, at start-up) can be skipped.
	 */
	async holdsAny(): Promise<boolean> {
		const names = Object.values(WEBLLM_CACHES);
		const found = await Promise.all(names.map((name) => this.caches.has(name)));
		return found.some(Boolean);
	}

	/** What is stored for this model, read from the caches only (no network). */
	async inspect(spec: WebModelSpec): Promise<StoredModel> {
		const manifests = manifestFiles(spec);
		const configCheck = await this.entries.check(manifests.config);
		const tensorCheck = await this.entries.check(manifests.tensorCache);
		const config = parsedEntry(configCheck, manifests.config, parseChatConfig);
		const tensorCache = parsedEntry(tensorCheck, manifests.tensorCache, parseTensorCache);

		// Without tensor-cache.json the shards are unknown; count what can be named.
		const files = tensorCache ? modelFiles(spec, config, tensorCache) : baseFiles(spec, config);

		let bytesStored = 0;
		let knownTotal = 0;
		let missingFiles = 0;
		let brokenFiles = 0;
		let folderStored = 0;
		for (const file of files) {
			const result =
				file.url === manifests.config.url
					? parsedCheck(configCheck, config)
					: file.url === manifests.tensorCache.url
						? parsedCheck(tensorCheck, tensorCache)
						: await this.entries.check(file);
			if (result.status === 'missing') missingFiles++;
			else bytesStored += result.bytes;
			if (result.status !== 'missing' && file.cache !== WEBLLM_CACHES.wasm) folderStored++;
			if (result.status === 'broken') brokenFiles++;
			knownTotal += file.bytes ?? (result.status === 'ok' ? result.bytes : 0);
		}
		// A library kept for another model that shares it does not make this one partial.
		if (folderStored === 0) {
			return {
				id: spec.id,
				state: 'absent',
				bytesStored: 0,
				missingFiles: files.length,
				brokenFiles: 0
			};
		}
		const state: StoredState =
			brokenFiles > 0 ? 'broken' : tensorCache && missingFiles === 0 ? 'complete' : 'partial';
		return {
			id: spec.id,
			state,
			bytesStored,
			...(tensorCache ? { bytesTotal: knownTotal } : {}),
			missingFiles,
			brokenFiles
		};
	}

	/**
	 * Fetches every missing or broken file of the model into the caches web-llm reads. Files
	 * already stored with the right size are kept (resume); wrong ones are replaced (repair).
	 * Rejects with a HearthError: aborted, model_download_failed, model_corrupt, quota_exceeded.
	 */
	async download(
		spec: WebModelSpec,
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<StoredModel> {
		const run = new AbortController();
		const stop = () => run.abort(signal?.reason);
		if (signal?.aborted) throw stopped(signal.reason);
		signal?.addEventListener('abort', stop, { once: true });
		try {
			return await this.downloadAll(spec, onProgress, run.signal);
		} catch (e) {
			if (signal?.aborted) throw stopped(e);
			throw e;
		} finally {
			signal?.removeEventListener('abort', stop);
		}
	}

	/**
	 * Removes every entry of the model from web-llm's caches: everything stored under its model
	 * folder (config, tokenizer, tensor-cache.json, shards, even files from a broken download)
	 * and its library, unless one of `others` that is still stored uses the same library URL.
	 * Pass the specs of every other model that may be stored (e.g. the whole catalog); a model in
	 * `others` with the same folder URL keeps the folder too.
	 */
	async delete(spec: WebModelSpec, others: readonly WebModelSpec[] = []): Promise<void> {
		const folder = webLlmModelUrl(spec.modelUrl);
		const rivals = others.filter((o) => o.id !== spec.id);
		const folderShared = rivals.some((o) => webLlmModelUrl(o.modelUrl) === folder);
		if (!folderShared) {
			const { config, tensorCache } = manifestFiles(spec);
			for (const name of new Set([config.cache, tensorCache.cache])) {
				if (!(await this.caches.has(name))) continue;
				const cache = await this.caches.open(name);
				for (const { url } of await cache.keys()) {
					if (url.startsWith(folder)) await cache.delete(url);
				}
			}
		}
		const library = libraryFile(spec);
		if (!library || !(await this.caches.has(library.cache))) return;
		for (const other of rivals) {
			if (libraryFile(other)?.url === library.url && (await this.hasAnyFile(other))) return;
		}
		await (await this.caches.open(library.cache)).delete(library.url);
	}

	private async hasAnyFile(spec: WebModelSpec): Promise<boolean> {
		const { config, tensorCache } = manifestFiles(spec);
		for (const file of [config, tensorCache]) {
			if (await (await this.caches.open(file.cache)).match(file.url)) return true;
		}
		return false;
	}

	/** This model's fetch: through the ledger when there is one (downloads ignore "offline only"). */
	private fetchFor(spec: WebModelSpec): typeof fetch {
		const net = this.net;
		if (!net) return this.doFetch;
		const purpose = `model download: ${spec.id}`;
		return (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			return net(url, init ?? {}, { purpose });
		};
	}

	private async downloadAll(
		spec: WebModelSpec,
		onProgress: (p: DownloadProgress) => void,
		signal: AbortSignal
	): Promise<StoredModel> {
		const doFetch = this.fetchFor(spec);
		const manifests = await ensureManifests(this.entries, doFetch, spec, signal);
		const files = modelFiles(spec, manifests.value.config, manifests.value.tensorCache);
		const progress = new ProgressTracker(files.length, this.now, onProgress);
		for (const resumed of manifests.resumed) progress.resumed(resumed.name, resumed.bytes);
		for (const fetched of manifests.fetched) progress.alreadyDone(fetched.name, fetched.bytes);

		const todo: ModelFile[] = [];
		for (const file of files.slice(2)) {
			const stored = await this.entries.check(file);
			if (stored.status === 'ok') {
				progress.resumed(file.name, stored.bytes);
				continue;
			}
			if (stored.status === 'broken') await this.entries.remove(file);
			todo.push(file);
		}

		// Files of unknown size (tokenizer, library) are opened first, so their Content-Length is
		// in the total before any progress is reported and the fraction does not jump back.
		const opened = new Map<ModelFile, Response>();
		await Promise.all(
			todo
				.filter((f) => f.bytes === undefined)
				.map(async (file) => {
					const response = await openFile(doFetch, spec, file, signal);
					opened.set(file, response);
				})
		).catch(async (e: unknown) => {
			await Promise.all([...opened.values()].map((r) => r.body?.cancel().catch(() => {})));
			throw e;
		});
		for (const file of todo) {
			const response = opened.get(file);
			progress.expect(file.bytes ?? (response ? (storedSize(response) ?? 0) : 0));
		}
		progress.emit(true);

		await forEachConcurrently(todo, CONCURRENCY, (file) =>
			this.fetchFile(doFetch, spec, file, opened.get(file), progress, signal)
		);
		progress.complete();
		return {
			id: spec.id,
			state: 'complete',
			bytesStored: progress.total,
			bytesTotal: progress.total,
			missingFiles: 0,
			brokenFiles: 0
		};
	}

	private async fetchFile(
		doFetch: typeof fetch,
		spec: WebModelSpec,
		file: ModelFile,
		opened: Response | undefined,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<void> {
		const expected = file.bytes ?? (opened ? (storedSize(opened) ?? 0) : 0);
		const body = await fetchVerified(doFetch, spec, file, opened, signal, {
			onBytes: (n) => progress.received(file.name, n),
			onRetry: () => progress.restart(file.name)
		});
		await this.entries.store(spec, file, body, progress.bytesNotStored);
		progress.finished(file.name, body.size, expected);
	}
}
