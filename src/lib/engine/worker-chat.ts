import type { ChatDelta } from '$lib/engine/types';
import { isCrash } from '$lib/engine/llm-connection';
import { HearthError, stopped, toHearthError } from '$lib/types/errors';

// What both in-browser runtimes (web-llm and llama.cpp) do around a generation in their worker:
// stream the call's events as they arrive, and replace a worker that died under it once, but
// only while no text has been shown, so an answer is never repeated.

/**
 * A call's events as they arrive, then its result: `start` makes the call and hands each event
 * to the callback it is given; the generator yields them in order and ends with the result (or
 * throws what the call rejected with).
 */
export async function* streamCall<E, R>(
	start: (onEvent: (event: E) => void) => Promise<R>
): AsyncGenerator<{ event: E } | { result: R }> {
	const events: E[] = [];
	let wake: (() => void) | undefined;
	let outcome: { value: R } | { error: unknown } | undefined;
	start((event) => {
		events.push(event);
		wake?.();
	})
		.then(
			(value) => (outcome = { value }),
			(error: unknown) => (outcome = { error })
		)
		.finally(() => wake?.());
	for (;;) {
		const event = events.shift();
		if (event !== undefined) {
			yield { event };
			continue;
		}
		if (outcome) break;
		await new Promise<void>((resolve) => (wake = resolve));
		wake = undefined;
	}
	if ('error' in outcome) throw outcome.error;
	yield { result: outcome.value };
}

export interface CrashPolicy {
	/** Forgets the dead (or dying) worker so the next attempt starts a new one. */
	drop(): void;
	/** The error to show after a second crash (it may name a smaller model). */
	advise(error: HearthError): Promise<HearthError>;
}

/**
 * Runs `attempt` (one generation in a worker) and passes its deltas on, with Hearth's wall-clock
 * timings on `done`. A worker that dies before any text is replaced and the generation tried once
 * more; after text it fails with engine_crashed and the text so far stays with the caller.
 */
export async function* chatWithRestart(
	attempt: (signal: AbortSignal) => AsyncIterable<ChatDelta>,
	policy: CrashPolicy,
	signal?: AbortSignal
): AsyncGenerator<ChatDelta> {
	if (signal?.aborted) throw stopped();
	// Also cancels the worker's call when the consumer stops iterating early.
	const scope = new AbortController();
	const onAbort = () => scope.abort();
	signal?.addEventListener('abort', onAbort, { once: true });
	const startedAt = performance.now();
	let firstTextAt: number | undefined;
	try {
		for (let attempts = 1; ; attempts++) {
			try {
				for await (const event of attempt(scope.signal)) {
					if (event.type === 'text') firstTextAt ??= performance.now();
					if (event.type === 'done') {
						yield {
							...event,
							timings: {
								...event.timings,
								totalMs: performance.now() - startedAt,
								timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt
							}
						};
						return;
					}
					yield event;
				}
				return;
			} catch (e) {
				const error = scope.signal.aborted ? stopped() : toHearthError(e);
				if (!isCrash(error)) throw error;
				policy.drop();
				if (firstTextAt !== undefined) {
					throw new HearthError(
						'engine_crashed',
						'The in-browser engine stopped in the middle of the answer. The text so far is kept; ask again to continue.',
						{ cause: error }
					);
				}
				if (attempts >= 2) throw await policy.advise(error);
			}
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
		scope.abort();
	}
}

/** Runs `attempt`; if the worker dies under it, restarts the worker and runs it once more. */
export async function withRestart<T>(
	attempt: () => Promise<T>,
	policy: CrashPolicy,
	signal?: AbortSignal
): Promise<T> {
	try {
		return await attempt();
	} catch (e) {
		const error = signal?.aborted ? stopped() : toHearthError(e);
		if (!isCrash(error)) throw error;
		policy.drop();
	}
	try {
		return await attempt();
	} catch (e) {
		const error = signal?.aborted ? stopped() : toHearthError(e);
		if (!isCrash(error)) throw error;
		policy.drop();
		throw await policy.advise(error);
	}
}
