import { findEmbedModel, withPrefix } from '$lib/knowledge/embed-catalog';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import type {
	EmbedCalls,
	EmbedDevice,
	EmbedFromWorker,
	EmbedLoadResult,
	EmbedModelSpec,
	EmbedProgress,
	EmbedToWorker
} from '$lib/protocol/embed';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import { stopped } from '$lib/types/errors';
import type { WorkerPort } from '$lib/protocol/worker-connection';
import { HearthError, toHearthError } from '$lib/types/errors';

// The page's side of the embeddings worker. Texts are cut into batches; one batch at a time is
// in the worker, so a query waits for at most one ingest batch: query batches jump ahead of
// every waiting passage batch, and each kind keeps its arrival order. A worker that dies fails
// the call whose batch it held; the next batch starts a fresh worker and reloads the model.

/** The part of a Worker the embedder uses, so tests can connect it over a MessageChannel. */
export type EmbedWorkerLike = WorkerPort<EmbedToWorker>;

/** Starts workers/embed.worker.ts as a module worker. */
export function defaultEmbedWorker(): EmbedWorkerLike {
	return new Worker(new URL('../../../workers/embed.worker.ts', import.meta.url), {
		type: 'module'
	});
}

export type EmbedKind = 'query' | 'passage';

export interface EmbedOptions {
	kind: EmbedKind;
	signal?: AbortSignal;
}

export interface EmbedderOptions {
	createWorker?: () => EmbedWorkerLike;
	readyTimeoutMs?: number;
	/** Texts per worker call: big enough to keep the runtime busy, small enough to jump. */
	batchSize?: number;
	device?: EmbedDevice | 'auto';
	/** Where model ids are looked up (the shipped catalog by default). */
	findModel?: (id: string) => EmbedModelInfo | undefined;
}

const NOT_STARTED = 'The embedding worker did not start.';
const CRASHED = 'The embedding worker stopped unexpectedly; it restarts on the next use.';

type Rpc = WorkerConnection<EmbedCalls, EmbedFromWorker, EmbedToWorker>;

/** One worker, and the model it has loaded. */
interface Connection {
	rpc: Rpc;
	loadedKey?: string;
}

/** One embed() call: its batches' vectors, in order, as they come back. */
interface CallState {
	readonly batches: (Float32Array[] | undefined)[];
	remaining: number;
	settled: boolean;
	resolve: (vectors: Float32Array[]) => void;
	reject: (e: HearthError) => void;
}

interface Job {
	readonly call: CallState;
	readonly index: number;
	readonly modelId: string;
	readonly texts: string[];
	readonly kind: EmbedKind;
	readonly signal?: AbortSignal;
}

const keyOf = (spec: EmbedModelSpec): string => JSON.stringify([spec.id, spec.dtype, spec.device]);

export class Embedder {
	#connection: Connection | undefined;
	#model: EmbedModelInfo | undefined;
	#spec: EmbedModelSpec | undefined;
	#loaded: EmbedLoadResult | undefined;
	readonly #waiting: Job[] = [];
	#running: Job | undefined;
	readonly #options: Required<Omit<EmbedderOptions, 'device'>> & { device: EmbedDevice | 'auto' };

	constructor(options: EmbedderOptions = {}) {
		this.#options = {
			createWorker: options.createWorker ?? defaultEmbedWorker,
			readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
			batchSize: options.batchSize ?? 32,
			device: options.device ?? 'auto',
			findModel: options.findModel ?? findEmbedModel
		};
	}

	/** The loaded model's vector width. */
	get dims(): number | undefined {
		return this.#loaded?.dims;
	}

	/** Where the loaded model runs. */
	get device(): EmbedDevice | undefined {
		return this.#loaded?.device;
	}

	/** Why WebGPU is not used, when it is not. */
	get fallbackReason(): string | undefined {
		return this.#loaded?.fallbackReason;
	}

	get model(): EmbedModelInfo | undefined {
		return this.#loaded ? this.#model : undefined;
	}

	/** Jobs not yet finished (waiting or in the worker): what an ingest progress bar can show. */
	get pendingBatches(): number {
		return this.#waiting.length + (this.#running ? 1 : 0);
	}

	/**
	 * Loads a catalog model (served under /models/ or downloaded). Work queued for another model
	 * is dropped with `aborted`: its vectors would not be comparable.
	 */
	async load(
		modelId: string,
		onProgress?: (progress: EmbedProgress) => void,
		signal?: AbortSignal
	): Promise<EmbedLoadResult> {
		const model = this.#options.findModel(modelId);
		if (!model) {
			throw new HearthError('model_not_found', `There is no embedding model called ${modelId}.`);
		}
		const spec: EmbedModelSpec = { id: model.id, dtype: model.dtype, device: this.#options.device };
		if (this.#spec && keyOf(this.#spec) !== keyOf(spec)) {
			this.#dropWork(new HearthError('aborted', 'The embedding model changed.'), modelId);
		}
		this.#model = model;
		this.#spec = spec;
		this.#loaded = undefined;
		const connection = await this.#connect();
		const result = await connection.rpc.request(
			'load',
			{ model: spec },
			{
				signal,
				onEvent: (event) => {
					if (event.type === 'progress') onProgress?.(event.progress);
				}
			}
		);
		connection.loadedKey = keyOf(spec);
		// A newer load() may have replaced this one while it ran.
		if (this.#spec === spec) this.#loaded = result;
		return result;
	}

	/** One vector per text, in order (mean-pooled, L2-normalised: a dot product is the cosine). */
	embed(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]> {
		const model = this.#model;
		if (!model || !this.#loaded) {
			return Promise.reject(
				new HearthError('no_model', 'No embedding model is loaded. Load one, then try again.')
			);
		}
		const { signal, kind } = options;
		if (signal?.aborted) return Promise.reject(stopped());
		if (texts.length === 0) return Promise.resolve([]);
		const size = this.#options.batchSize;
		const count = Math.ceil(texts.length / size);
		return new Promise<Float32Array[]>((resolve, reject) => {
			const onAbort = () => this.#fail(call, stopped());
			const call: CallState = {
				batches: new Array<Float32Array[] | undefined>(count).fill(undefined),
				remaining: count,
				settled: false,
				resolve: (vectors) => {
					signal?.removeEventListener('abort', onAbort);
					resolve(vectors);
				},
				reject: (e) => {
					signal?.removeEventListener('abort', onAbort);
					reject(e);
				}
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			for (let index = 0; index < count; index++) {
				const batch = texts.slice(index * size, (index + 1) * size);
				this.#waiting.push({
					call,
					index,
					modelId: model.id,
					texts: batch.map((t) => withPrefix(model, kind, t)),
					kind,
					signal
				});
			}
			this.#pump();
		});
	}

	/** Ends the worker and drops all work with `aborted`; a later load() starts a fresh worker. */
	dispose(): void {
		this.#dropWork(stopped());
		this.#connection?.rpc.kill(new HearthError('aborted', 'The embedder was closed.'));
		this.#connection = undefined;
		this.#loaded = undefined;
		this.#spec = undefined;
		this.#model = undefined;
	}

	/** The next job: the first waiting query, else the first waiting passage. */
	#next(): Job | undefined {
		const query = this.#waiting.findIndex((j) => j.kind === 'query');
		const index = query >= 0 ? query : 0;
		return this.#waiting.splice(index, 1)[0];
	}

	#pump(): void {
		if (this.#running) return;
		const job = this.#next();
		if (!job) return;
		this.#running = job;
		void this.#run(job).finally(() => {
			this.#running = undefined;
			this.#pump();
		});
	}

	async #run(job: Job): Promise<void> {
		if (job.call.settled) return;
		try {
			const connection = await this.#connectLoaded();
			const result = await connection.rpc.request(
				'embed',
				{ modelId: job.modelId, texts: job.texts },
				{ signal: job.signal }
			);
			const vectors: Float32Array[] = [];
			for (let i = 0; i < result.count; i++) {
				// Copies, not views: storing a view would store the whole batch's buffer.
				vectors.push(result.data.slice(i * result.dims, (i + 1) * result.dims));
			}
			this.#deliver(job, vectors);
		} catch (e) {
			this.#fail(job.call, toHearthError(e));
		}
	}

	#deliver(job: Job, vectors: Float32Array[]): void {
		const { call } = job;
		if (call.settled) return;
		call.batches[job.index] = vectors;
		if (--call.remaining > 0) return;
		call.settled = true;
		call.resolve(call.batches.flatMap((b) => b ?? []));
	}

	#fail(call: CallState, error: HearthError): void {
		if (call.settled) return;
		call.settled = true;
		// Its other batches are not worth running.
		for (let i = this.#waiting.length - 1; i >= 0; i--) {
			if (this.#waiting[i]?.call === call) this.#waiting.splice(i, 1);
		}
		call.reject(error);
	}

	/** Fails every waiting job (of any model but `keep`), and the running one. */
	#dropWork(error: HearthError, keep?: string): void {
		const calls = new Set<CallState>();
		for (const job of [...this.#waiting, ...(this.#running ? [this.#running] : [])]) {
			if (job.modelId !== keep) calls.add(job.call);
		}
		for (const call of calls) this.#fail(call, error);
	}

	async #connect(): Promise<Connection> {
		if (!this.#connection || this.#connection.rpc.dead) {
			const rpc: Rpc = new WorkerConnection(this.#options.createWorker(), {
				readyTimeoutMs: this.#options.readyTimeoutMs,
				failures: {
					notStarted: { code: 'engine_crashed', message: NOT_STARTED },
					// A wasm heap the browser refused to grow, or a worker the browser killed, ends here.
					crashed: { code: 'engine_crashed', message: CRASHED },
					garbled: {
						code: 'engine_crashed',
						message: 'The embedding worker sent a garbled message.'
					},
					mixedUp: {
						code: 'engine_crashed',
						message: 'The embedding worker mixed up its answers.'
					}
				},
				cancel: (id) => ({ type: 'cancel', id })
			});
			this.#connection = { rpc };
		}
		const connection = this.#connection;
		await connection.rpc.ready;
		return connection;
	}

	/** A live worker with the current model; a fresh worker (after a crash) loads it again. */
	async #connectLoaded(): Promise<Connection> {
		const connection = await this.#connect();
		const spec = this.#spec;
		if (!spec) throw new HearthError('no_model', 'No embedding model is loaded.');
		if (connection.loadedKey !== keyOf(spec)) {
			await connection.rpc.request('load', { model: spec });
			connection.loadedKey = keyOf(spec);
		}
		return connection;
	}
}
