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
