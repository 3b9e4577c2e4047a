// The metrics dashboard's state: filters, the rollups and verdicts behind the charts, CSV, and
// turning recording off or clearing it.
import {
	dashboardData,
	lastDays,
	modelOptions,
	rollupsCsv,
	toCsv,
	type DashboardData,
	type ModelOption
} from '$lib/metrics/dashboard';
import type { Feedback, FeedbackStore } from '$lib/metrics/feedback';
import { dayOf } from '$lib/metrics/record';
import type { DayRollup } from '$lib/metrics/types';
import type { MetricsRepository } from '$lib/storage/metrics-repo';
import { toHearthError, type HearthError } from '$lib/types/errors';

/** A row's time for the CSV. */
function isoTime(at: number): string {
	return new Date(at).toISOString();
}

export const RANGES = [
	{ days: 7, label: 'Last 7 days' },
	{ days: 30, label: 'Last 30 days' },
	{ days: 90, label: 'Last 90 days' },
	{ days: 365, label: 'Last year' }
] as const;

export interface MetricsDeps {
	metrics: MetricsRepository;
	feedback: FeedbackStore;
	onError: (e: HearthError) => void;
	now?: () => number;
}

export class MetricsState {
	rangeDays = $state<number>(30);
	models = $state<string[]>([]);
	rollups = $state.raw<DayRollup[]>([]);
	feedback = $state.raw<Feedback[]>([]);
	loading = $state(false);
	readonly #deps: MetricsDeps;
	#first: Promise<void> | null = null;

	constructor(deps: MetricsDeps) {
		this.#deps = deps;
	}

	get range(): { from: string; to: string } {
		return lastDays(dayOf((this.#deps.now ?? Date.now)()), this.rangeDays);
	}

	get options(): ModelOption[] {
		return modelOptions(this.rollups, this.feedback);
	}

	get data(): DashboardData {
		return dashboardData(this.rollups, this.feedback, { models: this.models, ...this.range });
	}

	/**
	 * The first load, started once whoever needs the data first asks (the screen starts it when it
	 * opens, so the Metrics tab usually finds its numbers ready); later calls wait for the same one.
	 */
	ensureLoaded(): Promise<void> {
		this.#first ??= this.load();
		return this.#first;
	}

	/** Reads the rollups and verdicts of the range (never the raw rows). */
	async load(): Promise<void> {
		this.loading = true;
		try {
			const { from, to } = this.range;
			const [rollups, feedback] = await Promise.all([
				this.#deps.metrics.rollups(from, to),
				this.#deps.feedback.between(from, to)
			]);
			this.rollups = rollups;
			this.feedback = feedback;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		} finally {
			this.loading = false;
		}
	}

	async setRange(days: number): Promise<void> {
		this.rangeDays = days;
		await this.load();
	}

	csv(): string {
		return rollupsCsv(this.rollups, this.feedback, { models: this.models, ...this.range });
	}

	/** Every recorded answer still kept (the last 30 days), one row each. */
	async answersCsv(): Promise<string> {
		const rows = await this.#deps.metrics.answers(0, Date.now());
		return toCsv(
			[
				'time',
				'engine',
				'model',
				'agent',
				'status',
				'error',
				'first_token_ms',
				'total_ms',
				'prompt_tokens',
				'completion_tokens',
				'cached_prompt_tokens',
				'tokens_per_second',
				'tools',
				'voice',
				'images',
				'knowledge',
				'memory'
			],
			rows.map((r) => [
				isoTime(r.at),
				r.engine,
				r.model,
				r.agent,
				r.status,
				r.errorCode,
				r.firstTokenMs,
				r.totalMs,
				r.promptTokens,
				r.completionTokens,
				r.cachedTokens,
				r.tokensPerSecond,
				r.tools.map((t) => `${t.name}:${t.status}`).join(' '),
				Number(r.features.voice),
				Number(r.features.images),
				Number(r.features.knowledge),
				Number(r.features.memory)
			])
		);
	}

	async clear(): Promise<void> {
		try {
			await this.#deps.metrics.clear();
			await this.load();
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}
}
