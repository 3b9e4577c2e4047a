// Turning a settled answer into a metric row. Plain functions: the conversation service records,
// a store (Dexie in the browser) keeps; the day's rollup is rollup.ts, loaded with the store.
import type { AnswerFeatures, AnswerMetric } from '$lib/metrics/types';
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
