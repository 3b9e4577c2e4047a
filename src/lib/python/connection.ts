import type {
	ProxiedRequest,
	PythonCallName,
	PythonCalls,
	PythonFromWorker,
	PythonToWorker
} from '$lib/protocol/python';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import type { WorkerEvent, WorkerPort } from '$lib/protocol/worker-connection';
import { HearthError } from '$lib/types/errors';
import { isPythonMessage } from '$lib/python/messages';

/** The part of a Worker the sandbox uses, so tests can stand in for it. */
export type PythonWorkerLike = WorkerPort<PythonToWorker>;

/** Starts workers/python.worker.ts as a module worker. */
export function defaultPythonWorker(): PythonWorkerLike {
	return new Worker(new URL('../../../workers/python.worker.ts', import.meta.url), {
		type: 'module'
	});
}

export const CRASHED = 'Python stopped unexpectedly and had to be restarted.';

export interface CallHandlers {
	onProgress?: (progress: { fraction?: number; text: string }) => void;
	onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
	/** Serves the worker's fetches for this call; absent means the call has no network. */
	onFetch?: (request: ProxiedRequest) => Promise<Response>;
}

/**
 * One worker and its calls (a WorkerConnection on the python protocol), which also serves the
 * worker's fetches. When the worker dies (or is killed to stop a run) every call still waiting
 * fails with the same coded error and the connection is never used again.
 */
export class PythonConnection {
	readonly ready: Promise<void>;
	readonly #rpc: WorkerConnection<PythonCalls, PythonFromWorker, PythonToWorker>;

	constructor(worker: PythonWorkerLike, readyTimeoutMs: number) {
		this.#rpc = new WorkerConnection(worker, {
			readyTimeoutMs,
			failures: {
				notStarted: { code: 'python_start_failed', message: 'The Python sandbox did not start.' },
				// A wasm heap the browser refused to grow, or a worker the browser killed, ends up here.
				crashed: { code: 'python_crashed', message: CRASHED },
				garbled: { code: 'python_crashed', message: 'The Python sandbox sent a garbled message.' },
				mixedUp: { code: 'python_crashed', message: 'The Python sandbox mixed up its answers.' }
			},
			// A fetch for a call no longer waiting still gets its answer: no network.
			onUnrouted: (event) => this.#route(event, {}),
			// The worker runs code a model wrote: every message is checked before it is used.
			accept: isPythonMessage
		});
		this.ready = this.#rpc.ready;
	}

	get dead(): boolean {
		return this.#rpc.dead;
	}

	request<K extends PythonCallName>(
		call: K,
		params: PythonCalls[K]['params'],
		handlers: CallHandlers = {},
		transfer: Transferable[] = []
	): Promise<PythonCalls[K]['result']> {
		const onEvent = (event: WorkerEvent<PythonFromWorker>) => this.#route(event, handlers);
		return this.#rpc.request(call, params, { onEvent, transfer });
	}

	#route(event: WorkerEvent<PythonFromWorker>, handlers: CallHandlers): void {
		if (event.type === 'fetch') {
			void this.#serveFetch(event.fetchId, event.request, handlers.onFetch);
		} else if (event.type === 'progress') {
			handlers.onProgress?.(event.progress);
		} else {
			handlers.onOutput?.(event.stream, event.text);
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
			this.#rpc.post(
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
			const error =
				e instanceof HearthError
					? e.toJSON()
					: {
							code: 'network_failed' as const,
							message: e instanceof Error ? e.message : 'The request failed.'
						};
			this.#rpc.post({ type: 'fetch-result', fetchId, ok: false, error });
		}
	}

	/** Ends the worker; every call still waiting fails with `error`. */
	kill(error: HearthError): void {
		this.#rpc.kill(error);
	}
}
