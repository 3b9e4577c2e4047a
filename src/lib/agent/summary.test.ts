import { describe, expect, it } from 'vitest';
import type { BudgetInput } from '$lib/agent/context-budget';
import { SUMMARY_HEADING } from '$lib/agent/context-budget';
import type { Summarizer } from '$lib/agent/summary';
import { engineSummarizer, planWithSummary, summarizeTurns } from '$lib/agent/summary';
import { textEngine } from '$lib/agent/scripted-engine';
import type { ChatMessage } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import { estimateEachMessage } from '$lib/utils/tokens';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const byLength = (messages: ChatMessage[]): number[] => messages.map((m) => m.content.length);

function thread(pairs: number, size = 100): ChatMessage[] {
	const turns: ChatMessage[] = [];
	for (let i = 0; i < pairs; i++) {
		turns.push(user(`q${i} `.padEnd(size, 'u')), assistant(`a${i} `.padEnd(size, 'a')));
	}
	turns.push(user('new '.padEnd(size, 'n')));
	return turns;
}

describe('summarizeTurns', () => {
	const turns = [
		user('My name is Ana and I have €600 for Lisbon.'),
		assistant('<think>She wants a budget plan.</think>Great, Ana: three days fit that budget.')
	];

	it('asks for a factual summary of the turns, folding in the previous summary', async () => {
		const engine = textEngine(['Ana plans 3 days in Lisbon on €600.']);
		const signal = new AbortController().signal;
		const summary = await summarizeTurns(engine, 'm1', turns, 'Ana likes seafood.', signal);
		expect(summary).toBe('Ana plans 3 days in Lisbon on €600.');

		const request = engine.requests[0]!;
		expect(request.model).toBe('m1');
		expect(engine.signals[0]).toBe(signal);
		expect(request.options?.temperature).toBeLessThanOrEqual(0.3);
		expect(request.options?.maxTokens).toBeGreaterThan(0);
		expect(request.options?.maxTokens).toBeLessThanOrEqual(512);
		const [instructions, ask] = request.messages;
		expect(instructions!.role).toBe('system');
		expect(instructions!.content).toMatch(/names, numbers, dates, decisions, open questions/);
		expect(instructions!.content).toMatch(/prefer/);
		expect(ask!.content).toContain('Ana likes seafood.');
		expect(ask!.content).toContain('User: My name is Ana and I have €600 for Lisbon.');
		expect(ask!.content).toContain('Assistant: Great, Ana: three days fit that budget.');
		// The model's own reasoning is not summarised.
		expect(ask!.content).not.toContain('She wants a budget plan.');
	});

	it('passes maxTokens through', async () => {
		const engine = textEngine(['ok']);
		await summarizeTurns(engine, 'm', turns, null, undefined, { maxTokens: 77 });
		expect(engine.requests[0]!.options?.maxTokens).toBe(77);
		expect(engine.requests[0]!.messages[1]!.content).not.toContain('Summary so far');
	});

	it('strips reasoning from the summary', async () => {
		const engine = textEngine(['<think>\nLet me condense.\n</think>\n\nAna, €600.']);
		expect(await summarizeTurns(engine, 'm', turns, null)).toBe('Ana, €600.');
		const r1 = textEngine(['Condensing.\n</think>\nAna, €600.']);
		const options = { reasoning: { startsInReasoning: true } };
		expect(await summarizeTurns(r1, 'm', turns, null, undefined, options)).toBe('Ana, €600.');
	});

	it('asks for a shorter summary when given no turns', async () => {
		const engine = textEngine(['Short.']);
		await summarizeTurns(engine, 'm', [], 'A long summary.');
		expect(engine.requests[0]!.messages[1]!.content).toMatch(/more briefly/);
	});

	it("throws the engine's error", async () => {
		const failure = new HearthError('engine_unreachable', 'Ollama is not running.');
		const engine = textEngine([failure]);
		await expect(summarizeTurns(engine, 'm', turns, null)).rejects.toBe(failure);
	});

	it('fails on an empty summary (a reasoning model that ran out while thinking)', async () => {
		const engine = textEngine(['<think>Hmm, where to start']);
		await expect(summarizeTurns(engine, 'm', turns, null)).rejects.toMatchObject({
			code: 'engine_malformed'
		});
	});
});

function budget(overrides: Partial<BudgetInput>): BudgetInput {
	return {
		system: { role: 'system', content: 'Be brief.' },
		summary: null,
		turns: thread(5),
		contextWindow: 1200,
		reserveForAnswer: 300,
		count: byLength,
		...overrides
	};
}

interface Call {
	turns: ChatMessage[];
	previous: string | null;
	maxTokens: number;
}

function recorder(reply: (call: Call, n: number) => string): Summarizer & { calls: Call[] } {
	const calls: Call[] = [];
	const summarize = async (turns: ChatMessage[], previous: string | null, maxTokens: number) => {
		const call = { turns, previous, maxTokens };
		calls.push(call);
		return reply(call, calls.length);
	};
	return Object.assign(summarize, { calls });
}

describe('planWithSummary', () => {
	const options = { modelLabel: 'Qwen2.5 1.5B' };

	it('does not summarise what fits', async () => {
		const summarize = recorder(() => 'never');
		const turns = thread(2);
		const result = await planWithSummary(budget({ turns }), summarize, options);
		expect(summarize.calls).toHaveLength(0);
		expect(result.messages.slice(1)).toEqual(turns);
		expect(result).toMatchObject({ summary: null, summarizedTurns: 0, omittedTurns: 0 });
	});

	it('summarises the oldest turns and sends the summary after the system prompt', async () => {
		const turns = thread(5);
		const summarize = recorder(() => 'Earlier: q0–q2 answered.');
		const result = await planWithSummary(budget({ turns }), summarize, options);
		expect(summarize.calls).toHaveLength(1);
		const call = summarize.calls[0]!;
		expect(call.turns).toEqual(turns.slice(0, 6));
		expect(call.previous).toBeNull();
		expect(result.summary).toEqual({ text: 'Earlier: q0–q2 answered.', coversCount: 6 });
		expect(result.summarizedTurns).toBe(6);
		expect(result.messages[0]).toEqual({
			role: 'system',
			content: `Be brief.\n\n${SUMMARY_HEADING} Earlier: q0–q2 answered.`
		});
		expect(result.messages.slice(1)).toEqual(turns.slice(6));
		expect(result.tokens).toBeLessThanOrEqual(900);
	});

	it('rolls an existing summary forward with the next old turns', async () => {
		const turns = thread(8);
		const summary = { text: 'Old facts.', coversCount: 6 };
		const summarize = recorder(() => 'Old facts and newer ones.');
		const result = await planWithSummary(budget({ turns, summary }), summarize, options);
		expect(summarize.calls[0]!.previous).toBe('Old facts.');
		expect(summarize.calls[0]!.turns[0]).toBe(turns[6]);
		expect(result.summary!.text).toBe('Old facts and newer ones.');
		expect(result.summary!.coversCount).toBeGreaterThan(6);
		expect(result.messages[result.messages.length - 1]).toBe(turns[turns.length - 1]);
	});

	it('summarises again when the first summary comes back too long', async () => {
		const turns = thread(5);
		const summarize = recorder((_, n) => (n === 1 ? 'L'.repeat(2000) : 'Short now.'));
		const result = await planWithSummary(budget({ turns }), summarize, options);
		expect(summarize.calls).toHaveLength(2);
		expect(summarize.calls[1]!.previous).toBe('L'.repeat(2000));
		expect(result.summary!.text).toBe('Short now.');
		expect(result.tokens).toBeLessThanOrEqual(900);
	});

	it('gives the summariser a bound that fits the plan', async () => {
		const summarize = recorder(() => 'ok');
		await planWithSummary(budget({}), summarize, options);
		expect(summarize.calls[0]!.maxTokens).toBeGreaterThan(0);
		expect(summarize.calls[0]!.maxTokens).toBeLessThan(316);
	});

	it('throws context_overflow with numbers when the new message cannot fit', async () => {
		const turns = [user('x'.repeat(5000))];
		const promise = planWithSummary(
			budget({ turns, system: null }),
			recorder(() => ''),
			options
		);
		await expect(promise).rejects.toMatchObject({
			code: 'context_overflow',
			message: expect.stringMatching(/about 5,000 tokens; Qwen2\.5 1\.5B holds 1,200/)
		});
	});

	it('leaves old turns out, and says why, when summarising fails', async () => {
		const turns = thread(5);
		const failure = new HearthError('engine_http', 'The server failed.');
		const summarize: Summarizer = async () => {
			throw failure;
		};
		const result = await planWithSummary(budget({ turns }), summarize, options);
		expect(result.summaryError).toBe(failure);
		expect(result.summary).toBeNull();
		expect(result.omittedTurns).toBeGreaterThan(0);
		expect(result.messages.slice(1)).toEqual(turns.slice(result.omittedTurns));
		expect(result.tokens).toBeLessThanOrEqual(900);
	});

	it('stops when the summary is aborted', async () => {
		const summarize: Summarizer = async () => {
			throw new HearthError('aborted', 'Stopped.');
		};
		await expect(planWithSummary(budget({}), summarize, options)).rejects.toMatchObject({
			code: 'aborted'
		});
	});

	it('summarises a long thread in chunks that each fit the window', async () => {
		const turns = thread(40); // 8,100 tokens of history for a 1,200-token window
		const summarize = recorder((call, n) => `Summary ${n} (${call.turns.length} turns).`);
		const result = await planWithSummary(budget({ turns }), summarize, options);
		expect(summarize.calls.length).toBeGreaterThan(5);
		for (const call of summarize.calls) {
			const size = call.turns.reduce((sum, t) => sum + t.content.length, 0);
			expect(size + (call.previous?.length ?? 0) + call.maxTokens).toBeLessThanOrEqual(1200);
		}
		// Each chunk carries the summary so far; together they cover every old turn once.
		for (let i = 1; i < summarize.calls.length; i++) {
			expect(summarize.calls[i]!.previous).toMatch(new RegExp(`^Summary ${i} `));
		}
		const covered = summarize.calls.flatMap((c) => c.turns);
		expect(covered).toEqual(turns.slice(0, result.summary!.coversCount));
		expect(result.tokens).toBeLessThanOrEqual(900);
	});

	it('cuts a single turn too long for a summary request', async () => {
		const turns = [user('H'.repeat(3000) + 'T'.repeat(3000)), assistant('ok'), user('next')];
		const summarize = recorder(() => 'A very long paste.');
		const result = await planWithSummary(
			budget({ turns, contextWindow: 2000, reserveForAnswer: 500 }),
			summarize,
			options
		);
		const sent = summarize.calls[0]!.turns[0]!.content;
		expect(sent.length).toBeLessThan(2000);
		expect(sent).toMatch(/^H+\n\[…\]\nT+$/);
		expect(result.summarizedTurns).toBe(2);
	});

	it('works end to end with an engine', async () => {
		const engine = textEngine(['<think>ok</think>Ana budgets €600.']);
		const turns = thread(5);
		const result = await planWithSummary(
			budget({ turns }),
			engineSummarizer(engine, 'qwen2.5:1.5b'),
			options
		);
		expect(engine.requests).toHaveLength(1);
		expect(engine.requests[0]!.messages[1]!.content).toContain(turns[0]!.content);
		expect(result.summary!.text).toBe('Ana budgets €600.');
	});

	it('never exceeds the window, for random histories and summary lengths', async () => {
		let seed = 7;
		const random = () => {
			seed = (seed * 1103515245 + 12345) % 2 ** 31;
			return seed / 2 ** 31;
		};
		let summarised = 0;
		for (let trial = 0; trial < 120; trial++) {
			const turns: ChatMessage[] = [];
			const length = 1 + Math.floor(random() * 24);
			for (let i = 0; i < length; i++) {
				const role = i % 2 === 0 || i === length - 1 ? 'user' : 'assistant';
				turns.push({ role, content: 'word '.repeat(Math.floor(random() * 300)) });
			}
			const input: BudgetInput = {
				system: { role: 'system', content: 'You are Hearth.' },
				summary: null,
				turns,
				contextWindow: 512 + Math.floor(random() * 2048),
				reserveForAnswer: 128,
				count: estimateEachMessage
			};
			// A summariser that writes roughly what it is allowed, sometimes far more.
			const summarize: Summarizer = async (_turns, _previous, maxTokens) =>
				'fact '.repeat(random() < 0.2 ? maxTokens * 3 : maxTokens);
			try {
				const result = await planWithSummary(input, summarize, options);
				expect(result.tokens).toBeLessThanOrEqual(input.contextWindow - input.reserveForAnswer);
				expect(result.messages[0]!.content).toMatch(/^You are Hearth\./);
				expect(result.messages[result.messages.length - 1]).toBe(turns[length - 1]);
				if (result.summary) summarised++;
			} catch (e) {
				expect(e).toMatchObject({ code: 'context_overflow' });
			}
		}
		expect(summarised).toBeGreaterThan(10);
	});
});
