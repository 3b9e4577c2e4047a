import { planWithSummary, engineSummarizer } from '$lib/agent/summary';
import { untrustedOrigins } from '$lib/agent/untrusted-origins';
import type { ContextSummary } from '$lib/agent/context-budget';
import type { ChatMessage, LlmEngine } from '$lib/engine/types';
import type { ContextNote, ConversationSummary, Message } from '$lib/types/chat';
import type { ReasoningOptions } from '$lib/utils/reasoning';
import { requestTurns, type Visual } from '$lib/utils/thread';
import {
	MESSAGE_OVERHEAD_TOKENS,
	REPLY_PRIMER_TOKENS,
	estimateEachMessage,
	type TokenCalibration
} from '$lib/utils/tokens';

/**
 * Below this share of the window (by the calibrated estimate) an exact count cannot change the
 * plan, so engines that count whole prompts are not asked: estimates err by far less than half.
 */
const EXACT_COUNT_FROM = 0.5;

/**
 * Up to this share of the window, the history's length from the last answer's reported prompt
 * (plus the estimated new turns) is trusted; beyond it, at the very edge, the engine counts.
 */
const REPORTED_TRUSTED_UP_TO = 0.85;

/** Used when an engine does not say how long its window is (Ollama's default num_ctx). */
export const DEFAULT_CONTEXT_WINDOW = 4096;

export interface HistoryInput {
	/** The visible branch, oldest first, ending with the message to answer (or to continue). */
	thread: readonly Message[];
	systemPrompt: string;
	/** The conversation's stored rolling summary, if any. */
	stored: ConversationSummary | undefined;
	engine: LlmEngine;
	model: string;
	/** e.g. "Qwen2.5 1.5B", for the overflow message. */
	modelLabel: string;
	contextWindow: number;
	maxTokens: number;
	reasoning: ReasoningOptions;
	/** Corrects estimates with what the engine reported last time (when it has no tokenizer). */
	calibration?: TokenCalibration;
	signal?: AbortSignal;
	/** Per message id: its images for a vision model, or the words standing in for them. */
	visuals?: ReadonlyMap<string, Visual>;
}

export interface PreparedHistory {
	messages: ChatMessage[];
	/** The summary to store for the next turn: undefined = keep the stored one, null = drop it. */
	summary: ConversationSummary | null | undefined;
	/** Set when older turns were summarized or left out for this answer. */
	note?: ContextNote;
	/** True when the counts were estimates (calibrate them with the reported prompt tokens). */
	estimated: boolean;
}

/**
 * The history an engine gets for one answer: failed and empty answers and every reasoning block
 * left out; older turns replaced by a rolling summary when the window is too small (the model
 * writes it); a context_overflow HearthError when even the newest message cannot fit.
 */
export async function prepareHistory(input: HistoryInput): Promise<PreparedHistory> {
	const turns = requestTurns(input.thread, input.reasoning, input.visuals);
	const system = input.systemPrompt.trim()
		? { role: 'system' as const, content: input.systemPrompt.trim() }
		: null;

	const { engine, model } = input;
	const tokenizer = engine.countTokens?.bind(engine);
	let estimated = !tokenizer;
	const count = async (messages: ChatMessage[]): Promise<number[]> => {
		if (tokenizer && !estimated) {
			try {
				const counts = await tokenizer(
					model,
					messages.map((m) => m.content),
					input.signal
				);
				return counts.map((n) => n + MESSAGE_OVERHEAD_TOKENS);
			} catch {
				estimated = true; // the engine cannot count right now: estimate from here on
			}
		}
		const estimates = estimateEachMessage(messages);
		const adjusted = input.calibration
			? estimates.map((n) => input.calibration!.adjust(n))
			: estimates;
		const ratio = await exactRatio();
		return ratio === undefined ? adjusted : adjusted.map((n) => Math.ceil(n * ratio));
	};

	// An engine that counts whole prompts (llama.cpp) is asked once, and only near the window's
	// edge: the estimates are then scaled so that the whole history sums to its exact count.
	const countPrompt = engine.countPrompt?.bind(engine);
	let ratioAsked: Promise<number | undefined> | undefined;
	const exactRatio = (): Promise<number | undefined> => {
		if (!countPrompt || !estimated) return Promise.resolve(undefined);
		ratioAsked ??= (async () => {
			const all = [...(system ? [system] : []), ...turns.map((t) => t.message)];
			const each = estimateEachMessage(all).map((n) => input.calibration?.adjust(n) ?? n);
			const estimate = each.reduce((a, b) => a + b, REPLY_PRIMER_TOKENS);
			if (estimate < input.contextWindow * EXACT_COUNT_FROM) return undefined;
			// The engine already said how long most of this history is: the last answer's prompt
			// plus its own tokens. Counting again would make llama.cpp prefill the prompt twice.
			const reported = reportedLength(input, turns, each.slice(system ? 1 : 0));
			if (reported !== undefined && reported < input.contextWindow * REPORTED_TRUSTED_UP_TO) {
				const ratio = reported / estimate;
				if (ratio > 0.5 && ratio < 2) return ratio;
			}
			try {
				const exact = await countPrompt(model, all, input.signal);
				counted = true;
				return exact / estimate;
			} catch {
				return undefined;
			}
		})();
		return ratioAsked;
	};
	let counted = false;

	const planned = await planWithSummary(
		{
			system,
			summary: validSummary(input.stored, turns),
			turns: turns.map((t) => t.message),
			contextWindow: input.contextWindow,
			reserveForAnswer: Math.min(input.maxTokens, Math.floor(input.contextWindow / 4)),
			count
		},
		engineSummarizer(engine, model, input.signal, input.reasoning),
		{ modelLabel: input.modelLabel }
	);

	const base = validSummary(input.stored, turns) ? input.stored : undefined;
	const summary = marked(toStored(planned.summary, turns), input, base?.untrusted);
	const changed =
		summary?.text !== input.stored?.text ||
		summary?.throughId !== input.stored?.throughId ||
		summary?.untrusted?.join('\n') !== input.stored?.untrusted?.join('\n');
	const note =
		planned.summarizedTurns > 0 || planned.omittedTurns > 0
			? {
					summarizedTurns: planned.summarizedTurns,
					omittedTurns: planned.omittedTurns,
					contextWindow: input.contextWindow,
					promptTokens: planned.tokens
				}
			: undefined;
	return {
		messages: planned.messages,
		summary: changed ? summary : undefined,
		...(note ? { note } : {}),
		estimated: estimated && !counted
	};
}

/**
 * The prompt length of this history by the engine's own count: the last answer's reported prompt
 * and completion tokens, plus the estimates of the turns after it. Only a one-call answer from
 * this model whose prompt held every turn before it (nothing summarized or left out) can say; the system
 * prompt may have changed a little since (memories, the time), which the margin above absorbs.
 * @param estimates the calibrated estimate of each turn, in the order of `turns`
 */
function reportedLength(
	input: Pick<HistoryInput, 'thread' | 'model'>,
	turns: readonly { id: string }[],
	estimates: readonly number[]
): number | undefined {
	for (let i = turns.length - 1; i >= 0; i--) {
		const message = input.thread.find((m) => m.id === turns[i]?.id);
		if (message?.role !== 'assistant') continue;
		const { usage } = message;
		// An answer that called tools or was revised came from several prompts: its usage is theirs.
		const oneCall = !message.toolCalls?.length && !message.revision && !message.review;
		if (!usage || usage.promptTokens <= 0 || message.context || !oneCall) return undefined;
		if (message.model !== undefined && message.model !== input.model) return undefined;
		const after = estimates.slice(i + 1).reduce((a, b) => a + b, REPLY_PRIMER_TOKENS);
		return usage.promptTokens + usage.completionTokens + after;
	}
	return undefined;
}

/** A stored summary applies only while this branch still holds the message it ends with. */
function validSummary(
	stored: ConversationSummary | undefined,
	turns: readonly { id: string }[]
): ContextSummary | null {
	if (!stored || stored.coversCount < 1) return null;
	if (turns[stored.coversCount - 1]?.id !== stored.throughId) return null;
	return { text: stored.text, coversCount: stored.coversCount };
}

/**
 * The summary with the mark of the untrusted text in the turns it covers, and in the summary it
 * was folded from (`earlier`): the model wrote it from them and the fence is gone, so whoever
 * reads it later must know (ConversationSummary.untrusted).
 */
function marked(
	summary: ConversationSummary | null,
	input: Pick<HistoryInput, 'thread' | 'visuals'>,
	earlier: readonly string[] | undefined
): ConversationSummary | null {
	if (!summary) return null;
	const end = input.thread.findIndex((m) => m.id === summary.throughId);
	const covered = end < 0 ? input.thread : input.thread.slice(0, end + 1);
	const untrusted = untrustedOrigins({
		thread: covered,
		visuals: input.visuals,
		summary: { untrusted: earlier ? [...earlier] : undefined }
	});
	return untrusted.length > 0 ? { ...summary, untrusted } : summary;
}

function toStored(
	summary: ContextSummary | null,
	turns: readonly { id: string }[]
): ConversationSummary | null {
	if (!summary) return null;
	const through = turns[summary.coversCount - 1];
	return through
		? { text: summary.text, coversCount: summary.coversCount, throughId: through.id }
		: null;
}
