import type {
	LlmCallName,
	LlmCalls,
	LlmFromWorker,
	LlmRequest,
	LlmToWorker
} from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE } from '$lib/protocol/llm-errors';
import { HearthError } from '$lib/types/errors';

/** The part of a Worker the in-browser engine uses, so tests can connect it over a MessageChannel. */
export interface WorkerLike {
	postMessage(message: LlmToWorker): void;
	addEventListener(
		type: 'message' | 'error' | 'messageerror',
		listener: (event: Event & { data?: unknown }) => void
	): void;
	terminate(): void;
}

export const stopped = (): HearthError => new HearthError('aborted', 'Stopped.');
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

function isFromWorker(data: unknown): data is LlmFromWorker {
	return (
		typeof data === 'object' &&
		data !== null &&
		typeof (data as { type?: unknown }).type === 'string'
	);
}

interface Pending {
	call: LlmCallName;
	onEvent?: (message: LlmFromWorker) => void;
	resolve: (value: unknown) => void;
	reject: (error: HearthError) => void;
}

/**
 * One worker and its calls. When the worker dies every call still waiting fails with the same
 * coded error, and the connection is never used again: the engine starts a new one.
 */
export class LlmConnection {
	readonly ready: Promise<void>;
	/** The model this worker has loaded (after a successful load). */
	loadedModel: string | undefined;
	#failure: HearthError | undefined;
	#started = false;
	#onDeath: (e: HearthError) => void;
	#nextId = 1;
	readonly #pending = new Map<number, Pending>();
	readonly #worker: WorkerLike;

	constructor(worker: WorkerLike, readyTimeoutMs: number) {
		this.#worker = worker;
		let markReady: () => void = () => undefined;
		let failStart: (e: HearthError) => void = () => undefined;
		this.ready = new Promise<void>((resolve, reject) => {
			markReady = resolve;
			failStart = reject;
		});
		// Nobody may be waiting yet; the rejection is still delivered to whoever awaits later.
		this.ready.catch(() => undefined);
		const timer = setTimeout(
			() => this.kill(new HearthError('engine_crashed', NOT_STARTED)),
			readyTimeoutMs
		);
		this.#onDeath = (e) => {
			clearTimeout(timer);
			failStart(e);
		};
		worker.addEventListener('message', (event) => {
			const message = event.data;
			if (!isFromWorker(message)) return;
			if (message.type === 'ready') {
				clearTimeout(timer);
				this.#started = true;
				markReady();
			} else if (message.type === 'device-lost') {
				this.kill(new HearthError('webgpu_device_lost', DEVICE_LOST_MESSAGE));
			} else {
				this.#deliver(message);
			}
		});
		worker.addEventListener('error', () =>
			this.kill(new HearthError('engine_crashed', 'The in-browser engine stopped unexpectedly.'))
		);
		worker.addEventListener('messageerror', () =>
			this.kill(new HearthError('engine_crashed', 'The in-browser engine sent a garbled message.'))
		);
	}

	get dead(): boolean {
		return this.#failure !== undefined;
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
		if (this.#failure) return Promise.reject(this.#failure);
		if (signal?.aborted) return Promise.reject(stopped());
		const id = this.#nextId++;
		return new Promise<LlmCalls[K]['result']>((resolve, reject) => {
			const onAbort = () => {
				if (!this.#pending.delete(id)) return;
				this.#worker.postMessage({ type: 'cancel', id });
				reject(stopped());
			};
			const settle = () => signal?.removeEventListener('abort', onAbort);
			this.#pending.set(id, {
				call,
				onEvent,
				resolve: (value) => {
					settle();
					// The worker answers a call with that call's result (checked in #deliver).
					resolve(value as LlmCalls[K]['result']);
				},
				reject: (e) => {
					settle();
					reject(e);
				}
			});
			signal?.addEventListener('abort', onAbort, { once: true });
			// `call` and `params` are tied by K; TypeScript cannot see that through the mapped union.
			this.#worker.postMessage({ type: 'call', id, call, params } as LlmRequest);
		});
	}

	#deliver(message: Exclude<LlmFromWorker, { type: 'ready' | 'device-lost' }>): void {
		const pending = this.#pending.get(message.id);
		if (!pending) return;
		if (message.type !== 'result') return pending.onEvent?.(message);
		this.#pending.delete(message.id);
		if (message.call !== pending.call) {
			pending.reject(
				new HearthError('engine_crashed', 'The in-browser engine mixed up its answers.')
			);
		} else if (message.ok) {
			pending.resolve(message.value);
		} else {
			pending.reject(new HearthError(message.error.code, message.error.message));
		}
	}

	/** Ends the worker; every call still waiting fails with `error`. */
	kill(error: HearthError): void {
		if (this.#failure) return;
		this.#failure = error;
		this.#onDeath(error);
		this.#worker.terminate();
		for (const pending of this.#pending.values()) pending.reject(error);
		this.#pending.clear();
	}

	/** Asks the worker to free the GPU, without waiting long for it. */
	async close(): Promise<void> {
		if (this.dead) return;
		if (!this.#started) return this.kill(stopped());
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), 1000);
		await this.request('unload', {}, controller.signal).catch(() => undefined);
		clearTimeout(timer);
		this.kill(stopped());
	}
}
