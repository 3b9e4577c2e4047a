import type { ChatMessage } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';

/** A rolling summary of the oldest `coversCount` turns of the thread. */
export interface ContextSummary {
	text: string;
	coversCount: number;
}

export interface BudgetInput {
	/** The system prompt: always kept, always first. */
	system: ChatMessage | null;
	summary: ContextSummary | null;
	/** The visible thread without the system prompt, oldest first; the last is the new message. */
	turns: ChatMessage[];
	contextWindow: number;
	/** Tokens kept free for the answer, e.g. min(maxTokens, window / 4). */
	reserveForAnswer: number;
	/** Token count of each message, template overhead included (engine tokenizer or estimate). */
	count: (messages: ChatMessage[]) => number[] | Promise<number[]>;
}

export type BudgetPlan =
	| {
			kind: 'fits';
			messages: ChatMessage[];
			tokens: number;
			/** Turns stood in for by the summary (0 when none is sent). */
			summarizedTurns: number;
			/** Turns left out with no summary: only when summarising was not allowed or had no room. */
			omittedTurns: number;
	  }
	| {
			kind: 'summarize';
			/** Turns to fold into the summary (may be empty: then only the summary is too long). */
			toSummarize: ChatMessage[];
			/** Index into `turns` of the first turn kept verbatim: the new summary covers those before. */
			keepFrom: number;
			previousSummary: string | null;
			/** Tokens the new summary may take, its heading included, for the kept turns to fit. */
			summaryBudget: number;
	  }
	| {
			kind: 'overflow';
			/** System prompt plus the newest message. */
			needed: number;
			/** contextWindow − reserveForAnswer. */
			available: number;
			contextWindow: number;
			systemTokens: number;
	  };

export type OverflowPlan = Extract<BudgetPlan, { kind: 'overflow' }>;

export interface PlanOptions {
	/** false: never ask for a summary; leave out what does not fit and report it (omittedTurns). */
	allowSummary?: boolean;
}

export const SUMMARY_HEADING = 'Summary of the earlier conversation:';
/** Below this there is no room for a summary worth sending. */
export const MIN_SUMMARY_TOKENS = 32;
export const MAX_SUMMARY_TOKENS = 512;
/** Share of the free room a new summary may take; the rest keeps recent turns verbatim. */
const SUMMARY_SHARE = 0.4;

/**
 * The system message to send: the prompt with the summary appended. One message, not two:
 * web-llm rejects a system message anywhere but first, and some templates allow only one.
 */
export function systemWithSummary(
	system: ChatMessage | null,
	summary: string | null
): ChatMessage | null {
	if (summary === null) return system;
	const block = `${SUMMARY_HEADING} ${summary}`;
	return { role: 'system', content: system ? `${system.content}\n\n${block}` : block };
}

interface Block {
	start: number;
	tokens: number;
}

/** Turns [from, to) grouped so each block starts at a user message: pairs are kept whole. */
function blocksOf(turns: ChatMessage[], tokens: number[], from: number, to: number): Block[] {
	const blocks: Block[] = [];
	for (let i = from; i < to; i++) {
		const last = blocks[blocks.length - 1];
		if (last && turns[i]!.role !== 'user') last.tokens += tokens[i]!;
		else blocks.push({ start: i, tokens: tokens[i]! });
	}
	return blocks;
}

/** The newest blocks that fit in `room`, contiguous up to `end`: where the kept part starts. */
function keepNewest(blocks: Block[], room: number, end: number): number {
	let used = 0;
	let keepFrom = end;
	for (let b = blocks.length - 1; b >= 0; b--) {
		const block = blocks[b]!;
		if (used + block.tokens > room) break;
		used += block.tokens;
		keepFrom = block.start;
	}
	return keepFrom;
}

async function countAll(input: BudgetInput, probe: ChatMessage[]): Promise<number[]> {
	const counts = await input.count(probe);
	if (counts.length !== probe.length || !counts.every((c) => Number.isFinite(c) && c >= 0)) {
		throw new HearthError('unknown', 'Counting tokens gave an unusable answer.');
	}
	return counts;
}

/** Decides which history to send so that the prompt plus the answer fit the model's window. */
export async function planContext(
	input: BudgetInput,
	options: PlanOptions = {}
): Promise<BudgetPlan> {
	const { system, turns } = input;
	const n = turns.length;
	const last = Math.max(0, n - 1);
	// A summary never stands in for the newest message; one covering nothing is no summary.
	const covers = Math.min(Math.max(0, input.summary?.coversCount ?? 0), last);
	const summaryText = covers > 0 && input.summary ? input.summary.text : null;
	const merged = systemWithSummary(system, summaryText);

	const probe = [...(system ? [system] : []), ...(summaryText && merged ? [merged] : []), ...turns];
	const counts = await countAll(input, probe);
	let at = 0;
	const systemTokens = system ? counts[at++]! : 0;
	const mergedTokens = summaryText ? counts[at++]! : systemTokens;
	const turnTokens = counts.slice(at);
	const summaryTokens = Math.max(0, mergedTokens - systemTokens);

	const available = Math.max(0, input.contextWindow - input.reserveForAnswer);
	const needed = systemTokens + (n > 0 ? turnTokens[last]! : 0);
	if (needed > available) {
		return {
			kind: 'overflow',
			needed,
			available,
			contextWindow: input.contextWindow,
			systemTokens
		};
	}
	const room = available - needed;
	const blocks = blocksOf(turns, turnTokens, covers, last);
	const history = blocks.reduce((sum, b) => sum + b.tokens, 0);

	const fits = (keepFrom: number, withSummary: boolean): BudgetPlan => {
		const head = withSummary ? merged : system;
		const kept = turns.slice(keepFrom);
		const keptTokens = turnTokens.slice(keepFrom).reduce((a, b) => a + b, 0);
		return {
			kind: 'fits',
			messages: head ? [head, ...kept] : kept,
			tokens: (withSummary ? mergedTokens : systemTokens) + keptTokens,
			summarizedTurns: withSummary ? covers : 0,
			omittedTurns: keepFrom - (withSummary ? covers : 0)
		};
	};

	if (summaryText === null && history <= room) return fits(covers, false);
	if (summaryText !== null && summaryTokens + history <= room) return fits(covers, true);

	if (options.allowSummary === false || room < MIN_SUMMARY_TOKENS) {
		// Keep the summary we have if it fits: the gap after it is reported, not hidden.
		if (summaryText !== null && summaryTokens <= room) {
			return fits(keepNewest(blocks, room - summaryTokens, last), true);
		}
		return fits(keepNewest(blocks, room, last), false);
	}

	const summaryBudget = Math.min(
		MAX_SUMMARY_TOKENS,
		Math.max(MIN_SUMMARY_TOKENS, Math.floor(room * SUMMARY_SHARE))
	);
	const keepFrom = keepNewest(blocks, room - summaryBudget, last);
	return {
		kind: 'summarize',
		toSummarize: turns.slice(covers, keepFrom),
		keepFrom,
		previousSummary: summaryText,
		summaryBudget
	};
}

const en = new Intl.NumberFormat('en-US');

/** "about 9,800": exact counts would claim a precision estimates do not have. */
function about(tokens: number): string {
	const step = tokens >= 1000 ? 100 : 10;
	return en.format(Math.max(step, Math.round(tokens / step) * step));
}

/** The error to show when even the system prompt and the newest message do not fit. */
export function overflowError(plan: OverflowPlan, modelLabel: string): HearthError {
	const messageTokens = plan.needed - plan.systemTokens;
	const subject =
		plan.systemTokens >= 50 && plan.systemTokens > messageTokens / 4
			? `Your message and the system prompt come to about ${about(plan.needed)} tokens`
			: `Your message is about ${about(messageTokens)} tokens`;
	const window = en.format(plan.contextWindow);
	const reserve = plan.contextWindow - plan.available;
	const holds =
		plan.needed > plan.contextWindow || reserve <= 0
			? `${modelLabel} holds ${window}`
			: `${modelLabel} holds ${window}, and about ${about(reserve)} of that must stay free for the answer`;
	return new HearthError(
		'context_overflow',
		`${subject}; ${holds}. Shorten it or pick a model with a larger context window.`
	);
}
