// The dashboard's numbers, from daily rollups and feedback only (never the raw rows), so opening
// it costs the same with a hundred answers or a hundred thousand.
import { histogramPercentile, emptyHistogram, mergeInto } from '$lib/metrics/histogram';
import type { Feedback } from '$lib/metrics/feedback';
import type { DayRollup, FeatureName, LatencyHistogram } from '$lib/metrics/types';
import { FEATURE_NAMES } from '$lib/metrics/types';

/** The roadmap's goal for time to first token. */
export const FIRST_TOKEN_GOAL_MS = 1000;

export interface DashboardFilter {
	/** `engine|model` keys; empty = every model. */
	models: readonly string[];
	/** Inclusive days, YYYY-MM-DD. */
	from: string;
	to: string;
}

export interface ModelOption {
	key: string;
	label: string;
}

export interface DashboardData {
	days: string[];
	answersPerDay: { day: string; answers: number; errors: number; stopped: number }[];
	firstTokenPerDay: { day: string; p50: number | null; p95: number | null }[];
	speedByModel: { label: string; tokensPerSecond: number; answers: number }[];
	errorsByCode: { code: string; count: number; rate: number }[];
	toolsByName: { tool: string; calls: number; ok: number; rate: number }[];
	feedbackPerDay: { day: string; up: number; down: number; score: number | null }[];
	totals: {
		answers: number;
		errors: number;
		errorRate: number | null;
		firstTokenP50: number | null;
		firstTokenP95: number | null;
		totalP50: number | null;
		totalP95: number | null;
		promptTokens: number;
		completionTokens: number;
		cachedTokens: number;
		toolCalls: number;
		toolSuccessRate: number | null;
		up: number;
		down: number;
		feedbackScore: number | null;
	};
	features: Record<FeatureName, number>;
	/** The latest thumbs-down reasons, newest first. */
	complaints: Feedback[];
}

export function modelKey(engine: string, model: string): string {
	return `${engine}|${model}`;
}

export function modelLabel(key: string): string {
	const [engine, ...rest] = key.split('|');
	return `${rest.join('|')} (${engine})`;
}

/** Every model seen in these rollups and verdicts, for the filter. */
export function modelOptions(
	rollups: readonly DayRollup[],
	feedback: readonly Feedback[] = []
): ModelOption[] {
	const keys = new Set(rollups.map((r) => modelKey(r.engine, r.model)));
	for (const f of feedback) if (f.engine && f.model) keys.add(modelKey(f.engine, f.model));
	return [...keys].sort().map((key) => ({ key, label: modelLabel(key) }));
}

/** Every day from `from` to `to` inclusive (YYYY-MM-DD), so quiet days show as zero. */
export function daysBetween(from: string, to: string): string[] {
	const out: string[] = [];
	const start = Date.parse(`${from}T00:00:00Z`);
	const end = Date.parse(`${to}T00:00:00Z`);
	if (!Number.isFinite(start) || !Number.isFinite(end)) return out;
	for (let t = start; t <= end && out.length < 3660; t += 86_400_000) {
		out.push(new Date(t).toISOString().slice(0, 10));
	}
	return out;
}

/** `days` days ending `today` (inclusive), as from/to. */
export function lastDays(today: string, days: number): { from: string; to: string } {
	const end = Date.parse(`${today}T00:00:00Z`);
	return { from: new Date(end - (days - 1) * 86_400_000).toISOString().slice(0, 10), to: today };
}

export function dashboardData(
	allRollups: readonly DayRollup[],
	allFeedback: readonly Feedback[],
	filter: DashboardFilter
): DashboardData {
	const wanted = new Set(filter.models);
	const inModel = (engine: string | undefined, model: string | undefined) =>
		wanted.size === 0 ||
		(engine !== undefined && model !== undefined && wanted.has(modelKey(engine, model)));
	const rollups = allRollups.filter(
		(r) => r.day >= filter.from && r.day <= filter.to && inModel(r.engine, r.model)
	);
	const feedback = allFeedback.filter(
		(f) => f.day >= filter.from && f.day <= filter.to && inModel(f.engine, f.model)
	);
	const days = daysBetween(filter.from, filter.to);
	const byDay = new Map<string, DayRollup[]>();
	for (const r of rollups) {
		const list = byDay.get(r.day);
		if (list) list.push(r);
		else byDay.set(r.day, [r]);
	}
	const merged = (list: readonly DayRollup[], pick: (r: DayRollup) => LatencyHistogram) => {
		const h = emptyHistogram();
		for (const r of list) mergeInto(h, pick(r));
		return h;
	};
	const sum = (list: readonly DayRollup[], pick: (r: DayRollup) => number) =>
		list.reduce((n, r) => n + pick(r), 0);

	const answersPerDay = days.map((day) => {
		const list = byDay.get(day) ?? [];
		return {
			day,
			answers: sum(list, (r) => r.answers),
			errors: sum(list, (r) => r.errors),
			stopped: sum(list, (r) => r.stopped)
		};
	});
	const firstTokenPerDay = days.map((day) => {
		const h = merged(byDay.get(day) ?? [], (r) => r.firstToken);
		return { day, p50: histogramPercentile(h, 50), p95: histogramPercentile(h, 95) };
	});

	const speeds = new Map<string, { count: number; sum: number; answers: number }>();
	for (const r of rollups) {
		const key = modelKey(r.engine, r.model);
		const s = speeds.get(key) ?? { count: 0, sum: 0, answers: 0 };
		s.count += r.speed.count;
		s.sum += r.speed.sum;
		s.answers += r.answers;
		speeds.set(key, s);
	}
	const speedByModel = [...speeds]
		.filter(([, s]) => s.count > 0)
		.map(([key, s]) => ({
			label: modelLabel(key),
			tokensPerSecond: s.sum / s.count,
			answers: s.answers
		}))
		.sort((a, b) => b.tokensPerSecond - a.tokensPerSecond);

	const answers = sum(rollups, (r) => r.answers);
	const errors = sum(rollups, (r) => r.errors);
	const codes = new Map<string, number>();
	for (const r of rollups) {
		for (const [code, n] of Object.entries(r.errorCodes))
			codes.set(code, (codes.get(code) ?? 0) + n);
	}
	const errorsByCode = [...codes]
		.map(([code, count]) => ({ code, count, rate: answers ? count / answers : 0 }))
		.sort((a, b) => b.count - a.count);

	const tools = new Map<string, { calls: number; ok: number }>();
	for (const r of rollups) {
		for (const [tool, t] of Object.entries(r.tools)) {
			const x = tools.get(tool) ?? { calls: 0, ok: 0 };
			x.calls += t.calls;
			x.ok += t.ok;
			tools.set(tool, x);
		}
	}
	const toolsByName = [...tools]
		.map(([tool, t]) => ({ tool, calls: t.calls, ok: t.ok, rate: t.calls ? t.ok / t.calls : 0 }))
		.sort((a, b) => b.calls - a.calls);

	const feedbackByDay = new Map<string, { up: number; down: number }>();
	for (const f of feedback) {
		const d = feedbackByDay.get(f.day) ?? { up: 0, down: 0 };
		d[f.rating]++;
		feedbackByDay.set(f.day, d);
	}
	const feedbackPerDay = days.map((day) => {
		const d = feedbackByDay.get(day) ?? { up: 0, down: 0 };
		return { day, ...d, score: d.up + d.down ? d.up / (d.up + d.down) : null };
	});
	const up = feedback.filter((f) => f.rating === 'up').length;
	const down = feedback.length - up;

	const first = merged(rollups, (r) => r.firstToken);
	const total = merged(rollups, (r) => r.total);
	const toolCalls = [...tools.values()].reduce((n, t) => n + t.calls, 0);
	const toolOk = [...tools.values()].reduce((n, t) => n + t.ok, 0);
	const features = Object.fromEntries(
		FEATURE_NAMES.map((name) => [name, sum(rollups, (r) => r.features[name])])
	) as Record<FeatureName, number>;
	return {
		days,
		answersPerDay,
		firstTokenPerDay,
		speedByModel,
		errorsByCode,
		toolsByName,
		feedbackPerDay,
		totals: {
			answers,
			errors,
			errorRate: answers ? errors / answers : null,
			firstTokenP50: histogramPercentile(first, 50),
			firstTokenP95: histogramPercentile(first, 95),
			totalP50: histogramPercentile(total, 50),
			totalP95: histogramPercentile(total, 95),
			promptTokens: sum(rollups, (r) => r.promptTokens),
			completionTokens: sum(rollups, (r) => r.completionTokens),
			cachedTokens: sum(rollups, (r) => r.cachedTokens),
			toolCalls,
			toolSuccessRate: toolCalls ? toolOk / toolCalls : null,
			up,
			down,
			feedbackScore: feedback.length ? up / feedback.length : null
		},
		features,
		complaints: feedback
			.filter((f) => f.rating === 'down')
			.sort((a, b) => b.at - a.at)
			.slice(0, 20)
	};
}

function csvCell(value: string | number | null | undefined): string {
	if (value === null || value === undefined) return '';
	const text = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : value;
	// Quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula.
	const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
	return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(
	header: readonly string[],
	rows: readonly (readonly (string | number | null | undefined)[])[]
): string {
	return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The filtered rollups as CSV, one row per day and model. */
export function rollupsCsv(
	allRollups: readonly DayRollup[],
	allFeedback: readonly Feedback[],
	filter: DashboardFilter
): string {
	const wanted = new Set(filter.models);
	const rows = allRollups
		.filter((r) => r.day >= filter.from && r.day <= filter.to)
		.filter((r) => wanted.size === 0 || wanted.has(modelKey(r.engine, r.model)))
		.sort((a, b) => a.day.localeCompare(b.day) || a.key.localeCompare(b.key))
		.map((r) => {
			const votes = allFeedback.filter(
				(f) => f.day === r.day && f.engine === r.engine && f.model === r.model
			);
			const tools = Object.values(r.tools);
			return [
				r.day,
				r.engine,
				r.model,
				r.answers,
				r.errors,
				r.stopped,
				histogramPercentile(r.firstToken, 50),
				histogramPercentile(r.firstToken, 95),
				histogramPercentile(r.total, 50),
				histogramPercentile(r.total, 95),
				r.speed.count ? r.speed.sum / r.speed.count : null,
				r.promptTokens,
				r.completionTokens,
				r.cachedTokens,
				tools.reduce((n, t) => n + t.calls, 0),
				tools.reduce((n, t) => n + t.ok, 0),
				r.features.voice,
				r.features.images,
				r.features.knowledge,
				r.features.memory,
				votes.filter((f) => f.rating === 'up').length,
				votes.filter((f) => f.rating === 'down').length
			];
		});
	return toCsv(
		[
			'day',
			'engine',
			'model',
			'answers',
			'errors',
			'stopped',
			'first_token_p50_ms',
			'first_token_p95_ms',
			'total_p50_ms',
			'total_p95_ms',
			'tokens_per_second',
			'prompt_tokens',
			'completion_tokens',
			'cached_prompt_tokens',
			'tool_calls',
			'tool_calls_ok',
			'voice',
			'images',
			'knowledge',
			'memory',
			'thumbs_up',
			'thumbs_down'
		],
		rows
	);
}
