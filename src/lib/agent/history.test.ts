import { describe, expect, it } from 'vitest';
import { prepareHistory } from '$lib/agent/history';
import { ScriptedEngine } from '$lib/agent/scripted-engine';
import type { ChatMessage } from '$lib/engine/types';
import type { Message } from '$lib/types/chat';

// How history is fitted for an engine that counts whole prompts (llama.cpp in the browser): it is
// asked only near the window's edge, and the estimates are scaled to its exact count.

function thread(words: number, turns: number): Message[] {
	const out: Message[] = [];
	for (let i = 0; i < turns; i++) {
		const base = { conversationId: 'c', status: 'done' as const, createdAt: i, updatedAt: i };
		out.push({
			...base,
			id: `u${i}`,
			parentId: i ? `a${i - 1}` : null,
			role: 'user',
			content: `question ${i} ${'word '.repeat(words)}`
		});
		out.push({
			...base,
			id: `a${i}`,
			parentId: `u${i}`,
			role: 'assistant',
			content: `answer ${i} ${'word '.repeat(words)}`
		});
	}
	out.push({
		conversationId: 'c',
		status: 'done',
		createdAt: 99,
		updatedAt: 99,
		id: 'last',
		parentId: `a${turns - 1}`,
		role: 'user',
		content: 'and now?'
	});
	return out;
}

class CountingEngine extends ScriptedEngine {
	readonly counted: ChatMessage[][] = [];
	constructor(private readonly tokensPerMessage: number) {
		// The model writes the rolling summary (possibly in more than one pass).
		super(
			'schema',
			Array.from({ length: 6 }, () => ({ text: 'They asked questions and got answers.' }))
		);
	}
	async countPrompt(_model: string, messages: ChatMessage[]): Promise<number> {
		this.counted.push(messages);
		return messages.length * this.tokensPerMessage;
	}
}

const input = (engine: ScriptedEngine, messages: Message[], contextWindow: number) => ({
	thread: messages,
	systemPrompt: 'Be kind.',
	stored: undefined,
	engine,
	model: 'gguf:x',
	modelLabel: 'x',
	contextWindow,
	maxTokens: 64,
	reasoning: { startsInReasoning: false }
});

describe('prepareHistory with an engine that counts whole prompts', () => {
	it('does not ask when the history is far from the window', async () => {
		const engine = new CountingEngine(10);
		const prepared = await prepareHistory(input(engine, thread(5, 2), 4096));
		expect(engine.counted).toHaveLength(0);
		expect(prepared.estimated).toBe(true);
		expect(prepared.note).toBeUndefined();
	});

	it('near the edge, counts the whole history once and plans with the exact total', async () => {
		// Each message really costs 120 tokens: 12 turns = 25 messages + system ≈ 3,100 tokens,
		// though the estimate (one token a word) says about half that.
		const engine = new CountingEngine(120);
		const prepared = await prepareHistory(input(engine, thread(50, 12), 2048));
		expect(engine.counted).toHaveLength(1);
		expect(engine.counted[0]?.[0]).toEqual({ role: 'system', content: 'Be kind.' });
		expect(prepared.estimated).toBe(false);
		// Too long by the exact count: the older turns were summarised by the model.
		expect(prepared.note?.summarizedTurns).toBeGreaterThan(0);
		expect(prepared.messages.at(-1)).toEqual({ role: 'user', content: 'and now?' });
	});

	/** The thread with the engine's report on its last answer (prompt and completion tokens). */
	function reported(
		messages: Message[],
		usage: { promptTokens: number; completionTokens: number }
	) {
		const last = messages.findLastIndex((m) => m.role === 'assistant');
		return messages.map((m, i) => (i === last ? { ...m, model: 'gguf:x', usage } : m));
	}

	it('trusts the last answer’s reported prompt plus the new turn, without counting again', async () => {
		// ~1,260 estimated tokens of a 2,048 window: past half, so it would have been counted.
		const engine = new CountingEngine(120);
		const messages = reported(thread(50, 12), { promptTokens: 1300, completionTokens: 60 });
		const prepared = await prepareHistory(input(engine, messages, 2048));
		expect(engine.counted).toHaveLength(0);
		expect(prepared.note).toBeUndefined();
		expect(prepared.messages).toHaveLength(26);
	});

	it('counts at the very edge, and when the last answer’s prompt was summarized', async () => {
		const edge = new CountingEngine(120);
		const near = reported(thread(50, 12), { promptTokens: 1800, completionTokens: 60 });
		await prepareHistory(input(edge, near, 2048));
		expect(edge.counted).toHaveLength(1);

		const summarized = new CountingEngine(120);
		const messages = reported(thread(50, 12), { promptTokens: 1300, completionTokens: 60 }).map(
			(m) =>
				m.usage
					? {
							...m,
							context: {
								summarizedTurns: 2,
								omittedTurns: 0,
								contextWindow: 2048,
								promptTokens: 1300
							}
						}
					: m
		);
		await prepareHistory(input(summarized, messages, 2048));
		expect(summarized.counted).toHaveLength(1);
	});
});
