import type {
	ChatDelta,
	ChatRequest,
	EngineProbe,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { stopped, toHearthError } from '$lib/types/errors';
import type { HearthError } from '$lib/types/errors';

/** What the UI hears before each wait, e.g. to show "Retrying in 2 s…". */
export interface RetryInfo {
	/** 1 for the first retry, 2 for the second… */
	attempt: number;
	/** How long Hearth waits before trying again. */
	delayMs: number;
	/** The failure that is being retried. */
	error: HearthError;
}

export interface RetryPolicy {
	/** Tries in all, the first included. */
	attempts: number;
	/** The first backoff before jitter; each retry doubles it. */
	baseDelayMs: number;
	/** No backoff is longer than this (a server's Retry-After may be, up to the next cap). */
	maxDelayMs: number;
	/** A Retry-After longer than this is not waited out: the 429 goes to the person instead. */
	maxRetryAfterSeconds: number;
	/** Resolves after `ms`; injected by tests. The wait is abortable whatever this does. */
	sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	/** In [0, 1); injected by tests to pin the jitter. */
	random: () => number;
	onRetry?: (info: RetryInfo) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	attempts: 3,
	baseDelayMs: 500,
	maxDelayMs: 8000,
	maxRetryAfterSeconds: 30,
	sleep: sleepUnlessAborted,
	random: Math.random
};

/**
 * Failures that may pass by themselves: a server starting up or restarting, a busy one, a
 * dropped connection, a 5xx. Never auth, a missing model, a malformed reply or an abort: trying
 * again would fail the same way (or undo the person's Stop).
 */
export function isTransient(error: HearthError): boolean {
	switch (error.code) {
		case 'engine_unreachable':
		case 'engine_rate_limited':
		case 'engine_stream_broken':
			return true;
		case 'engine_http':
			return error.status !== undefined && error.status >= 500;
		default:
			return false;
	}
}

/**
 * How long to wait before retry number `retry` (1-based), or undefined when it is not worth
 * waiting: the server asked for longer than `maxRetryAfterSeconds`. Exponential backoff with
 * "equal jitter" (half fixed, half random), so retries from several tabs spread out but never
 * come back at once; a server's Retry-After wins when it asks for longer.
 */
export function retryDelayMs(
	retry: number,
	error: HearthError,
	policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterSeconds' | 'random'>
): number | undefined {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
	const backoff = Math.round(exponential / 2 + (policy.random() * exponential) / 2);
	const asked = error.retryAfterSeconds;
	if (asked === undefined) return backoff;
	if (asked > policy.maxRetryAfterSeconds) return undefined;
	return Math.max(backoff, asked * 1000);
}

/**
 * Wraps an engine so chat() retries transient failures that happen before the first text delta.
 * Once text has been yielded a failure is rethrown as is: a half-streamed answer is never
 * restarted, so text is never duplicated. Everything but chat() is passed straight through.
 */
export function withRetry(engine: LlmEngine, policy?: Partial<RetryPolicy>): LlmEngine {
	return new RetryingEngine(engine, policy);
}

export class RetryingEngine implements LlmEngine {
	readonly inner: LlmEngine;
	readonly countTokens?: (
		model: string,
		texts: string[],
		signal?: AbortSignal
	) => Promise<number[]>;
	readonly #policy: RetryPolicy;

	constructor(inner: LlmEngine, policy?: Partial<RetryPolicy>) {
		this.inner = inner;
		this.#policy = { ...DEFAULT_RETRY_POLICY, ...policy };
		// Left out when the inner engine has none, so callers still know to estimate.
		if (inner.countTokens) {
			this.countTokens = (model, texts, signal) =>
				inner.countTokens?.(model, texts, signal) ?? Promise.resolve([]);
		}
	}

	get kind(): LlmEngine['kind'] {
		return this.inner.kind;
	}

	get label(): string {
		return this.inner.label;
	}

	get toolCalling(): LlmEngine['toolCalling'] {
		return this.inner.toolCalling;
	}

	probe(signal?: AbortSignal): Promise<EngineProbe> {
		return this.inner.probe(signal);
	}

	listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		return this.inner.listModels(signal);
	}

	load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		return this.inner.load(modelId, onProgress, signal);
	}

	dispose(): Promise<void> {
		return this.inner.dispose();
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		const policy = this.#policy;
		for (let attempt = 1; ; attempt++) {
			let textSeen = false;
			try {
				for await (const delta of this.inner.chat(request, signal)) {
					// A tool call is output too: retrying after one could run the call twice.
					if (delta.type !== 'done') textSeen = true;
					yield delta;
				}
				return;
			} catch (e) {
				const error = toHearthError(e);
				if (textSeen || signal?.aborted || attempt >= policy.attempts || !isTransient(error)) {
					throw error;
				}
				const delayMs = retryDelayMs(attempt, error, policy);
				if (delayMs === undefined) throw error;
				policy.onRetry?.({ attempt, delayMs, error });
				await abortableWait(policy.sleep(delayMs, signal), signal);
			}
		}
	}
}

/** The default sleep: ends early on abort so no timer outlives a stopped chat. */
function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, { once: true });
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
	});
}

/** Settles with `wait`, or rejects with aborted the moment `signal` fires, whichever is first. */
function abortableWait(wait: Promise<void>, signal?: AbortSignal): Promise<void> {
	if (!signal) return wait;
	if (signal.aborted) return Promise.reject(stopped());
	return new Promise((resolve, reject) => {
		const onAbort = () => reject(stopped());
		signal.addEventListener('abort', onAbort, { once: true });
		wait.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
