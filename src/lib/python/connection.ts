import type {
	ProxiedRequest,
	PythonCallName,
	PythonCalls,
	PythonFromWorker,
	PythonRequest,
	PythonToWorker
} from '$lib/protocol/python';
import { HearthError } from '$lib/types/errors';

/** The part of a Worker the sandbox uses, so tests can stand in for it. */
export interface PythonWorkerLike {
	postMessage(message: PythonToWorker, transfer?: Transferable[]): void;
	addEventListener(
		type: 'message' | 'error' | 'messageerror',
		listener: (event: Event & { data?: unknown }) => void
	): void;
	terminate(): void;
}

/** Starts workers/python.worker.ts as a module worker. */
export function defaultPythonWorker(): PythonWorkerLike {
	return new Worker(new URL('../../../workers/python.worker.ts', import.meta.url), {
		type: 'module'
	});
}

export const CRASHED = 'Python stopped unexpectedly and had to be restarted.';
const NOT_STARTED = 'The Python sandbox did not start.';

export interface CallHandlers {
	onProgress?: (progress: { fraction?: number; text: string }) => void;
	onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
	/** Serves the worker's fetches for this call; absent means the call has no network. */
	onFetch?: (request: ProxiedRequest) => Promise<Response>;
}

interface Pending {
	call: PythonCallName;
	handlers: CallHandlers;
	resolve: (value: unknown) => void;
	reject: (error: HearthError) => void;
}

function isFromWorker(data: unknown): data is PythonFromWorker {
	return (
		typeof data === 'object' &&
		data !== null &&
		typeof (data as { type?: unknown }).type === 'string'
	);
}

/**
 * One worker and its calls. When the worker dies (or is killed to stop a run) every call still
 * waiting fails with the same coded error and the connection is never used again.
 */
export class PythonConnection {
	readonly ready: Promise<void>;
	#failure: HearthError | undefined;
	#onDeath: (e: HearthError) => void;
	#nextId = 1;
	readonly #pending = new Map<number, Pending>();
	readonly #worker: PythonWorkerLike;

	constructor(worker: PythonWorkerLike, readyTimeoutMs: number) {
		this.#worker = worker;
		let markReady: () => void = () => undefined;
		let failStart: (e: HearthError) => void = () => undefined;
		this.ready = new Promise<void>((resolve, reject) => {
			markReady = resolve;
			failStart = reject;
		});
		this.ready.catch(() => undefined);
		const timer = setTimeout(
			() => this.kill(new HearthError('python_start_failed', NOT_STARTED)),
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
				markReady();
			} else {
				this.#deliver(message);
			}
		});
		// A wasm heap the browser refused to grow, or a worker the browser killed, ends up here.
		worker.addEventListener('error', () => this.kill(new HearthError('python_crashed', CRASHED)));
		worker.addEventListener('messageerror', () =>
			this.kill(new HearthError('python_crashed', 'The Python sandbox sent a garbled message.'))
		);
	}

	get dead(): boolean {
		return this.#failure !== undefined;
	}

	request<K extends PythonCallName>(
		call: K,
		params: PythonCalls[K]['params'],
		handlers: CallHandlers = {},
		transfer: Transferable[] = []
	): Promise<PythonCalls[K]['result']> {
		if (this.#failure) return Promise.reject(this.#failure);
		const id = this.#nextId++;
		return new Promise<PythonCalls[K]['result']>((resolve, reject) => {
			this.#pending.set(id, {
				call,
				handlers,
				// The worker answers a call with that call's result (checked in #deliver).
				resolve: (value) => resolve(value as PythonCalls[K]['result']),
				reject
			});
			// `call` and `params` are tied by K; TypeScript cannot see that through the mapped union.
			this.#worker.postMessage({ type: 'call', id, call, params } as PythonRequest, transfer);
		});
	}

	#deliver(message: Exclude<PythonFromWorker, { type: 'ready' }>): void {
		const pending = this.#pending.get(message.id);
		if (message.type === 'fetch') {
			void this.#serveFetch(message.fetchId, message.request, pending?.handlers.onFetch);
			return;
		}
		if (!pending) return;
		if (message.type === 'progress') return pending.handlers.onProgress?.(message.progress);
		if (message.type === 'output') {
			return pending.handlers.onOutput?.(message.stream, message.text);
		}
		this.#pending.delete(message.id);
		if (message.call !== pending.call) {
			pending.reject(new HearthError('python_crashed', 'The Python sandbox mixed up its answers.'));
		} else if (message.ok) {
			pending.resolve(message.value);
		} else {
			pending.reject(new HearthError(message.error.code, message.error.message));
		}
	}

	/** Answers a worker fetch; only a call that was given network may have one. */
	async #serveFetch(
		fetchId: number,
		request: ProxiedRequest,
		onFetch: CallHandlers['onFetch']
	): Promise<void> {
		try {
			if (!onFetch) {
				throw new HearthError('network_blocked', 'Python code may not use the network here.');
			}
			const response = await onFetch(request);
			const body = await response.arrayBuffer();
			if (this.dead) return;
			this.#worker.postMessage(
				{
					type: 'fetch-result',
					fetchId,
					ok: true,
					response: {
						status: response.status,
						statusText: response.statusText,
						headers: [...response.headers],
						body
					}
				},
				[body]
			);
		} catch (e) {
			if (this.dead) return;
			const error =
				e instanceof HearthError
					? e.toJSON()
					: {
							code: 'network_failed' as const,
							message: e instanceof Error ? e.message : 'The request failed.'
						};
			this.#worker.postMessage({ type: 'fetch-result', fetchId, ok: false, error });
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
