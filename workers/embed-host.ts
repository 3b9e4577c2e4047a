import { EMBED_CACHE_ORIGIN } from '$lib/protocol/embed';
import type {
	EmbedCallName,
	EmbedCalls,
	EmbedDevice,
	EmbedFromWorker,
	EmbedModelSpec,
	EmbedProgress,
	EmbedRequest,
	EmbedToWorker
} from '$lib/protocol/embed';
import { answerCall, createCallQueue } from '$lib/protocol/rpc';
import { HearthError } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';

// The adapter between transformers.js feature extraction and the typed embed protocol, free of
// `self` so it runs in Node against the real library and the generated test model. Calls run
// one at a time in arrival order (a load while an embed runs would pull the model out from under
// it); a queued call that is cancelled answers `aborted` at once without running. The library
// never reaches the network: remote models are off, and downloaded files are read from a cache
// the page filled through its ledgered fetch.

/** The tensor a feature-extraction pipeline returns ([count, dims] after mean pooling). */
export interface TensorLike {
	dims: readonly number[];
	data: ArrayLike<number>;
	dispose?: () => void;
}

export type ExtractorLike = ((
	texts: string[],
	options: { pooling: 'mean'; normalize: true }
) => Promise<TensorLike>) & { dispose(): Promise<unknown> };

/** transformers.js's progress report (ProgressInfo), as far as the host reads it. */
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

/** The fields of transformers.js's `env` the host sets. */
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

/** The part of @huggingface/transformers the host uses. */
export interface TransformersLike {
	env: LibraryEnv;
	createExtractor(
		model: string,
		options: {
			device: string;
			dtype: string;
			progress_callback: (info: LibraryProgress) => void;
		}
	): Promise<ExtractorLike>;
}

export type WebGpuProbe = { ok: true } | { ok: false; reason: string };

export interface EmbedHostDeps {
	/** Imported on the first load, so the worker answers `ready` before the library is parsed. */
	loadLibrary: () => Promise<TransformersLike>;
	post: (message: EmbedFromWorker, transfer?: Transferable[]) => void;
	probeWebGpu: () => Promise<WebGpuProbe>;
	/** Served models: '/models/' in a browser, a folder in Node. */
	localModelPath: string;
	/** Downloaded models (Cache Storage in a browser); absent means served models only. */
	cache?: ModelCache;
	/** ONNX Runtime's files on our own origin; without them the library would use a CDN. */
	wasmPaths?: { mjs: string; wasm: string };
	/** The library's name for the CPU device: 'wasm' in a browser, 'cpu' in Node. */
	wasmDeviceName?: string;
	now?: () => number;
}

export interface EmbedHost {
	handle(message: EmbedToWorker): void;
}

interface Task {
	readonly request: EmbedRequest;
	cancelled: boolean;
}

interface Loaded {
	key: string;
	id: string;
	extractor: ExtractorLike;
	dims: number;
	device: EmbedDevice;
	fallbackReason?: string;
}

const stopped = (): HearthError => new HearthError('aborted', 'Stopped.');

const POOLING = { pooling: 'mean', normalize: true } as const;

/**
 * A read-only view of a Cache Storage cache for `env.customCache`: it answers only keys in
 * EMBED_CACHE_ORIGIN (files our download stored) and never stores what the library fetched,
 * so served test models and the ONNX Runtime files do not end up copied into it.
 */
export function readOnlyModelCache(
	open: () => Promise<{ match(key: string): Promise<Response | undefined> }>
): ModelCache {
	return {
		async match(key) {
			if (!key.startsWith(EMBED_CACHE_ORIGIN)) return undefined;
			return (await (await open()).match(key)) ?? undefined;
		},
		async put() {}
	};
}

/** The library's wording of a failure, turned into a code a person can act on. */
export function toSerializedEmbedError(e: unknown, modelId?: string): SerializedError {
	if (e instanceof HearthError) return e.toJSON();
	const text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
	const name = modelId ?? 'The embedding model';
	if (/not found locally|could not locate file|local file missing/i.test(text)) {
		return {
			code: 'model_not_downloaded',
			message: `${name} is not downloaded. Download it under Knowledge, then try again.`
		};
	}
	if (
		/protobuf|invalid model|failed to load model|unexpected end of json|json\.parse/i.test(text)
	) {
		return {
			code: 'model_corrupt',
			message: `${name}'s files are damaged. Delete the model and download it again.`
		};
	}
	return {
		code: 'unknown',
		message: `The embedding model failed${text ? `: ${text}` : '.'}`
	};
}

function progressOf(info: LibraryProgress): EmbedProgress | undefined {
	if (info.status === 'progress' && info.file) {
		return {
			fraction: info.progress === undefined ? undefined : Math.min(1, info.progress / 100),
			text: `Loading ${info.file}`,
			file: info.file,
			loadedBytes: info.loaded,
			totalBytes: info.total
		};
	}
	if (info.status === 'ready') return { fraction: 1, text: 'Model ready' };
	return undefined;
}

export function createEmbedHost(deps: EmbedHostDeps): EmbedHost {
	const now = deps.now ?? (() => performance.now());
	let library: Promise<TransformersLike> | undefined;
	let loaded: Loaded | undefined;

	function ensureLibrary(): Promise<TransformersLike> {
		library ??= deps.loadLibrary().then((lib) => {
			const { env } = lib;
			// Never a silent download: models come from our origin or from the cache the page filled.
			env.allowRemoteModels = false;
			env.allowLocalModels = true;
			env.localModelPath = deps.localModelPath;
			env.remoteHost = EMBED_CACHE_ORIGIN;
			env.useBrowserCache = false;
			env.useFSCache = false;
			env.useCustomCache = deps.cache !== undefined;
			env.customCache = deps.cache ?? null;
			// The service worker already keeps /ort/ for offline use; one copy is enough.
			env.useWasmCache = false;
			if (deps.wasmPaths && env.backends.onnx.wasm) {
				env.backends.onnx.wasm.wasmPaths = { ...deps.wasmPaths };
			}
			return lib;
		});
		// A failed import may succeed on the next load (a flaky first fetch of the chunk).
		library.catch(() => (library = undefined));
		return library;
	}

	/** Creates the pipeline on `device` and learns its width; disposes it again on failure. */
	async function start(
		task: Task,
		lib: TransformersLike,
		spec: EmbedModelSpec,
		device: EmbedDevice
	): Promise<{ extractor: ExtractorLike; dims: number }> {
		const extractor = await lib.createExtractor(spec.id, {
			device: device === 'wasm' ? (deps.wasmDeviceName ?? 'wasm') : 'webgpu',
			dtype: spec.dtype,
			progress_callback: (info) => {
				const progress = progressOf(info);
				if (progress && !task.cancelled) {
					deps.post({ type: 'progress', id: task.request.id, progress });
				}
			}
		});
		try {
			// One tiny inference: learns the width and warms the session (WebGPU compiles shaders).
			const output = await extractor(['hello'], POOLING);
			output.dispose?.();
			const dims = output.dims[output.dims.length - 1];
			if (!dims) throw new HearthError('model_unsupported', `${spec.id} gave no vector.`);
			if (task.cancelled) throw stopped();
			return { extractor, dims };
		} catch (e) {
			await extractor.dispose().catch(() => undefined);
			throw e;
		}
	}

	async function load(task: Task, spec: EmbedModelSpec): Promise<EmbedCalls['load']['result']> {
		const started = now();
		const key = JSON.stringify([spec.id, spec.dtype, spec.device]);
		if (loaded?.key === key) {
			const { dims, device, fallbackReason } = loaded;
			return { dims, device, fallbackReason, loadMs: 0 };
		}
		const lib = await ensureLibrary();
		await unload();
		let fallbackReason: string | undefined;
		if (spec.device !== 'wasm') {
			const probe = await deps.probeWebGpu();
			if (!probe.ok && spec.device === 'webgpu') {
				throw new HearthError('webgpu_unavailable', `WebGPU is not available: ${probe.reason}`);
			}
			if (probe.ok) {
				try {
					const made = await start(task, lib, spec, 'webgpu');
					loaded = { key, id: spec.id, ...made, device: 'webgpu' };
					return { dims: made.dims, device: 'webgpu', loadMs: now() - started };
				} catch (e) {
					if (spec.device === 'webgpu' || task.cancelled) throw e;
					// Some graphs use operators the WebGPU provider lacks; WASM runs them all.
					fallbackReason = `WebGPU failed: ${e instanceof Error ? e.message : String(e)}`;
				}
			} else {
				fallbackReason = probe.reason;
			}
		}
		const made = await start(task, lib, spec, 'wasm');
		loaded = { key, id: spec.id, ...made, device: 'wasm', fallbackReason };
		return { dims: made.dims, device: 'wasm', fallbackReason, loadMs: now() - started };
	}

	async function embed(
		task: Task,
		params: EmbedCalls['embed']['params']
	): Promise<EmbedCalls['embed']['result']> {
		const model = loaded;
		if (!model || model.id !== params.modelId) {
			throw new HearthError(
				'model_not_found',
				`The embedding model ${params.modelId} is not loaded. Load it, then try again.`
			);
		}
		if (params.texts.length === 0) return { data: new Float32Array(0), count: 0, dims: model.dims };
		const output = await model.extractor(params.texts, POOLING);
		// A copy the worker owns, so it can be transferred (the tensor may sit in ORT's memory).
		const data = Float32Array.from(output.data);
		output.dispose?.();
		if (task.cancelled) throw stopped();
		return { data, count: params.texts.length, dims: model.dims };
	}

	async function unload(): Promise<null> {
		const model = loaded;
		loaded = undefined;
		await model?.extractor.dispose().catch(() => undefined);
		return null;
	}

	function post(message: EmbedFromWorker): void {
		if (message.type === 'result' && message.ok && message.call === 'embed') {
			deps.post(message, [message.value.data.buffer]);
		} else {
			deps.post(message);
		}
	}

	function run(task: Task): Promise<void> {
		const { request } = task;
		const modelId = request.call === 'load' ? request.params.model.id : undefined;
		return answerCall<EmbedCalls>(
			request,
			{
				load: (params) => load(task, params.model),
				embed: (params) => embed(task, params),
				unload
			},
			post,
			(e) => (task.cancelled ? stopped().toJSON() : toSerializedEmbedError(e, modelId))
		);
	}

	const queue = createCallQueue(run);

	function cancel(id: number): void {
		const current = queue.current;
		// The library cannot stop mid-inference: the running call finishes and answers `aborted`.
		if (current?.request.id === id) {
			current.cancelled = true;
			return;
		}
		const task = queue.remove((t) => t.request.id === id);
		if (task) fail(id, task.request.call, stopped().toJSON());
	}

	const fail = (id: number, call: EmbedCallName, error: SerializedError): void =>
		deps.post({ type: 'result', id, call, ok: false, error });

	return {
		handle(message) {
			if (message.type === 'cancel') cancel(message.id);
			else queue.push({ request: message, cancelled: false });
		}
	};
}
