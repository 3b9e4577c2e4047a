import { describe, expect, it } from 'vitest';
import { textEngine } from '$lib/agent/scripted-engine';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';
import { MemoryRepository } from './memory-repo';
import {
	PROPOSAL_SCHEMA,
	mightStateSomethingDurable,
	parseProposals,
	proposeMemories
} from './proposals';
import { testEmbedder } from './test-embed';

const USER = "I'm vegetarian and I mostly code in Python. Can you suggest a quick dinner?";
const ANSWER = 'Try a chickpea curry. I love cooking it on Sundays.';

function reply(memories: { text: string; kind: string }[]): string {
	return JSON.stringify({ memories });
}

describe('proposeMemories', () => {
	it('asks once with the schema and returns facts from the user message', async () => {
		const engine = textEngine([
			reply([
				{ text: 'The user is vegetarian.', kind: 'fact' },
				{ text: 'The user mostly codes in Python.', kind: 'preference' }
			])
		]);
		const got = await proposeMemories({
			engine,
			model: 'm',
			userText: USER,
			answer: ANSWER,
			existing: []
		});
		expect(got).toEqual([
			{ text: 'The user is vegetarian.', kind: 'fact' },
			{ text: 'The user mostly codes in Python.', kind: 'preference' }
		]);
		expect(engine.requests).toHaveLength(1);
		expect(engine.requests[0]?.responseSchema).toEqual(PROPOSAL_SCHEMA);
		expect(engine.requests[0]?.messages[1]?.content).toContain(USER);
	});

	it('drops what the answer said, duplicates of stored memories, and repeats', async () => {
		const repo = new MemoryRepository(freshDb(), testEmbedder());
		await repo.add({ text: 'The user is vegetarian.' });
		await repo.add({ text: 'The user codes mostly in Python.', kind: 'preference' });
		const engine = textEngine([
			reply([
				{ text: 'the user is Vegetarian', kind: 'fact' }, // same text
				{ text: 'The user mostly codes in Python.', kind: 'preference' }, // same meaning
				{ text: 'The user loves cooking on Sundays.', kind: 'preference' } // the answer's words
			])
		]);
		const args = {
			engine,
			model: 'm',
			userText: USER,
			answer: ANSWER,
			existing: await repo.list()
		};
		const got = await proposeMemories({
			...args,
			similarity: (texts, signal) => repo.maxSimilarity(texts, signal)
		});
		expect(got).toEqual([]);
		// Text alone cannot see the reworded Python memory: similarity is what dropped it.
		const again = textEngine([
			reply([{ text: 'The user mostly codes in Python.', kind: 'preference' }])
		]);
		expect(await proposeMemories({ ...args, engine: again })).toEqual([
			{ text: 'The user mostly codes in Python.', kind: 'preference' }
		]);
	});

	it('keeps a new proposal next to dropped ones and stores it as proposed', async () => {
		const repo = new MemoryRepository(freshDb(), testEmbedder());
		await repo.add({ text: 'The user is vegetarian.' });
		const engine = textEngine([
			reply([
				{ text: 'The user is vegetarian.', kind: 'fact' },
				{ text: 'The user mostly codes in Python.', kind: 'preference' }
			])
		]);
		const got = await proposeMemories({
			engine,
			model: 'm',
			userText: USER,
			answer: ANSWER,
			existing: await repo.list(),
			similarity: (texts) => repo.maxSimilarity(texts)
		});
		expect(got).toEqual([{ text: 'The user mostly codes in Python.', kind: 'preference' }]);
		const stored = await repo.addProposals(got, 'c1');
		expect(stored[0]).toMatchObject({
			status: 'proposed',
			origin: 'proposed',
			conversationId: 'c1'
		});
	});

	it.each([
		['not JSON at all', 'Sure! The user is vegetarian.'],
		['wrong shape', '{"facts": ["vegetarian"]}'],
		['truncated', '{"memories": [{"text": "The user is veg'],
		['items without text', '{"memories": [{"kind": "fact"}]}'],
		['empty', '']
	])('malformed output (%s) gives []', async (_, text) => {
		const engine = textEngine([text]);
		expect(
			await proposeMemories({ engine, model: 'm', userText: USER, answer: ANSWER, existing: [] })
		).toEqual([]);
	});

	it('a failed call gives [], a stop is thrown', async () => {
		const failing = textEngine([new HearthError('engine_unreachable', 'Down.')]);
		expect(
			await proposeMemories({
				engine: failing,
				model: 'm',
				userText: USER,
				answer: '',
				existing: []
			})
		).toEqual([]);
		const stop = new AbortController();
		stop.abort();
		const engine = textEngine([reply([{ text: 'The user is vegetarian.', kind: 'fact' }])]);
		await expect(
			proposeMemories({
				engine,
				model: 'm',
				userText: USER,
				answer: '',
				existing: [],
				signal: stop.signal
			})
		).rejects.toMatchObject({ code: 'aborted' });
	});

	it('parseProposals reads a fenced reply after reasoning, and defaults an unknown kind', () => {
		const text =
			'<think>hmm</think>\n```json\n{"memories":[{"text":"The user has two kids.","kind":"family"}]}\n```';
		expect(parseProposals(text)).toEqual([{ text: 'The user has two kids.', kind: 'fact' }]);
	});
});

describe('mightStateSomethingDurable', () => {
	it.each([
		['I prefer tabs over spaces', true],
		["My daughter's name is Ada", true],
		['We always deploy on Fridays', true],
		['I’m vegetarian', true],
		['What is the capital of France?', false],
		['def add(a, b):\n    return a + b', false],
		['Summarise this article about tides', false]
	])('%s → %s', (text, expected) => {
		expect(mightStateSomethingDurable(text)).toBe(expected);
	});
});
