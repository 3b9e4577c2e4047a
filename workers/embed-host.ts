import type {
	EmbedCalls,
	EmbedDevice,
	EmbedFromWorker,
	EmbedModelSpec,
	EmbedToWorker
} from '$lib/protocol/embed';
import { answerCall } from '$lib/protocol/rpc';
import { HearthError, stopped } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import {
	createHostCalls,
	libraryLoader,
	progressMapper,
	startOnDevice,
	toSerializedLibraryError
} from '$workers/transformers-env';
import type {
	HostTask,
	LibraryEnv,
	LibraryEnvOptions,
	LibraryProgress,
	ModelDevice,
	WebGpuProbe
} from '$workers/transformers-env';

// The adapter between transformers.js feature extraction and the typed embed protocol, free of
// `self` so it runs in Node against the real library and the generated test model. What every
// transformers.js host shares (library settings, WebGPU → WASM, progress, one call at a time with
// cancel) is in transformers-env.ts; this file is only what is particular to embeddings.

export { readOnlyModelCache } from '$workers/transformers-env';
export type {
	LibraryEnv,
	LibraryProgress,
	ModelCache,
	WebGpuProbe
} from '$workers/transformers-env';

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

export interface EmbedHostDeps extends LibraryEnvOptions {
	/** Imported on the first load, so the worker answers `ready` before the library is parsed. */
	loadLibrary: () => Promise<TransformersLike>;
	post: (message: EmbedFromWorker, transfer?: Transferable[]) => void;
	probeWebGpu: () => Promise<WebGpuProbe>;
	/** The library's name for the CPU device: 'wasm' in a browser, 'cpu' in Node. */
	wasmDeviceName?: string;
	now?: () => number;
}

export interface EmbedHost {
	handle(message: EmbedToWorker): void;
}

type Task = HostTask<EmbedCalls>;

interface Loaded {
	key: string;
	id: string;
	extractor: ExtractorLike;
	dims: number;
	device: EmbedDevice;
	fallbackReason?: string;
}

const POOLING = { pooling: 'mean', normalize: true } as const;

/** The library's wording of a failure, turned into a code a person can act on. */
export function toSerializedEmbedError(e: unknown, modelId?: string): SerializedError {
	const name = modelId ?? 'The embedding model';
	return toSerializedLibraryError(e, {
		notDownloaded: `${name} is not downloaded. Download it under Knowledge, then try again.`,
		corrupt: `${name}'s files are damaged. Delete the model and download it again.`,
		other: (text) => ({
			code: 'unknown',
			message: `The embedding model failed${text ? `: ${text}` : '.'}`
		})
	});
}

export function createEmbedHost(deps: EmbedHostDeps): EmbedHost {
	const now = deps.now ?? (() => performance.now());
	const ensureLibrary = libraryLoader(deps.loadLibrary, deps);
	let loaded: Loaded | undefined;

	/** Creates the pipeline on `device` and learns its width; disposes it again on failure. */
	async function start(
		task: Task,
		lib: TransformersLike,
		spec: EmbedModelSpec,
		device: ModelDevice
	): Promise<{ extractor: ExtractorLike; dims: number }> {
		const toProgress = progressMapper();
		const extractor = await lib.createExtractor(spec.id, {
			device: device === 'wasm' ? (deps.wasmDeviceName ?? 'wasm') : 'webgpu',
			dtype: spec.dtype,
			progress_callback: (info) => {
				const progress = toProgress(info);
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
		const { made, device, fallbackReason } = await startOnDevice(
			spec.device,
			deps.probeWebGpu,
			(on) => start(task, lib, spec, on),
			() => task.cancelled
		);
		loaded = { key, id: spec.id, ...made, device, fallbackReason };
		return { dims: made.dims, device, fallbackReason, loadMs: now() - started };
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

	const calls = createHostCalls(run, post);

	return {
		handle(message) {
			if (message.type === 'cancel') calls.cancel(message.id);
			else calls.push(message);
		}
	};
}
