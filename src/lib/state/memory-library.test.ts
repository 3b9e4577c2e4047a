import { describe, expect, it } from 'vitest';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { testEmbedder } from '$lib/memory/test-embed';
import { MemoryLibraryState } from '$lib/state/memory-library.svelte';
import { freshDb } from '$lib/storage/test-db';

// The memory screen's state over the real repository: what it lists is what was stored.

function library() {
	const repo = new MemoryRepository(freshDb(), testEmbedder());
	return { repo, library: new MemoryLibraryState(repo) };
}

describe('MemoryLibraryState', () => {
	it('lists what is stored after each action, and keeps proposals apart from kept memories', async () => {
		const { repo, library: lib } = library();
		const kept = await repo.add({ text: 'The user lives in Porto.' });
		const proposed = await repo.add({ text: 'The user likes tea.', status: 'proposed' });
		await lib.refresh();
		expect(lib.memories.map((m) => m.id).sort()).toEqual([kept.id, proposed.id].sort());
		expect(lib.kept.map((m) => m.id)).toEqual([kept.id]);

		await lib.keep(proposed.id);
		expect(lib.kept).toHaveLength(2);
		await lib.edit(kept.id, 'The user lives in Lisbon.');
		expect(lib.memories.find((m) => m.id === kept.id)?.text).toBe('The user lives in Lisbon.');
		await lib.delete(proposed.id);
		expect(lib.memories.map((m) => m.id)).toEqual([kept.id]);
		expect(lib.error).toBeNull();
		await repo.embedded();
	});

	it('says what failed in a sentence and still shows what is stored', async () => {
		const { repo, library: lib } = library();
		const kept = await repo.add({ text: 'The user works as a nurse.' });
		await lib.discard(kept.id);
		expect(lib.error).toMatch(/Only a proposed memory can be discarded; delete it instead\./);
		expect(lib.memories.map((m) => m.id)).toEqual([kept.id]);
		await lib.keep(kept.id);
		expect(lib.error).toBeNull();
		await repo.embedded();
	});
});
