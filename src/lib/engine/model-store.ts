import { WEBLLM_CACHES } from '$lib/engine/cache-storage';
import type { CacheStorageLike } from '$lib/engine/cache-storage';
import { ProgressTracker } from '$lib/engine/download-progress';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { stoppedError } from '$lib/engine/http-errors';
import {
	baseFiles,
	libraryFile,
	manifestFiles,
	modelFiles,
	parseChatConfig,
	parseTensorCache,
	webLlmModelUrl
} from '$lib/engine/model-files';
import type { ChatConfigManifest, ModelFile, TensorCacheManifest } from '$lib/engine/model-files';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// Downloads a model into exactly the Cache Storage entries web-llm reads (see model-files.ts), so
// web-llm's own load finds every file and needs no network. Unlike web-llm's `cache.add`, every
// file is checked before it is stored, and a stored file of the wrong size is replaced: web-llm
// trusts any entry it finds, so one truncated shard would break the model for good.

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
	now?: () => number;
}

/** web-llm downloads shards four at a time; more does not help one server and hurts the UI. */
const CONCURRENCY = 4;
/** Stored with every entry so a later check knows a file's size without the network. */
const SIZE_HEADER = 'X-Hearth-Bytes';

type EntryCheck =
	| { status: 'missing' }
	| { status: 'broken'; bytes: number }
	| { status: 'ok'; bytes: number; text?: string };

type Manifests = { config: ChatConfigManifest; tensorCache: TensorCacheManifest };

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

function concat(chunks: Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(length);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.length;
	}
	return out;
}

function headerNumber(response: Response, name: string): number | undefined {
	const header = response.headers.get(name);
	const n = header === null ? NaN : Number(header);
	return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The size a response announces: our own header on stored entries, else Content-Length. */
function storedSize(response: Response): number | undefined {
	return headerNumber(response, SIZE_HEADER) ?? headerNumber(response, 'Content-Length');
}

/**
 * Whether a stored entry's body has the size it should. The manifest's size and our own header
 * are exact. An entry web-llm stored itself carries the server's Content-Length, which counts
 * compressed bytes when the server compressed it: there only a shorter body is surely cut short.
 */
function sizeIsRight(file: ModelFile, response: Response, size: number): boolean {
	if (file.bytes !== undefined) return size === file.bytes;
	const exact = headerNumber(response, SIZE_HEADER);
	if (exact !== undefined) return size === exact;
	const declared = headerNumber(response, 'Content-Length');
	return declared === undefined || size >= declared;
}

export class ModelStore {
	private readonly caches: CacheStorageLike;
	private readonly doFetch: typeof fetch;
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
		this.doFetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.now = deps.now ?? (() => performance.now());
	}

	/** What is stored for this model, read from the caches only (no network). */
	async inspect(spec: WebModelSpec): Promise<StoredModel> {
		const manifests = manifestFiles(spec);
		const configCheck = await this.check(manifests.config);
		const tensorCheck = await this.check(manifests.tensorCache);
		const config = this.parsed(configCheck, manifests.config, parseChatConfig);
		const tensorCache = this.parsed(tensorCheck, manifests.tensorCache, parseTensorCache);

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
					? this.parsedCheck(configCheck, config)
					: file.url === manifests.tensorCache.url
						? this.parsedCheck(tensorCheck, tensorCache)
						: await this.check(file);
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
		if (signal?.aborted) throw stoppedError(signal.reason);
		signal?.addEventListener('abort', stop, { once: true });
		try {
			return await this.downloadAll(spec, onProgress, run.signal);
		} catch (e) {
			if (signal?.aborted) throw stoppedError(e);
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

	private async downloadAll(
		spec: WebModelSpec,
		onProgress: (p: DownloadProgress) => void,
		signal: AbortSignal
	): Promise<StoredModel> {
		const manifests = await this.ensureManifests(spec, signal);
		const files = modelFiles(spec, manifests.value.config, manifests.value.tensorCache);
		const progress = new ProgressTracker(files.length, this.now, onProgress);
		for (const resumed of manifests.resumed) progress.resumed(resumed.name, resumed.bytes);
		for (const fetched of manifests.fetched) progress.alreadyDone(fetched.name, fetched.bytes);

		const todo: ModelFile[] = [];
		for (const file of files.slice(2)) {
			const stored = await this.check(file);
			if (stored.status === 'ok') {
				progress.resumed(file.name, stored.bytes);
				continue;
			}
			if (stored.status === 'broken') await this.remove(file);
			todo.push(file);
		}

		// Files of unknown size (tokenizer, library) are opened first, so their Content-Length is
		// in the total before any progress is reported and the fraction does not jump back.
		const opened = new Map<ModelFile, Response>();
		await Promise.all(
			todo
				.filter((f) => f.bytes === undefined)
				.map(async (file) => {
					const response = await this.open(spec, file, signal);
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

		await this.pool(todo, (file) => this.fetchFile(spec, file, opened.get(file), progress, signal));
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

	/** Runs `task` over `items`, CONCURRENCY at a time; after a failure starts no new item. */
	private async pool(items: ModelFile[], task: (f: ModelFile) => Promise<void>): Promise<void> {
		const queue = [...items];
		let failure: { error: unknown } | undefined;
		const worker = async () => {
			while (!failure) {
				const next = queue.shift();
				if (!next) return;
				try {
					await task(next);
				} catch (error) {
					failure ??= { error };
				}
			}
		};
		await Promise.all(Array.from({ length: CONCURRENCY }, worker));
		if (failure) throw failure.error;
	}

	/** Config and tensor-cache.json: from the cache when valid, else fetched and checked. */
	private async ensureManifests(
		spec: WebModelSpec,
		signal: AbortSignal
	): Promise<{
		value: Manifests;
		resumed: { name: string; bytes: number }[];
		fetched: { name: string; bytes: number }[];
	}> {
		const files = manifestFiles(spec);
		const resumed: { name: string; bytes: number }[] = [];
		const fetched: { name: string; bytes: number }[] = [];
		const load = async <T>(file: ModelFile, parse: (url: string, text: string) => T) => {
			const stored = await this.check(file);
			const value = this.parsed(stored, file, parse);
			if (stored.status === 'ok' && value) {
				resumed.push({ name: file.name, bytes: stored.bytes });
				return value;
			}
			if (stored.status !== 'missing') await this.remove(file);
			// The caller's parse reports a bad manifest, so fetchVerified need not check JSON.
			const bytes = await this.fetchVerified(spec, { ...file, json: false }, undefined, signal);
			const text = new TextDecoder().decode(bytes);
			const parsedValue = parse(file.url, text);
			await this.store(spec, file, bytes, bytes.length);
			fetched.push({ name: file.name, bytes: bytes.length });
			return parsedValue;
		};
		const config = await load(files.config, parseChatConfig);
		const tensorCache = await load(files.tensorCache, parseTensorCache);
		return { value: { config, tensorCache }, resumed, fetched };
	}

	private async fetchFile(
		spec: WebModelSpec,
		file: ModelFile,
		opened: Response | undefined,
		progress: ProgressTracker,
		signal: AbortSignal
	): Promise<void> {
		const expected = file.bytes ?? (opened ? (storedSize(opened) ?? 0) : 0);
		const bytes = await this.fetchVerified(spec, file, opened, signal, {
			onBytes: (n) => progress.received(file.name, n),
			onRetry: () => progress.restart(file.name)
		});
		await this.store(spec, file, bytes, progress.bytesNotStored);
		progress.finished(file.name, bytes.length, expected);
	}

	/**
	 * Fetches a whole file and checks it before anyone stores it: its length against the
	 * manifest (or Content-Length), and JSON files must parse. A bad copy is fetched once more;
	 * a second bad copy is model_corrupt.
	 */
	private async fetchVerified(
		spec: WebModelSpec,
		file: ModelFile,
		opened: Response | undefined,
		signal: AbortSignal,
		events: { onBytes?: (n: number) => void; onRetry?: () => void } = {}
	): Promise<Uint8Array<ArrayBuffer>> {
		let response = opened;
		for (let attempt = 1; ; attempt++) {
			response ??= await this.open(spec, file, signal);
			const declared = storedSize(response);
			const bytes = await this.readBody(spec, file, response, signal, events.onBytes);
			const problem = this.problemWith(file, bytes, declared);
			if (!problem) return bytes;
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
	private problemWith(
		file: ModelFile,
		bytes: Uint8Array,
		declared: number | undefined
	): string | undefined {
		if (file.bytes !== undefined && bytes.length !== file.bytes) {
			return `${bytes.length} bytes instead of ${file.bytes}`;
		}
		// Content-Length counts compressed bytes when the server compresses, and the browser hides
		// Content-Encoding cross-origin; only a body shorter than declared is surely cut short.
		if (file.bytes === undefined && declared !== undefined && bytes.length < declared) {
			return `${bytes.length} bytes instead of ${declared}`;
		}
		if (file.json) {
			try {
				JSON.parse(new TextDecoder().decode(bytes));
			} catch {
				return 'not valid JSON';
			}
		}
		return undefined;
	}

	private async open(spec: WebModelSpec, file: ModelFile, signal: AbortSignal): Promise<Response> {
		let response: Response;
		try {
			response = await this.doFetch(file.url, { signal });
		} catch (e) {
			if (signal.aborted) throw stoppedError(e);
			throw new HearthError(
				'model_download_failed',
				`Downloading ${spec.id} failed: could not reach ${hostOf(file.url)}.`,
				{ cause: e }
			);
		}
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw new HearthError(
				'model_download_failed',
				`Downloading ${spec.id} failed: ${file.url} answered ${response.status}` +
					`${response.statusText ? ` ${response.statusText}` : ''}.`
			);
		}
		return response;
	}

	private async readBody(
		spec: WebModelSpec,
		file: ModelFile,
		response: Response,
		signal: AbortSignal,
		onBytes: (n: number) => void = () => {}
	): Promise<Uint8Array<ArrayBuffer>> {
		const chunks: Uint8Array[] = [];
		let length = 0;
		if (!response.body) return new Uint8Array(0);
		const reader = response.body.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				chunks.push(value);
				length += value.length;
				onBytes(value.length);
			}
		} catch (e) {
			if (signal.aborted) throw stoppedError(e);
			throw new HearthError(
				'model_download_failed',
				`Downloading ${spec.id} stopped: the connection to ${hostOf(file.url)} dropped during ` +
					`${file.name}. Finished files are kept; try again to resume.`,
				{ cause: e }
			);
		} finally {
			reader.releaseLock();
		}
		return concat(chunks, length);
	}

	private async store(
		spec: WebModelSpec,
		file: ModelFile,
		bytes: Uint8Array<ArrayBuffer>,
		stillNeeded: number
	): Promise<void> {
		const cache = await this.caches.open(file.cache);
		const headers = {
			'Content-Type': file.json ? 'application/json' : 'application/octet-stream',
			'Content-Length': String(bytes.length),
			[SIZE_HEADER]: String(bytes.length)
		};
		try {
			await cache.put(file.url, new Response(new Blob([bytes]), { status: 200, headers }));
		} catch (e) {
			if (isQuotaError(e)) {
				throw new HearthError(
					'quota_exceeded',
					`Not enough storage space for ${spec.id}: it needs about ` +
						`${formatBytes(Math.max(stillNeeded, bytes.length))} more free space.`,
					{ cause: e }
				);
			}
			throw new HearthError('storage_failed', `Could not store ${file.name} of ${spec.id}.`, {
				cause: e
			});
		}
	}

	private async remove(file: ModelFile): Promise<void> {
		await (await this.caches.open(file.cache)).delete(file.url);
	}

	/** Reads one stored entry: missing, broken (wrong size or bad JSON) or ok. */
	private async check(file: ModelFile): Promise<EntryCheck> {
		if (!(await this.caches.has(file.cache))) return { status: 'missing' };
		const response = await (await this.caches.open(file.cache)).match(file.url);
		if (!response) return { status: 'missing' };
		const blob = await response.blob();
		if (!sizeIsRight(file, response, blob.size)) return { status: 'broken', bytes: blob.size };
		if (!file.json) return { status: 'ok', bytes: blob.size };
		const text = await blob.text();
		try {
			JSON.parse(text);
		} catch {
			return { status: 'broken', bytes: blob.size };
		}
		return { status: 'ok', bytes: blob.size, text };
	}

	/** A manifest's parsed value when its entry is ok and well-formed. */
	private parsed<T>(
		check: EntryCheck,
		file: ModelFile,
		parse: (url: string, text: string) => T
	): T | undefined {
		if (check.status !== 'ok' || check.text === undefined) return undefined;
		try {
			return parse(file.url, check.text);
		} catch {
			return undefined;
		}
	}

	/** A manifest entry that parses as JSON but has the wrong shape is broken too. */
	private parsedCheck(check: EntryCheck, value: unknown): EntryCheck {
		if (check.status === 'ok' && value === undefined)
			return { status: 'broken', bytes: check.bytes };
		return check;
	}
}
