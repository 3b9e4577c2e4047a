/** One API request as counted (a WebSocket chat message counts as one too). */
export interface RequestRecord {
	at: number;
	method: string;
	path: string;
	status: number;
	ms: number;
	promptTokens?: number;
	completionTokens?: number;
}

export interface RouteStats {
	count: number;
	/** Replies with a status of 400 or more. */
	errors: number;
	p50Ms: number;
	p95Ms: number;
}

export interface StatsSnapshot {
	since: number;
	requests: number;
	byStatus: Record<string, number>;
	byRoute: Record<string, RouteStats>;
	tokens: { prompt: number; completion: number };
	/** The newest requests, newest last. */
	recent: RequestRecord[];
}

const RECENT = 100;
/** Durations kept per route for the percentiles (a ring: the newest). */
const SAMPLES = 1000;

/** Every API request counted: time, tokens and status, per route; GET /v1/hearth/stats shows it. */
export class RequestStats {
	readonly #since = Date.now();
	#requests = 0;
	readonly #byStatus = new Map<number, number>();
	readonly #routes = new Map<string, { count: number; errors: number; ms: number[] }>();
	#prompt = 0;
	#completion = 0;
	readonly #recent: RequestRecord[] = [];

	record(entry: RequestRecord): void {
		this.#requests++;
		this.#byStatus.set(entry.status, (this.#byStatus.get(entry.status) ?? 0) + 1);
		const key = `${entry.method} ${entry.path}`;
		const route = this.#routes.get(key) ?? { count: 0, errors: 0, ms: [] };
		route.count++;
		if (entry.status >= 400) route.errors++;
		route.ms.push(entry.ms);
		if (route.ms.length > SAMPLES) route.ms.shift();
		this.#routes.set(key, route);
		this.#prompt += entry.promptTokens ?? 0;
		this.#completion += entry.completionTokens ?? 0;
		this.#recent.push(entry);
		if (this.#recent.length > RECENT) this.#recent.shift();
	}

	snapshot(): StatsSnapshot {
		const byRoute: Record<string, RouteStats> = {};
		for (const [key, route] of this.#routes) {
			const sorted = [...route.ms].sort((a, b) => a - b);
			byRoute[key] = {
				count: route.count,
				errors: route.errors,
				p50Ms: percentile(sorted, 0.5),
				p95Ms: percentile(sorted, 0.95)
			};
		}
		return {
			since: this.#since,
			requests: this.#requests,
			byStatus: Object.fromEntries([...this.#byStatus].map(([s, n]) => [String(s), n])),
			byRoute,
			tokens: { prompt: this.#prompt, completion: this.#completion },
			recent: [...this.#recent]
		};
	}
}

function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return 0;
	const at = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
	return Math.round(sorted[Math.max(0, at)]! * 10) / 10;
}
