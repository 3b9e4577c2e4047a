import type { SerializedError } from '$lib/types/errors';

// The request/response shape every worker protocol shares: the page sends a `call` with an id,
// the worker answers that id with exactly one `result` naming the same call. Each protocol adds
// its own events (progress, output...) and its own extra messages around these.

/** A protocol's calls: call name → params and result. */
export type CallMap<M> = { [K in keyof M]: { params: unknown; result: unknown } };

export type CallRequest<M extends CallMap<M>> = {
	[K in keyof M]: { type: 'call'; id: number; call: K; params: M[K]['params'] };
}[keyof M];

export type CallResult<M extends CallMap<M>> = {
	[K in keyof M]:
		| { type: 'result'; id: number; call: K; ok: true; value: M[K]['result'] }
		| { type: 'result'; id: number; call: K; ok: false; error: SerializedError };
}[keyof M];

/** What a worker runs for each call; a switch is not needed, each handler gets typed params. */
export type CallHandlersOf<M extends CallMap<M>> = {
	[K in keyof M]: (params: M[K]['params']) => M[K]['result'] | Promise<M[K]['result']>;
};

/**
 * Runs one call and posts its one result: the handler's value, or `toError` of what it threw
 * (posting is inside the try, so a value the worker cannot post still answers the call).
 */
export async function answerCall<M extends CallMap<M>>(
	request: CallRequest<M>,
	handlers: CallHandlersOf<M>,
	post: (message: CallResult<M>) => void,
	toError: (e: unknown) => SerializedError
): Promise<void> {
	const { id, call } = request;
	try {
		// `call` and `params` are tied by the mapped union; TypeScript cannot see that through M.
		const handler = handlers[call] as (params: unknown) => unknown;
		const value = await handler(request.params);
		post({ type: 'result', id, call, ok: true, value } as CallResult<M>);
	} catch (e) {
		post({ type: 'result', id, call, ok: false, error: toError(e) } as CallResult<M>);
	}
}

export interface CallQueue<T> {
	/** Queues `item`; it runs once every item before it has finished. */
	push(item: T): void;
	/** The item running now. */
	readonly current: T | undefined;
	/** Takes the first waiting (not running) item that matches out of the queue. */
	remove(match: (item: T) => boolean): T | undefined;
}

/** Runs items one at a time, in arrival order; `run` must not reject. */
export function createCallQueue<T>(run: (item: T) => Promise<void>): CallQueue<T> {
	const waiting: T[] = [];
	let current: T | undefined;
	let busy = false;

	async function pump(): Promise<void> {
		if (busy) return;
		const next = waiting.shift();
		if (next === undefined) return;
		busy = true;
		current = next;
		try {
			await run(next);
		} finally {
			busy = false;
			current = undefined;
			void pump();
		}
	}

	return {
		push(item) {
			waiting.push(item);
			void pump();
		},
		get current() {
			return current;
		},
		remove(match) {
			const index = waiting.findIndex(match);
			return index < 0 ? undefined : waiting.splice(index, 1)[0];
		}
	};
}

/** One call a worker is serving; the running handler sets `onCancel` to stop its library. */
export interface CallTask<M extends CallMap<M>> {
	readonly request: CallRequest<M>;
	cancelled: boolean;
	onCancel?: () => void;
}

export interface CallServerOptions<M extends CallMap<M>> {
	/** Runs one call and posts its one result (answerCall); must not reject. */
	run: (task: CallTask<M>) => Promise<void>;
	/** Answers a call that was cancelled before it ever ran. */
	cancelled: (request: CallRequest<M>) => void;
	/** Calls that never touch the library run at once instead of queueing behind a long load. */
	immediate?: (request: CallRequest<M>) => boolean;
}

export interface CallServer<M extends CallMap<M>> {
	handle(message: CallRequest<M> | { type: 'cancel'; id: number }): void;
}

/**
 * The worker side every model host shares: calls run one at a time in arrival order (a load
 * while a generation runs would pull the model out from under it); `cancel` stops the running
 * call through its `onCancel`, or answers a queued one at once without ever running it.
 */
export function createCallServer<M extends CallMap<M>>(
	options: CallServerOptions<M>
): CallServer<M> {
	const queue = createCallQueue(options.run);

	function cancel(id: number): void {
		const current = queue.current;
		if (current?.request.id === id) {
			if (current.cancelled) return;
			current.cancelled = true;
			current.onCancel?.();
			return;
		}
		const task = queue.remove((t) => t.request.id === id);
		if (task) options.cancelled(task.request);
	}

	return {
		handle(message) {
			if (message.type === 'cancel') return cancel(message.id);
			const task: CallTask<M> = { request: message, cancelled: false };
			if (options.immediate?.(message)) return void options.run(task);
			queue.push(task);
		}
	};
}
