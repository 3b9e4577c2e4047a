import type { CallMap, CallRequest, CallResult } from '$lib/protocol/rpc';
import { HearthError, stopped } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';

/** The part of a Worker a connection uses, so tests can stand in for it. */
export interface WorkerPort<ToWorker> {
	postMessage(message: ToWorker, transfer?: Transferable[]): void;
	addEventListener(
		type: 'message' | 'error' | 'messageerror',
		listener: (event: Event & { data?: unknown }) => void
	): void;
	terminate(): void;
}

/** What a worker posts besides `ready` and call results: progress, output, signals. */
export type WorkerEvent<FromWorker> = Exclude<FromWorker, { type: 'ready' | 'result' }>;

export interface WorkerConnectionOptions<FromWorker, ToWorker> {
	/** How long the worker may take to post `ready` before it counts as not started. */
	readyTimeoutMs: number;
	/** How this protocol words its worker's failures; each becomes a fresh HearthError. */
	failures: {
		notStarted: SerializedError;
		/** The worker's `error` event: it crashed or the browser killed it. */
		crashed: SerializedError;
		/** A `messageerror`: a message that could not be deserialised. */
		garbled: SerializedError;
		/** A result naming another call than the one asked under its id. */
		mixedUp: SerializedError;
	};
	/** The message that cancels call `id` in the worker; without it an abort only settles here. */
	cancel?: (id: number) => ToWorker;
	/** Events no waiting call takes: ones outside any call, or for a call already settled. */
	onUnrouted?: (event: WorkerEvent<FromWorker>) => void;
	/**
	 * Checks each message against the protocol before it is acted on; one that fails ends the
	 * worker as `garbled`. For workers that run untrusted code (Python); absent, the shape is
	 * trusted.
	 */
	accept?: (data: unknown) => boolean;
}

export interface CallOptions<FromWorker> {
	/** Rejects the call at once with `aborted` (and cancels it in the worker, if the protocol can). */
	signal?: AbortSignal;
	/** This call's events, in order, until its result. */
	onEvent?: (event: WorkerEvent<FromWorker>) => void;
	/** Buffers moved into the worker with the call. */
	transfer?: Transferable[];
}

interface Pending<FromWorker> {
	call: PropertyKey;
	onEvent?: (event: WorkerEvent<FromWorker>) => void;
	resolve: (value: unknown) => void;
	reject: (error: HearthError) => void;
}

function isMessage(data: unknown): data is { type: string; id?: unknown } {
	return (
		typeof data === 'object' &&
		data !== null &&
		typeof (data as { type?: unknown }).type === 'string'
	);
}

/**
 * The page's end of one worker speaking a call protocol (M: call name → params and result).
 * When the worker dies, or is killed, every call still waiting fails with the same coded error,
 * later messages are ignored, and the connection is never used again: its owner starts a new one.
 */
export class WorkerConnection<
	M extends CallMap<M>,
	FromWorker extends { type: string },
	ToWorker extends { type: string }
> {
	readonly ready: Promise<void>;
	#failure: HearthError | undefined;
	#started = false;
	#onDeath: (e: HearthError) => void;
	#nextId = 1;
	readonly #pending = new Map<number, Pending<FromWorker>>();
	readonly #worker: WorkerPort<ToWorker | CallRequest<M>>;
	readonly #options: WorkerConnectionOptions<FromWorker, ToWorker>;

	constructor(
		worker: WorkerPort<ToWorker | CallRequest<M>>,
		options: WorkerConnectionOptions<FromWorker, ToWorker>
	) {
		this.#worker = worker;
		this.#options = options;
		const { failures } = options;
		let markReady: () => void = () => undefined;
		let failStart: (e: HearthError) => void = () => undefined;
		this.ready = new Promise<void>((resolve, reject) => {
			markReady = resolve;
			failStart = reject;
		});
		// Nobody may be waiting yet; the rejection is still delivered to whoever awaits later.
		this.ready.catch(() => undefined);
		const timer = setTimeout(() => this.kill(fresh(failures.notStarted)), options.readyTimeoutMs);
		this.#onDeath = (e) => {
			clearTimeout(timer);
			failStart(e);
		};
		worker.addEventListener('message', (event) => {
			const message = event.data;
			if (this.dead || !isMessage(message)) return;
			if (options.accept && !options.accept(message)) {
				this.kill(fresh(failures.garbled));
				return;
			}
			if (message.type === 'ready') {
				clearTimeout(timer);
				this.#started = true;
				markReady();
			} else if (message.type === 'result') {
				this.#settle(message as CallResult<M>);
			} else {
				const id = message.id;
				const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
				const workerEvent = message as WorkerEvent<FromWorker>;
				if (pending) pending.onEvent?.(workerEvent);
				else options.onUnrouted?.(workerEvent);
			}
		});
		worker.addEventListener('error', () => this.kill(fresh(failures.crashed)));
		worker.addEventListener('messageerror', () => this.kill(fresh(failures.garbled)));
	}

	/** True once the worker posted `ready`. */
	get started(): boolean {
		return this.#started;
	}

	get dead(): boolean {
		return this.#failure !== undefined;
	}

	/** One call; resolves with its result, or rejects with a coded error. */
	request<K extends keyof M>(
		call: K,
		params: M[K]['params'],
		options: CallOptions<FromWorker> = {}
	): Promise<M[K]['result']> {
		const { signal, onEvent, transfer } = options;
		if (this.#failure) return Promise.reject(this.#failure);
		if (signal?.aborted) return Promise.reject(stopped());
		const id = this.#nextId++;
		return new Promise<M[K]['result']>((resolve, reject) => {
			const onAbort = () => {
				if (!this.#pending.delete(id)) return;
				const cancel = this.#options.cancel;
				if (cancel) this.#worker.postMessage(cancel(id));
				reject(stopped());
			};
			const settle = () => signal?.removeEventListener('abort', onAbort);
			this.#pending.set(id, {
				call,
				onEvent,
				resolve: (value) => {
					settle();
					// The worker answers a call with that call's result (checked in #settle).
					resolve(value as M[K]['result']);
				},
				reject: (e) => {
					settle();
					reject(e);
				}
			});
			signal?.addEventListener('abort', onAbort, { once: true });
			// `call` and `params` are tied by K; TypeScript cannot see that through the mapped union.
			const message = { type: 'call', id, call, params } as CallRequest<M>;
			if (transfer) this.#worker.postMessage(message, transfer);
			else this.#worker.postMessage(message);
		});
	}

	/** Posts one of the protocol's own messages (not a call); nothing is sent once dead. */
	post(message: ToWorker, transfer?: Transferable[]): void {
		if (this.dead) return;
		if (transfer) this.#worker.postMessage(message, transfer);
		else this.#worker.postMessage(message);
	}

	#settle(message: CallResult<M>): void {
		const pending = this.#pending.get(message.id);
		if (!pending) return;
		this.#pending.delete(message.id);
		if (message.call !== pending.call) {
			pending.reject(fresh(this.#options.failures.mixedUp));
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
}

const fresh = (error: SerializedError): HearthError => new HearthError(error.code, error.message);
