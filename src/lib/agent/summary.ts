import type { BudgetInput, BudgetPlan, ContextSummary } from '$lib/agent/context-budget';
import { overflowError, planContext } from '$lib/agent/context-budget';
import type { ChatMessage, LlmEngine } from '$lib/engine/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { ReasoningOptions } from '$lib/utils/reasoning';
import { stripReasoning } from '$lib/utils/reasoning';

export const SUMMARY_INSTRUCTIONS = [
	'You keep notes on a conversation between a user and an assistant so it can go on later.',
	'Write a concise, factual summary in plain sentences, in the language of the conversation.',
	'Keep names, numbers, dates, decisions, open questions and what the user said they want',
	'or prefer. Leave out greetings and filler. Do not invent anything. Reply with the summary only.'
].join(' ');

const DEFAULT_SUMMARY_TOKENS = 400;
/** Instructions, role markers and headings around the transcript, generously counted. */
const SUMMARY_PROMPT_OVERHEAD = 256;
const MIN_CHUNK_TOKENS = 64;

/** Turns in → summary out, at most `maxTokens` long. Throws a HearthError on failure. */
export type Summarizer = (
	turns: ChatMessage[],
	previousSummary: string | null,
	maxTokens: number
) => Promise<string>;

function transcript(turns: ChatMessage[], previousSummary: string | null): string {
	const parts: string[] = [];
	if (previousSummary) parts.push(`Summary so far:\n${previousSummary}`);
	if (turns.length > 0) {
		const lines = turns.map((t) => {
			const who = t.role === 'user' ? 'User' : t.role === 'assistant' ? 'Assistant' : 'System';
			return `${who}: ${t.role === 'assistant' ? stripReasoning(t.content) : t.content}`;
		});
		parts.push(
			`${previousSummary ? 'Messages since then' : 'Conversation'}:\n${lines.join('\n\n')}`
		);
		parts.push(previousSummary ? 'Write the updated summary.' : 'Write the summary.');
	} else {
		parts.push('Rewrite this summary more briefly, keeping every fact that matters.');
	}
	return parts.join('\n\n');
}

/** Asks the model for a rolling summary of `turns`, folded into `previousSummary`. */
export async function summarizeTurns(
	engine: LlmEngine,
	model: string,
	turns: ChatMessage[],
	previousSummary: string | null,
	signal?: AbortSignal,
	options: { maxTokens?: number; reasoning?: ReasoningOptions } = {}
): Promise<string> {
	const request = {
		model,
		messages: [
			{ role: 'system' as const, content: SUMMARY_INSTRUCTIONS },
			{ role: 'user' as const, content: transcript(turns, previousSummary) }
		],
		options: { temperature: 0.2, maxTokens: options.maxTokens ?? DEFAULT_SUMMARY_TOKENS }
	};
	let raw = '';
	try {
		for await (const delta of engine.chat(request, signal)) {
			if (delta.type === 'text') raw += delta.text;
		}
	} catch (e) {
		throw toHearthError(e);
	}
	const summary = stripReasoning(raw, options.reasoning).trim();
	if (!summary) throw new HearthError('engine_malformed', 'The model gave an empty summary.');
	return summary;
}

/** A Summarizer for planWithSummary that asks `engine`. */
export function engineSummarizer(
	engine: LlmEngine,
	model: string,
	signal?: AbortSignal,
	reasoning?: ReasoningOptions
): Summarizer {
	return (turns, previousSummary, maxTokens) =>
		summarizeTurns(engine, model, turns, previousSummary, signal, { maxTokens, reasoning });
}

export interface PlannedContext {
	/** What to send: the system prompt (with the summary appended), then the kept turns. */
	messages: ChatMessage[];
	/** The summary in use, to store for the next turn; null when none is sent. */
	summary: ContextSummary | null;
	summarizedTurns: number;
	/** Turns left out with no summary (summarising failed or had no room). */
	omittedTurns: number;
	tokens: number;
	/** Why older turns were left out instead of summarised. */
	summaryError?: HearthError;
}

export interface PlanWithSummaryOptions {
	/** Names the model in the overflow error, e.g. "Qwen2.5 1.5B". */
	modelLabel: string;
	/** Summaries that still do not fit are summarised again at most this often. */
	maxRounds?: number;
}

/** A long turn cut in the middle so it fits `budget` tokens of a summary request. */
function shorten(turn: ChatMessage, tokens: number, budget: number): ChatMessage {
	const keep = Math.floor((turn.content.length * budget * 0.9) / tokens);
	const head = Math.ceil((keep * 2) / 3);
	const tail = keep - head;
	const content = `${turn.content.slice(0, head)}\n[…]\n${tail > 0 ? turn.content.slice(-tail) : ''}`;
	return { ...turn, content };
}

/**
 * Folds `plan.toSummarize` into the summary in chunks, each small enough that the summary request
 * itself fits the window (a long thread opened with a small model would overflow it otherwise).
 */
async function summarizeInChunks(
	input: BudgetInput,
	plan: Extract<BudgetPlan, { kind: 'summarize' }>,
	summarize: Summarizer,
	maxTokens: number
): Promise<string> {
	let summary = plan.previousSummary;
	if (plan.toSummarize.length === 0) return summarize([], summary, maxTokens);
	const tokens = await input.count(plan.toSummarize);
	let start = 0;
	while (start < plan.toSummarize.length) {
		const previous = summary
			? ((await input.count([{ role: 'user', content: summary }]))[0] ?? 0)
			: 0;
		const budget = Math.max(
			MIN_CHUNK_TOKENS,
			input.contextWindow - maxTokens - SUMMARY_PROMPT_OVERHEAD - previous
		);
		const chunk: ChatMessage[] = [];
		let used = 0;
		for (let i = start; i < plan.toSummarize.length; i++) {
			const t = tokens[i] ?? 0;
			if (chunk.length > 0 && used + t > budget) break;
			const turn = plan.toSummarize[i]!;
			chunk.push(t > budget ? shorten(turn, t, budget) : turn);
			used += t;
		}
		summary = await summarize(chunk, summary, maxTokens);
		start += chunk.length;
	}
	return summary ?? '';
}

/**
 * Plans the context, summarising older turns as the plan asks, until it fits. Throws
 * HearthError('context_overflow') when even the newest message does not fit, and 'aborted' when
 * stopped; any other summarising failure falls back to leaving older turns out, reported.
 */
export async function planWithSummary(
	input: BudgetInput,
	summarize: Summarizer,
	options: PlanWithSummaryOptions
): Promise<PlannedContext> {
	let summary = input.summary;
	let summaryError: HearthError | undefined;
	for (let round = 0; round < (options.maxRounds ?? 3); round++) {
		const plan = await planContext({ ...input, summary });
		if (plan.kind === 'overflow') throw overflowError(plan, options.modelLabel);
		if (plan.kind === 'fits') return planned(plan, summary);
		// Our count may run above the engine's, which enforces maxTokens: leave a margin.
		const maxTokens = Math.max(16, Math.floor(plan.summaryBudget * 0.75) - 16);
		try {
			const text = await summarizeInChunks(input, plan, summarize, maxTokens);
			summary = { text, coversCount: plan.keepFrom };
		} catch (e) {
			const error = toHearthError(e);
			if (error.code === 'aborted') throw error;
			summaryError = error;
			break;
		}
	}
	const plan = await planContext({ ...input, summary }, { allowSummary: false });
	if (plan.kind === 'overflow') throw overflowError(plan, options.modelLabel);
	if (plan.kind !== 'fits')
		throw new HearthError('unknown', 'Planning the context did not settle.');
	return { ...planned(plan, summary), ...(summaryError ? { summaryError } : {}) };
}

function planned(
	plan: Extract<BudgetPlan, { kind: 'fits' }>,
	summary: ContextSummary | null
): PlannedContext {
	return {
		messages: plan.messages,
		summary:
			plan.summarizedTurns > 0 && summary
				? { text: summary.text, coversCount: plan.summarizedTurns }
				: null,
		summarizedTurns: plan.summarizedTurns,
		omittedTurns: plan.omittedTurns,
		tokens: plan.tokens
	};
}
