// Turning a settled answer into a metric row, and a row into its day's rollup. Plain functions:
// the conversation service records, a store (Dexie in the browser) keeps.
import { addSample, emptyHistogram } from '$lib/metrics/histogram';
import type { AnswerFeatures, AnswerMetric, DayRollup, ToolTally } from '$lib/metrics/types';
import { FEATURE_NAMES } from '$lib/metrics/types';
import type { Message } from '$lib/types/chat';

/** YYYY-MM-DD of `at` in `timeZone` (the device's own by default). */
export function dayOf(at: number, timeZone?: string): string {
	// en-CA writes dates as YYYY-MM-DD.
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(at);
}

const MEMORY_TOOLS = new Set(['remember', 'forget', 'recall_conversations']);

/**
 * The metric of an answer as it settled. `asked` is the message it answers (its images count);
 * `voice` comes from the face, which alone knows a message was spoken.
 */
export function answerMetric(
	answer: Message,
	asked: Message | undefined,
	options: { voice?: boolean; at: number; id: string; timeZone?: string }
): AnswerMetric {
	const tools = (answer.toolCalls ?? []).map((c) => ({
		name: c.name,
		status: c.status,
		...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}),
		...(c.error ? { errorCode: c.error.code } : {})
	}));
	const features: AnswerFeatures = {
		voice: options.voice === true,
		images: (asked?.images?.length ?? 0) > 0,
		knowledge: tools.some((t) => t.name === 'search_knowledge'),
		memory: (answer.memories?.length ?? 0) > 0 || tools.some((t) => MEMORY_TOOLS.has(t.name))
	};
	const status =
		answer.status === 'error' ? 'error' : answer.status === 'done' ? 'done' : 'aborted';
	const t = answer.timings;
	const u = answer.usage;
	return {
		id: options.id,
		messageId: answer.id,
		at: options.at,
		day: dayOf(options.at, options.timeZone),
		engine: answer.engine ?? 'ollama',
		model: answer.model ?? 'unknown',
		...(answer.agent ? { agent: answer.agent.id } : {}),
		status,
		...(status === 'error' ? { errorCode: answer.error?.code ?? 'unknown' } : {}),
		...(t?.timeToFirstTokenMs !== undefined ? { firstTokenMs: t.timeToFirstTokenMs } : {}),
		...(t ? { totalMs: t.totalMs } : {}),
		...(u ? { promptTokens: u.promptTokens, completionTokens: u.completionTokens } : {}),
		...(u?.cachedPromptTokens !== undefined ? { cachedTokens: u.cachedPromptTokens } : {}),
		...(t?.decodeTokensPerSecond ? { tokensPerSecond: t.decodeTokensPerSecond } : {}),
		tools,
		features
	};
}

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
