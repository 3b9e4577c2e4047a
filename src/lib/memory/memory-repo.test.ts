import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';
import { MemoryRepository } from './memory-repo';
import { memoriesToJson, memoriesToMarkdown } from './export';
import { testEmbedder } from './test-embed';
import { memoryKey } from './vectors';

function setup() {
	const db = freshDb();
	const embedder = testEmbedder();
	let clock = 1_000;
	let ids = 0;
	const repo = new MemoryRepository(db, embedder, {
		now: () => (clock += 1_000),
		newId: () => `m${++ids}`
	});
	return { db, embedder, repo };
}

describe('MemoryRepository', () => {
	it('adds, lists newest first, edits, deletes, and keeps vectors in step', async () => {
		const { db, repo } = setup();
		const a = await repo.add({ text: '  The user prefers   Python. ', kind: 'preference' });
		const b = await repo.add({ text: 'The user lives in Lisbon.' });
		expect(a).toMatchObject({
			id: 'm1',
			text: 'The user prefers Python.',
			kind: 'preference',
			status: 'kept',
			origin: 'explicit'
		});
		expect((await repo.list()).map((m) => m.id)).toEqual(['m2', 'm1']);
		await repo.embedded();
		expect(await db.vectors.where('key').equals(memoryKey('m1')).count()).toBe(1);

		const edited = await repo.edit(b.id, { text: 'The user lives in Porto.' });
		expect(edited.updatedAt).toBeGreaterThan(b.updatedAt);
		expect((await db.memories.get('m2'))?.text).toBe('The user lives in Porto.');
		const [hit] = await repo.search('Porto');
		expect(hit?.memory.id).toBe('m2');
		expect(await repo.search('Lisbon', { minScore: 0.1 })).toEqual([]);

		expect(await repo.delete('m1')).toMatchObject({ text: 'The user prefers Python.' });
		expect(await db.memories.get('m1')).toBeUndefined();
		expect(await db.vectors.where('key').equals(memoryKey('m1')).count()).toBe(0);
		expect(await repo.delete('m1')).toBeUndefined();
	});

	it('does not store the same text twice, and saying it again keeps a proposal', async () => {
		const { repo } = setup();
		const [p] = await repo.addProposals([{ text: 'The user is vegetarian.', kind: 'fact' }], 'c1');
		expect(p).toMatchObject({ status: 'proposed', origin: 'proposed', conversationId: 'c1' });
		const again = await repo.add({ text: 'the user is VEGETARIAN' });
		expect(again).toMatchObject({ id: p!.id, status: 'kept' });
		expect(await repo.list()).toHaveLength(1);
	});

	it('keeps or discards proposals; only proposals can be discarded', async () => {
		const { repo } = setup();
		const [x, y] = await repo.addProposals([
			{ text: 'The user has a dog.', kind: 'fact' },
			{ text: 'The user likes short answers.', kind: 'preference' }
		]);
		await repo.keep(x!.id);
		await repo.discard(y!.id);
		expect(await repo.list()).toEqual([expect.objectContaining({ id: x!.id, status: 'kept' })]);
		const e = await repo.discard(x!.id).catch((err: unknown) => err);
		expect(e).toBeInstanceOf(HearthError);
		// Proposals are not used in answers until kept.
		await repo.addProposals([{ text: 'The user has a cat.', kind: 'fact' }]);
		expect((await repo.search('cat')).map((s) => s.memory.text)).not.toContain(
			'The user has a cat.'
		);
		expect((await repo.search('cat', { status: 'any' }))[0]?.memory.text).toBe(
			'The user has a cat.'
		);
	});

	it('refuses empty and overlong text', async () => {
		const { repo } = setup();
		await expect(repo.add({ text: '   ' })).rejects.toMatchObject({ code: 'tool_invalid_args' });
		await expect(repo.add({ text: 'x'.repeat(501) })).rejects.toMatchObject({
			code: 'tool_invalid_args'
		});
	});

	it('saves a memory while no embedding model works, and embeds it when a search needs it', async () => {
		const { db, embedder, repo } = setup();
		embedder.failAfter = 0;
		await repo.add({ text: 'The user writes Rust at work.' });
		await repo.embedded();
		expect(await db.vectors.count()).toBe(0);
		embedder.failAfter = Infinity;
		expect((await repo.search('Rust'))[0]?.memory.text).toBe('The user writes Rust at work.');
		expect(await db.vectors.count()).toBe(1);
		// The next search reuses the stored vector: only the query is embedded.
		const before = embedder.calls.length;
		await repo.search('Rust');
		expect(embedder.calls.slice(before)).toEqual([['Rust']]);
	});

	it('stores a memory at once and embeds it in the background', async () => {
		const db = freshDb();
		const embedder = testEmbedder();
		let release = () => {};
		const gate = new Promise<void>((resolve) => (release = resolve));
		const repo = new MemoryRepository(db, {
			model: embedder.model,
			embed: async (texts, kind, signal) => {
				await gate;
				return embedder.embed(texts, kind, signal);
			}
		});
		// Resolves while the embedder is still blocked: "Remembered" never waits for a model.
		const memory = await repo.add({ text: 'The user keeps bees.' });
		expect(await db.memories.get(memory.id)).toMatchObject({ text: 'The user keeps bees.' });
		expect(await db.vectors.count()).toBe(0);
		release();
		await repo.embedded();
		expect(await db.vectors.where('key').equals(memoryKey(memory.id)).count()).toBe(1);
	});

	it('embeds again for a new model, keeping each model apart', async () => {
		const { db, embedder, repo } = setup();
		await repo.add({ text: 'The user runs marathons.' });
		await repo.embedded();
		embedder.model = 'other-model';
		await repo.search('marathon');
		expect((await db.vectors.toArray()).map((r) => r.model).sort()).toEqual([
			'bow-test',
			'other-model'
		]);
	});

	it('a new repository over the same database sees the same memories', async () => {
		const { db, embedder, repo } = setup();
		await repo.add({ text: 'The user speaks Portuguese.' });
		const other = new MemoryRepository(db, embedder);
		expect(other.peek()).toEqual([]);
		expect((await other.list()).map((m) => m.text)).toEqual(['The user speaks Portuguese.']);
		expect(other.peek()).toHaveLength(1);
	});

	it('find picks the memory the words point at, and falls back to meaning', async () => {
		const { repo } = setup();
		await repo.add({ text: 'The user prefers Python for scripts.', kind: 'preference' });
		await repo.add({ text: 'The user prefers dark mode.', kind: 'preference' });
		await repo.add({ text: 'The user lives at 12 Rua Augusta, Lisbon.' });
		expect((await repo.find('that I like Python'))?.memory.text).toMatch(/Python/);
		expect((await repo.find('my address in Lisbon'))?.memory.text).toMatch(/Rua Augusta/);
		expect((await repo.find('dark mode'))?.memory.text).toBe('The user prefers dark mode.');
		expect(await repo.find('my favourite football club')).toBeUndefined();
	});

	it('exports JSON and Markdown', async () => {
		const { repo } = setup();
		await repo.add({ text: 'The user prefers Python.', kind: 'preference' });
		await repo.add({ text: 'The user lives in Lisbon.' });
		await repo.addProposals([{ text: 'The user has a dog.', kind: 'fact' }]);
		const all = await repo.list();
		const json = JSON.parse(memoriesToJson(all, Date.UTC(2025, 0, 2)));
		expect(json).toMatchObject({
			format: 'hearth-memories',
			version: 1,
			exportedAt: '2025-01-02T00:00:00.000Z'
		});
		expect(json.memories).toHaveLength(3);
		const md = memoriesToMarkdown(all);
		expect(md).toContain('## Preferences\n\n- The user prefers Python. _(1970-01-01)_');
		expect(md).toContain('## Facts\n\n- The user lives in Lisbon.');
		expect(md).toContain('## Proposed (not kept yet)\n\n- The user has a dog.');
		expect(memoriesToMarkdown([])).toContain('No memories yet.');
	});
});
