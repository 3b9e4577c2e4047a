/** What a rate limiter says about one more request. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Requests per minute per key (the bearer token), as a token bucket: a burst up to the minute's
 * allowance, refilled evenly. 0 means no limit.
 */
export class RateLimiter {
	readonly #perMinute: number;
	readonly #buckets = new Map<string, { tokens: number; at: number }>();

	constructor(perMinute: number) {
		this.#perMinute = perMinute;
	}

	take(key: string, now = Date.now()): RateDecision {
		if (this.#perMinute <= 0) return { ok: true };
		const rate = this.#perMinute / 60_000;
		const bucket = this.#buckets.get(key) ?? { tokens: this.#perMinute, at: now };
		bucket.tokens = Math.min(this.#perMinute, bucket.tokens + (now - bucket.at) * rate);
		bucket.at = now;
		this.#buckets.set(key, bucket);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return { ok: true };
		}
		return {
			ok: false,
			retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000))
		};
	}
}
