import { describe, expect, it } from 'vitest';
import type { BudgetInput, BudgetPlan, OverflowPlan } from '$lib/agent/context-budget';
import {
	overflowError,
	planContext,
	SUMMARY_HEADING,
	systemWithSummary
} from '$lib/agent/context-budget';
import type { ChatMessage } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import { estimateEachMessage } from '$lib/utils/tokens';

/** One token per character keeps the arithmetic in these tests readable. */
const byLength = (messages: ChatMessage[]): number[] => messages.map((m) => m.content.length);

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const system: ChatMessage = { role: 'system', content: 'S'.repeat(10) };

/** u0 a0 u1 a1 … plus a new user message: each turn `size` tokens. */
function thread(pairs: number, size = 100): ChatMessage[] {
	const turns: ChatMessage[] = [];
	for (let i = 0; i < pairs; i++) {
		turns.push(user(`${i}`.padEnd(size, 'u')), assistant(`${i}`.padEnd(size, 'a')));
	}
	turns.push(user('new'.padEnd(size, 'n')));
	return turns;
}

function input(overrides: Partial<BudgetInput>): BudgetInput {
	return {
		system,
		summary: null,
		turns: thread(3),
		contextWindow: 10_000,
		reserveForAnswer: 1000,
		count: byLength,
		...overrides
	};
}

function expectKind<K extends BudgetPlan['kind']>(
	plan: BudgetPlan,
	kind: K
): Extract<BudgetPlan, { kind: K }> {
	expect(plan.kind).toBe(kind);
	return plan as Extract<BudgetPlan, { kind: K }>;
}

describe('planContext', () => {
	it('sends everything when it fits', async () => {
		const turns = thread(3);
		const plan = expectKind(await planContext(input({ turns })), 'fits');
		expect(plan.messages).toEqual([system, ...turns]);
		expect(plan.tokens).toBe(10 + 7 * 100);
		expect(plan.summarizedTurns).toBe(0);
		expect(plan.omittedTurns).toBe(0);
	});

	it('asks to summarise the oldest turns when they do not fit', async () => {
		const turns = thread(5); // 11 turns of 100
		// available 900 = 10 system + 100 new + 790 room; summary budget 316 leaves 474: 2 pairs.
		const plan = expectKind(
			await planContext(input({ turns, contextWindow: 1200, reserveForAnswer: 300 })),
			'summarize'
		);
		expect(plan.keepFrom).toBe(6);
		expect(plan.toSummarize).toEqual(turns.slice(0, 6));
		expect(plan.previousSummary).toBeNull();
		expect(plan.summaryBudget).toBe(316);
	});

	it('sends a summary inside the system message, right after the prompt', async () => {
		const turns = thread(5);
		const summary = { text: 'Talked about Lisbon.', coversCount: 6 };
		const plan = expectKind(
			await planContext(input({ turns, summary, contextWindow: 1200, reserveForAnswer: 300 })),
			'fits'
		);
		expect(plan.messages[0]).toEqual({
			role: 'system',
			content: `${system.content}\n\n${SUMMARY_HEADING} Talked about Lisbon.`
		});
		expect(plan.messages.slice(1)).toEqual(turns.slice(6));
		expect(plan.summarizedTurns).toBe(6);
		expect(plan.tokens).toBe(plan.messages[0]!.content.length + 5 * 100);
	});

	it('makes the summary the system message when there is no prompt', async () => {
		const summary = { text: 'Earlier: budget €600.', coversCount: 2 };
		const plan = expectKind(await planContext(input({ system: null, summary })), 'fits');
		expect(plan.messages[0]).toEqual({
			role: 'system',
			content: `${SUMMARY_HEADING} Earlier: budget €600.`
		});
		expect(systemWithSummary(null, null)).toBeNull();
	});

	it('rolls the previous summary into a new one as the thread grows', async () => {
		const turns = thread(8); // 17 turns
		const summary = { text: 'Old summary.', coversCount: 4 };
		const plan = expectKind(
			await planContext(input({ turns, summary, contextWindow: 1200, reserveForAnswer: 300 })),
			'summarize'
		);
		expect(plan.previousSummary).toBe('Old summary.');
		expect(plan.toSummarize).toEqual(turns.slice(4, plan.keepFrom));
		expect(plan.keepFrom).toBe(12);
	});

	it('asks to shorten a summary that no longer fits even with no old turns left', async () => {
		const turns = thread(2);
		const summary = { text: 'x'.repeat(700), coversCount: 2 };
		const plan = expectKind(
			await planContext(input({ turns, summary, contextWindow: 1200, reserveForAnswer: 300 })),
			'summarize'
		);
		expect(plan.toSummarize).toEqual([]);
		expect(plan.keepFrom).toBe(2);
		expect(plan.previousSummary).toBe('x'.repeat(700));
	});

	it('reports overflow when the prompt and the new message alone do not fit', async () => {
		const turns = [user('hi'), assistant('hello'), user('x'.repeat(9790))];
		const plan = expectKind(
			await planContext(input({ turns, contextWindow: 4096, reserveForAnswer: 1024 })),
			'overflow'
		);
		expect(plan).toEqual({
			kind: 'overflow',
			needed: 9800,
			available: 3072,
			contextWindow: 4096,
			systemTokens: 10
		});
	});

	it('keeps user/assistant pairs whole', async () => {
		// Room for 250 tokens of history: the newest pair (200) fits, the next assistant alone
		// (100) would too, but not without its question.
		const turns = thread(3);
		const plan = expectKind(
			await planContext(input({ turns, system: null, contextWindow: 350, reserveForAnswer: 0 }), {
				allowSummary: false
			}),
			'fits'
		);
		expect(plan.messages).toEqual(turns.slice(4));
		expect(plan.omittedTurns).toBe(4);
		expect(plan.messages[0]!.role).toBe('user');
	});

	it('leaves turns out, and says so, when summarising is not allowed', async () => {
		const turns = thread(5);
		const summary = { text: 's'.repeat(50), coversCount: 2 };
		const plan = expectKind(
			await planContext(input({ turns, summary, contextWindow: 600, reserveForAnswer: 0 }), {
				allowSummary: false
			}),
			'fits'
		);
		// The summary that fits is kept; the gap after it is reported.
		expect(plan.summarizedTurns).toBe(2);
		expect(plan.omittedTurns).toBe(4);
		expect(plan.messages.slice(1)).toEqual(turns.slice(6));
		expect(plan.tokens).toBeLessThanOrEqual(600);
	});

	it('does not ask for a summary when there is no room for one', async () => {
		const turns = thread(2);
		const plan = expectKind(
			await planContext(input({ turns, contextWindow: 130, reserveForAnswer: 0 })),
			'fits'
		);
		expect(plan.messages).toEqual([system, turns[4]]);
		expect(plan.omittedTurns).toBe(4);
	});

	it('accepts an asynchronous count, called once', async () => {
		let calls = 0;
		const count = async (messages: ChatMessage[]): Promise<number[]> => {
			calls++;
			await new Promise((r) => setTimeout(r, 1));
			return byLength(messages);
		};
		const plan = expectKind(await planContext(input({ count })), 'fits');
		expect(plan.tokens).toBe(710);
		expect(calls).toBe(1);
	});

	it('rejects a count function that answers for the wrong number of messages', async () => {
		await expect(planContext(input({ count: () => [1] }))).rejects.toBeInstanceOf(HearthError);
	});

	it('never plans beyond the window, for random histories', async () => {
		const random = mulberry32(42);
		const seen = { fits: 0, summarize: 0, overflow: 0 };
		const word = () =>
			'lorem ipsum dolor sit amet, consectetur 42 '.slice(0, (1 + random() * 40) | 0);
		for (let trial = 0; trial < 300; trial++) {
			const turns: ChatMessage[] = [];
			const length = 1 + Math.floor(random() * 30);
			for (let i = 0; i < length; i++) {
				const role = i === length - 1 || random() < 0.5 ? 'user' : 'assistant';
				turns.push({ role, content: Array.from({ length: random() * 80 }, word).join('') });
			}
			const withSystem = random() < 0.7;
			const covers = random() < 0.3 ? Math.floor(random() * length) : 0;
			const budget: BudgetInput = {
				system: withSystem ? { role: 'system', content: 'Be helpful and brief.' } : null,
				summary: covers > 0 ? { text: word().repeat(20), coversCount: covers } : null,
				turns,
				contextWindow: 256 + Math.floor(random() * 4096),
				reserveForAnswer: Math.floor(random() * 512),
				count: estimateEachMessage
			};
			const available = budget.contextWindow - budget.reserveForAnswer;
			const plan = await planContext(budget);
			seen[plan.kind]++;
			if (plan.kind === 'fits') {
				expect(plan.tokens).toBeLessThanOrEqual(available);
				const sent = estimateEachMessage(plan.messages).reduce((a, b) => a + b, 0);
				expect(plan.tokens).toBe(sent);
				expect(plan.messages[plan.messages.length - 1]).toBe(turns[length - 1]);
				if (withSystem) expect(plan.messages[0]!.content).toMatch(/^Be helpful and brief\./);
				const kept = plan.messages.filter((m) => turns.includes(m));
				expect(kept).toEqual(turns.slice(length - kept.length));
			} else if (plan.kind === 'summarize') {
				expect(plan.keepFrom).toBeGreaterThanOrEqual(covers);
				expect(plan.keepFrom).toBeLessThan(length);
				expect(plan.toSummarize.length > 0 || plan.previousSummary !== null).toBe(true);
				const first = turns[plan.keepFrom]!;
				if (plan.keepFrom < length - 1) expect(first.role).toBe('user');
			} else {
				expect(plan.needed).toBeGreaterThan(plan.available);
			}
		}
		// The trials reach every kind of plan, so the checks above all ran.
		expect(Math.min(seen.fits, seen.summarize, seen.overflow)).toBeGreaterThan(10);
	});
});

describe('overflowError', () => {
	const plan: OverflowPlan = {
		kind: 'overflow',
		needed: 9812,
		available: 3072,
		contextWindow: 4096,
		systemTokens: 12
	};

	it('says how big the message is and what the model holds', () => {
		const error = overflowError(plan, 'Qwen2.5 1.5B');
		expect(error).toBeInstanceOf(HearthError);
		expect(error.code).toBe('context_overflow');
		expect(error.message).toBe(
			'Your message is about 9,800 tokens; Qwen2.5 1.5B holds 4,096. Shorten it or pick a model with a larger context window.'
		);
	});

	it('explains the room kept for the answer when the message alone would fit', () => {
		const error = overflowError({ ...plan, needed: 3512 }, 'Qwen2.5 1.5B');
		expect(error.message).toBe(
			'Your message is about 3,500 tokens; Qwen2.5 1.5B holds 4,096, and about 1,000 of that must stay free for the answer. Shorten it or pick a model with a larger context window.'
		);
	});

	it('names a large system prompt as part of the problem', () => {
		const error = overflowError({ ...plan, needed: 5000, systemTokens: 3000 }, 'Phi 3');
		expect(error.message).toMatch(/^Your message and the system prompt come to about 5,000 tokens/);
	});
});

/** A small seeded generator: random trials that fail can be replayed. */
function mulberry32(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
