import type { LlmCallName, LlmCalls, LlmFromWorker, LlmToWorker } from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE } from '$lib/protocol/llm-errors';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import { stopped } from '$lib/types/errors';
import type { WorkerPort } from '$lib/protocol/worker-connection';
import { HearthError } from '$lib/types/errors';

/** The part of a Worker the in-browser engine uses, so tests can connect it over a MessageChannel. */
export type WorkerLike = WorkerPort<LlmToWorker>;

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

/**
 * One worker and its calls (a WorkerConnection on the llm protocol). A lost GPU device kills it
 * like a crash. When it dies every call still waiting fails with the same coded error, and it is
 * never used again: the engine starts a new one.
 */
export class LlmConnection {
	readonly ready: Promise<void>;
	/** The model this worker has loaded (after a successful load). */
	loadedModel: string | undefined;
	readonly #rpc: WorkerConnection<LlmCalls, LlmFromWorker, LlmToWorker>;

	constructor(worker: WorkerLike, readyTimeoutMs: number) {
		this.#rpc = new WorkerConnection(worker, {
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
				if (event.type === 'device-lost') {
					this.kill(new HearthError('webgpu_device_lost', DEVICE_LOST_MESSAGE));
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
	request<K extends LlmCallName>(
		call: K,
		params: LlmCalls[K]['params'],
		signal?: AbortSignal,
		onEvent?: (message: LlmFromWorker) => void
	): Promise<LlmCalls[K]['result']> {
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
		await this.request('unload', {}, controller.signal).catch(() => undefined);
		clearTimeout(timer);
		this.kill(stopped());
	}
}
