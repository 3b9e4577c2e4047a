import type { LlmCalls, LlmFromWorker, LlmToWorker } from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE } from '$lib/protocol/llm-errors';
import type { CallMap, CallRequest } from '$lib/protocol/rpc';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import type { WorkerEvent, WorkerPort } from '$lib/protocol/worker-connection';
import { HearthError, stopped } from '$lib/types/errors';

/** The part of a Worker the in-browser engine uses, so tests can connect it over a MessageChannel. */
export type WorkerLike<ToWorker = LlmToWorker> = WorkerPort<ToWorker>;

// Kept here too: the engine imports it from its connection.
const NOT_STARTED = 'The in-browser engine did not start.';
/** A worker that died under a call is worth one restart; one that never started is not. */
export const isCrash = (e: HearthError): boolean =>
	(e.code === 'engine_crashed' && e.message !== NOT_STARTED) || e.code === 'webgpu_device_lost';

/** Starts workers/llm.worker.ts as a module worker. */
export function defaultWorker(): WorkerLike {
	return new Worker(new URL('../../../workers/llm.worker.ts', import.meta.url), {
		type: 'module'
	});
}

type CancelMessage = { type: 'cancel'; id: number };

/** What every in-browser runtime's protocol has: a way to free the model before the worker ends. */
interface UnloadCall {
	unload: { params: Record<string, never>; result: null };
}

/**
 * The signals a runtime's worker may post outside any call: web-llm's GPU device was lost, or
 * llama.cpp's own worker died. Either kills the connection like a crash.
 */
type WorkerSignal = { type: 'device-lost'; message: string } | { type: 'crashed'; message: string };

/**
 * One worker and its calls (a WorkerConnection on the llm protocol). A lost GPU device kills it
 * like a crash. When it dies every call still waiting fails with the same coded error, and it is
 * never used again: the engine starts a new one.
 */
export class LlmConnection<
	M extends CallMap<M> & UnloadCall = LlmCalls,
	FromWorker extends { type: string } = LlmFromWorker,
	ToWorker extends { type: string } = LlmToWorker
> {
	readonly ready: Promise<void>;
	/** The model this worker has loaded (after a successful load). */
	loadedModel: string | undefined;
	readonly #rpc: WorkerConnection<M, FromWorker, ToWorker | CancelMessage>;

	constructor(
		worker: WorkerPort<ToWorker | CancelMessage | CallRequest<M>>,
		readyTimeoutMs: number
	) {
		this.#rpc = new WorkerConnection<M, FromWorker, ToWorker | CancelMessage>(worker, {
			readyTimeoutMs,
			failures: {
				notStarted: { code: 'engine_crashed', message: NOT_STARTED },
				crashed: { code: 'engine_crashed', message: 'The in-browser engine stopped unexpectedly.' },
				garbled: {
					code: 'engine_crashed',
					message: 'The in-browser engine sent a garbled message.'
				},
				mixedUp: { code: 'engine_crashed', message: 'The in-browser engine mixed up its answers.' }
			},
			cancel: (id) => ({ type: 'cancel', id }),
			onUnrouted: (event) => {
				const signal = event as WorkerEvent<FromWorker> & Partial<WorkerSignal>;
				if (signal.type === 'device-lost') {
					this.kill(new HearthError('webgpu_device_lost', DEVICE_LOST_MESSAGE));
				} else if (signal.type === 'crashed') {
					this.kill(
						new HearthError(
							'engine_crashed',
							`The in-browser engine stopped unexpectedly${signal.message ? ` (${signal.message})` : ''}.`
						)
					);
				}
			}
		});
		this.ready = this.#rpc.ready;
	}

	get dead(): boolean {
		return this.#rpc.dead;
	}

	/**
	 * One call; resolves with its result, or rejects with a coded error. Progress and deltas go
	 * to `onEvent`. An abort cancels the call in the worker and rejects at once.
	 */
	request<K extends keyof M>(
		call: K,
		params: M[K]['params'],
		signal?: AbortSignal,
		onEvent?: (message: WorkerEvent<FromWorker>) => void
	): Promise<M[K]['result']> {
		return this.#rpc.request(call, params, { signal, onEvent });
	}

	/** Ends the worker; every call still waiting fails with `error`. */
	kill(error: HearthError): void {
		this.#rpc.kill(error);
	}

	/** Asks the worker to free the GPU, without waiting long for it. */
	async close(): Promise<void> {
		if (this.dead) return;
		if (!this.#rpc.started) return this.kill(stopped());
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), 1000);
		await this.#rpc
			.request('unload', {} as M['unload']['params'], { signal: controller.signal })
			.catch(() => undefined);
		clearTimeout(timer);
		this.kill(stopped());
	}
}
