import { EMBED_CACHE_ORIGIN, ORT_FILES, ORT_PATH } from '$lib/protocol/embed';
import { createCallQueue } from '$lib/protocol/rpc';
import type { CallMap, CallRequest, CallResult } from '$lib/protocol/rpc';
import { HearthError, stopped } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import type { LoadProgress } from '$lib/types/llm';

// What every transformers.js worker host shares (embeddings, Whisper): the library's settings
// (never the network; files from our origin or a read-only cache the page filled), its progress
// reports turned into ours, WebGPU with a WASM fallback, its error wording turned into codes, and
// calls run one at a time with cancel by request id. Free of `self`, so hosts run in Node.

/** transformers.js's progress report (ProgressInfo), as far as the hosts read it. */
export interface LibraryProgress {
	status: string;
	file?: string;
	progress?: number;
	loaded?: number;
	total?: number;
}

/** transformers.js's Web Cache-like interface for `env.customCache`. */
export interface ModelCache {
	match(key: string): Promise<Response | undefined>;
	put(key: string, response: Response): Promise<void>;
}

/** The fields of transformers.js's `env` the hosts set. */
export interface LibraryEnv {
	allowRemoteModels: boolean;
	allowLocalModels: boolean;
	localModelPath: string;
	remoteHost: string;
	useBrowserCache: boolean;
	useFSCache: boolean;
	useCustomCache: boolean;
	customCache: ModelCache | null;
	useWasmCache: boolean;
	backends: { onnx: { wasm?: { wasmPaths?: unknown } } };
}

export type WebGpuProbe = { ok: true } | { ok: false; reason: string };

export type ModelDevice = 'webgpu' | 'wasm';

/** A model load's progress, as the embed and speech protocols report it. */
export interface ModelLoadProgress extends LoadProgress {
	/** The file being read, when transformers.js says. */
	file?: string;
	loadedBytes?: number;
	totalBytes?: number;
}

/**
 * The cache keys' namespace: transformers.js asks its cache for `${remoteHost}<id>/resolve/main/
 * <file>`, and the page stores downloads under exactly that key whatever host they came from.
 */
export const HUB_CACHE_ORIGIN = EMBED_CACHE_ORIGIN;

export interface LibraryEnvOptions {
	/** Served models: '/models/' in a browser, a folder in Node. */
	localModelPath: string;
	/** Downloaded models (Cache Storage in a browser); absent means served models only. */
	cache?: ModelCache;
	/** ONNX Runtime's files on our own origin; without them the library would use a CDN. */
	wasmPaths?: { mjs: string; wasm: string };
}

/** ONNX Runtime's files as served by our own origin (vite.config.ts). */
export function ortWasmPaths(origin: string): { mjs: string; wasm: string } {
	return {
		mjs: new URL(`${ORT_PATH}${ORT_FILES.mjs}`, origin).href,
		wasm: new URL(`${ORT_PATH}${ORT_FILES.wasm}`, origin).href
	};
}

/** The slice of `navigator.gpu` the probe uses. */
export interface GpuLike {
	requestAdapter(): Promise<unknown>;
}

/** Whether a WebGPU adapter is there; `gpu` is navigator.gpu, missing where WebGPU is off. */
export async function probeWebGpu(gpu: GpuLike | undefined): Promise<WebGpuProbe> {
	if (!gpu) return { ok: false, reason: 'this browser has no WebGPU' };
	try {
		const adapter = await gpu.requestAdapter();
		return adapter ? { ok: true } : { ok: false, reason: 'no WebGPU adapter was found' };
	} catch (e) {
		return { ok: false, reason: e instanceof Error ? e.message : 'the WebGPU adapter failed' };
	}
}

/** Never a silent download: models come from our origin or from the cache the page filled. */
export function configureLibraryEnv(env: LibraryEnv, options: LibraryEnvOptions): void {
	env.allowRemoteModels = false;
	env.allowLocalModels = true;
	env.localModelPath = options.localModelPath;
	env.remoteHost = HUB_CACHE_ORIGIN;
	env.useBrowserCache = false;
	env.useFSCache = false;
	env.useCustomCache = options.cache !== undefined;
	env.customCache = options.cache ?? null;
	// The service worker already keeps /ort/ for offline use; one copy is enough.
	env.useWasmCache = false;
	if (options.wasmPaths && env.backends.onnx.wasm) {
		env.backends.onnx.wasm.wasmPaths = { ...options.wasmPaths };
	}
}

/**
 * The library, imported once and configured; a failed import is retried on the next call (a
 * flaky first fetch of the chunk).
 */
export function libraryLoader<L extends { env: LibraryEnv }>(
	load: () => Promise<L>,
	options: LibraryEnvOptions
): () => Promise<L> {
	let library: Promise<L> | undefined;
	return () => {
		if (library) return library;
		const loading = load().then((lib) => {
			configureLibraryEnv(lib.env, options);
			return lib;
		});
		library = loading;
		loading.catch(() => {
			if (library === loading) library = undefined;
		});
		return loading;
	};
}

/**
 * A read-only view of a Cache Storage cache for `env.customCache`: it answers only keys in
 * `origin` (files our download stored) and never stores what the library fetched, so served test
 * models and the ONNX Runtime files do not end up copied into it.
 */
export function readOnlyModelCache(
	open: () => Promise<{ match(key: string): Promise<Response | undefined> }>,
	origin: string = HUB_CACHE_ORIGIN
): ModelCache {
	return {
		async match(key) {
			if (!key.startsWith(origin)) return undefined;
			return (await (await open()).match(key)) ?? undefined;
		},
		async put() {}
	};
}

/**
 * Turns the library's reports into ours. transformers.js 4 reports each file and, before each,
 * the whole model (`progress_total`); the whole model's fraction is the one shown, so a bar never
 * jumps back when the next file starts. Older reports without a total still give per-file ones.
 */
export function progressMapper(): (info: LibraryProgress) => ModelLoadProgress | undefined {
	let file: string | undefined;
	let sawTotal = false;
	const fractionOf = (percent: number | undefined) =>
		percent === undefined ? undefined : Math.min(1, percent / 100);
	return (info) => {
		if (info.status === 'progress' && info.file) {
			file = info.file;
			if (sawTotal) return undefined;
			return {
				fraction: fractionOf(info.progress),
				text: `Loading ${info.file}`,
				file: info.file,
				loadedBytes: info.loaded,
				totalBytes: info.total
			};
		}
		if (info.status === 'progress_total') {
			sawTotal = true;
			return {
				fraction: fractionOf(info.progress),
				text: file ? `Loading ${file}` : 'Loading the model',
				file,
				loadedBytes: info.loaded,
				totalBytes: info.total
			};
		}
		if (info.status === 'ready') return { fraction: 1, text: 'Model ready' };
		return undefined;
	};
}

export interface Started<T> {
	made: T;
	device: ModelDevice;
	/** Why WebGPU was not used, when 'auto' ended on WASM. */
	fallbackReason?: string;
}

/**
 * Starts a model on WebGPU when asked and available, on WASM otherwise. 'auto' falls back to
 * WASM when WebGPU is missing or the model fails on it (some graphs use operators the WebGPU
 * provider lacks; WASM runs them all), saying why; 'webgpu' fails instead.
 */
export async function startOnDevice<T>(
	requested: ModelDevice | 'auto',
	probeWebGpu: () => Promise<WebGpuProbe>,
	start: (device: ModelDevice) => Promise<T>,
	cancelled: () => boolean
): Promise<Started<T>> {
	let fallbackReason: string | undefined;
	if (requested !== 'wasm') {
		const probe = await probeWebGpu();
		if (!probe.ok && requested === 'webgpu') {
			throw new HearthError('webgpu_unavailable', `WebGPU is not available: ${probe.reason}`);
		}
		if (probe.ok) {
			try {
				return { made: await start('webgpu'), device: 'webgpu' };
			} catch (e) {
				if (requested === 'webgpu' || cancelled()) throw e;
				fallbackReason = `WebGPU failed: ${e instanceof Error ? e.message : String(e)}`;
			}
		} else {
			fallbackReason = probe.reason;
		}
	}
	return { made: await start('wasm'), device: 'wasm', fallbackReason };
}

/** How one host words the library failures every host meets. */
export interface FailureWords {
	notDownloaded: string;
	corrupt: string;
	/** Anything else, with the library's own words (may be empty). */
	other: (text: string) => SerializedError;
}

/** The library's wording of a failure, turned into a code a person can act on. */
export function toSerializedLibraryError(e: unknown, words: FailureWords): SerializedError {
	if (e instanceof HearthError) return e.toJSON();
	const text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
	if (/not found locally|could not locate file|local file missing/i.test(text)) {
		return { code: 'model_not_downloaded', message: words.notDownloaded };
	}
	if (
		/protobuf|invalid model|failed to load model|unexpected end of json|json\.parse/i.test(text)
	) {
		return { code: 'model_corrupt', message: words.corrupt };
	}
	return words.other(text);
}

/** One call in a host: the request, and whether the page has cancelled it. */
export interface HostTask<M extends CallMap<M>> {
	readonly request: CallRequest<M>;
	cancelled: boolean;
}

export interface HostCalls<M extends CallMap<M>> {
	push(request: CallRequest<M>): void;
	/**
	 * A waiting call answers `aborted` at once without running. The running one is only marked:
	 * the library cannot be interrupted everywhere, so the host checks the mark where it can and
	 * answers `aborted` instead of a result.
	 */
	cancel(id: number): void;
}

/**
 * Calls run one at a time in arrival order (a load while an inference runs would pull the model
 * out from under it). `run` answers its call and must not reject.
 */
export function createHostCalls<M extends CallMap<M>>(
	run: (task: HostTask<M>) => Promise<void>,
	post: (message: CallResult<M>) => void
): HostCalls<M> {
	const queue = createCallQueue(run);
	return {
		push(request) {
			queue.push({ request, cancelled: false });
		},
		cancel(id) {
			const current = queue.current;
			if (current?.request.id === id) {
				current.cancelled = true;
				return;
			}
			const task = queue.remove((t) => t.request.id === id);
			if (!task) return;
			const { call } = task.request;
			// `call` names one of M's calls; the mapped union cannot see that through the generic.
			post({ type: 'result', id, call, ok: false, error: stopped().toJSON() } as CallResult<M>);
		}
	};
}
