// A metric row into its day's rollup (per day, engine and model). Apart from the per-answer row
// (record.ts) so the app shell, which records, does not carry the histogram code.
import { addSample, emptyHistogram } from '$lib/metrics/histogram';
import type { AnswerMetric, DayRollup, ToolTally } from '$lib/metrics/types';
import { FEATURE_NAMES } from '$lib/metrics/types';

export function rollupKey(day: string, engine: string, model: string): string {
	return `${day}|${engine}|${model}`;
}

export function emptyRollup(metric: Pick<AnswerMetric, 'day' | 'engine' | 'model'>): DayRollup {
	return {
		key: rollupKey(metric.day, metric.engine, metric.model),
		day: metric.day,
		engine: metric.engine,
		model: metric.model,
		answers: 0,
		errors: 0,
		stopped: 0,
		errorCodes: {},
		firstToken: emptyHistogram(),
		total: emptyHistogram(),
		speed: { count: 0, sum: 0 },
		promptTokens: 0,
		completionTokens: 0,
		cachedTokens: 0,
		tools: {},
		features: { voice: 0, images: 0, knowledge: 0, memory: 0 }
	};
}

function tally(): ToolTally {
	return { calls: 0, ok: 0, failed: 0, refused: 0 };
}

/** Adds one answer to its day's rollup (in place). */
export function addToRollup(rollup: DayRollup, m: AnswerMetric): DayRollup {
	rollup.answers++;
	if (m.status === 'error') {
		rollup.errors++;
		const code = m.errorCode ?? 'unknown';
		rollup.errorCodes[code] = (rollup.errorCodes[code] ?? 0) + 1;
	}
	if (m.status === 'aborted') rollup.stopped++;
	if (m.firstTokenMs !== undefined) addSample(rollup.firstToken, m.firstTokenMs);
	if (m.totalMs !== undefined) addSample(rollup.total, m.totalMs);
	if (m.tokensPerSecond) {
		rollup.speed.count++;
		rollup.speed.sum += m.tokensPerSecond;
	}
	rollup.promptTokens += m.promptTokens ?? 0;
	rollup.completionTokens += m.completionTokens ?? 0;
	rollup.cachedTokens += m.cachedTokens ?? 0;
	for (const tool of m.tools) {
		const t = (rollup.tools[tool.name] ??= tally());
		t.calls++;
		if (tool.status === 'done') t.ok++;
		else if (tool.status === 'error') t.failed++;
		else t.refused++;
	}
	for (const name of FEATURE_NAMES) if (m.features[name]) rollup.features[name]++;
	return rollup;
}
