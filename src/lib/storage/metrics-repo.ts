// Local usage metrics in IndexedDB: each answer's row and its day's rollup are written in one
// transaction, so the dashboard reads rollups only; rows older than 30 days are dropped (their
// days live on in the rollups). Nothing here ever leaves the device.
import type { HearthDb } from '$lib/storage/db';
import { addToRollup, emptyRollup } from '$lib/metrics/rollup';
import type { AnswerMetric, DayRollup, MetricsSink } from '$lib/metrics/types';
import { RAW_DAYS } from '$lib/metrics/types';
import { guarded } from '$lib/storage/guarded';

const DAY_MS = 86_400_000;

export class MetricsRepository implements MetricsSink {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	async record(metric: AnswerMetric): Promise<void> {
		await this.recordMany([metric]);
	}

	/** Many rows at once (imports, the benchmark's seeding): one transaction, rollups merged. */
	async recordMany(metrics: readonly AnswerMetric[]): Promise<void> {
		if (metrics.length === 0) return;
		const db = this.#db;
		await guarded(() =>
			db.transaction('rw', db.metrics, db.metricDays, async () => {
				const keys = [...new Set(metrics.map((m) => emptyRollup(m).key))];
				const existing = await db.metricDays.bulkGet(keys);
				const byKey = new Map<string, DayRollup>();
				keys.forEach((key, i) => {
					const found = existing[i];
					if (found) byKey.set(key, found);
				});
				for (const m of metrics) {
					const key = emptyRollup(m).key;
					const rollup = byKey.get(key) ?? emptyRollup(m);
					byKey.set(key, addToRollup(rollup, m));
				}
				await db.metrics.bulkPut([...metrics]);
				await db.metricDays.bulkPut([...byKey.values()]);
			})
		);
	}

	/** Rollups of days from..to inclusive (YYYY-MM-DD). */
	rollups(from: string, to: string): Promise<DayRollup[]> {
		return guarded(() => this.#db.metricDays.where('day').between(from, to, true, true).toArray());
	}

	/** Raw rows recorded between two times (ms), oldest first (the answers CSV). */
	answers(fromMs: number, toMs: number): Promise<AnswerMetric[]> {
		return guarded(() => this.#db.metrics.where('at').between(fromMs, toMs, true, true).toArray());
	}

	countAnswers(): Promise<number> {
		return guarded(() => this.#db.metrics.count());
	}

	/** Drops raw rows older than 30 days; their rollups stay. */
	prune(now = Date.now()): Promise<number> {
		const cutoff = now - RAW_DAYS * DAY_MS;
		return guarded(() => this.#db.metrics.where('at').below(cutoff).delete());
	}

	/** Forgets every recorded answer and rollup (feedback is the person's and stays). */
	async clear(): Promise<void> {
		const db = this.#db;
		await guarded(() =>
			db.transaction('rw', db.metrics, db.metricDays, async () => {
				await db.metrics.clear();
				await db.metricDays.clear();
			})
		);
	}
}
