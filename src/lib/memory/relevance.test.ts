import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import { MemoryRepository } from './memory-repo';
import {
	earlierMemoryIds,
	memoryNote,
	memoryPromptBlock,
	relevantMemories,
	stableMemoryOrder
} from './relevance';
import { testEmbedder } from './test-embed';

async function seeded() {
	const repo = new MemoryRepository(freshDb(), testEmbedder());
	await repo.add({ text: 'The user prefers Python for data work.', kind: 'preference' });
	await repo.add({ text: 'The user is vegetarian.' });
	await repo.add({ text: 'The user writes Python and Rust at work.' });
	await repo.add({ text: 'The user lives in Lisbon.' });
	await repo.addProposals([{ text: 'The user likes Python notebooks.', kind: 'preference' }]);
	return repo;
}

describe('relevantMemories', () => {
	it('orders kept memories by similarity, drops unrelated ones and proposals', async () => {
		const repo = await seeded();
		const got = await relevantMemories('a Python script for data cleaning', {
			repo,
			minScore: 0.2
		});
		expect(got.memories.map((s) => s.memory.text)).toEqual([
			'The user prefers Python for data work.',
			'The user writes Python and Rust at work.'
		]);
		expect(got.count).toBe(2);
		expect(got.block).toBe(
			'What you remember about the user (use it when it helps; do not mention it otherwise):\n' +
				'- (preference) The user prefers Python for data work.\n' +
				'- The user writes Python and Rust at work.'
		);
	});

	it('honours the limit, and gives an empty block when nothing is relevant', async () => {
		const repo = await seeded();
		const one = await relevantMemories('Python', { repo, limit: 1, minScore: 0.2 });
		expect(one.count).toBe(1);
		const none = await relevantMemories('weather in Tokyo', { repo, minScore: 0.2 });
		expect(none).toEqual({ memories: [], block: '', count: 0 });
	});

	it('writes the note and block', () => {
		expect(memoryNote(1)).toBe('used 1 memory');
		expect(memoryNote(2)).toBe('used 2 memories');
		expect(memoryPromptBlock([])).toBe('');
	});
});

describe('stableMemoryOrder', () => {
	it('keeps what the conversation used first, adds the new at the end, drops what is no longer kept', async () => {
		const repo = await seeded();
		const [python, vegetarian, , lisbon] = await repo.list('kept');
		const turn1 = stableMemoryOrder([], [lisbon!, python!]);
		const turn2 = stableMemoryOrder(turn1, [vegetarian!, python!]);
		expect(turn2.map((m) => m.id)).toEqual([lisbon!.id, python!.id, vegetarian!.id]);
		// The block of turn 2 starts with turn 1's block: the prompt's start did not change.
		expect(memoryPromptBlock(turn2).startsWith(memoryPromptBlock(turn1))).toBe(true);
		// A memory no longer kept (here back to a proposal) leaves the block.
		const proposed = { ...lisbon!, status: 'proposed' as const };
		expect(stableMemoryOrder([proposed, python!], []).map((m) => m.id)).toEqual([python!.id]);
	});
});

describe('earlierMemoryIds', () => {
	it('lists the memories a thread used, once each, in first-use order', () => {
		expect(
			earlierMemoryIds([
				{},
				{ memories: [{ id: 'b' }, { id: 'a' }] },
				{},
				{ memories: [{ id: 'a' }, { id: 'c' }] }
			])
		).toEqual(['b', 'a', 'c']);
	});
});
