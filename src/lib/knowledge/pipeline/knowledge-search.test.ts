import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import { IngestQueue } from './ingest-queue';
import { KnowledgeSearch } from './knowledge-search';
import { embedMissing } from './reembed';
import { bagOfWords, paragraphChunks } from './test-helpers';
import type { ActiveEmbedder } from './types';

const file = (name: string, text: string) => new File([text], name, { type: 'text/plain' });

async function setup(embedderReady = true) {
	const repo = new KnowledgeRepository(freshDb());
	const bow = bagOfWords();
	const queue = new IngestQueue({
		repo,
		chunks: paragraphChunks,
		embedder: () => (embedderReady ? bow : undefined)
	});
	const work = await repo.createCollection('Work');
	const home = await repo.createCollection('Home');
	await queue.enqueue(work.id, {
		kind: 'files',
		files: [
			file('budget.md', 'intro line\n\nthe q3 budget was approved in the meeting\nsecond line'),
			file('db.ts', 'function connect database pool')
		]
	}).done;
	await queue.enqueue(home.id, {
		kind: 'files',
		files: [file('garden.txt', 'tomatoes need water\n\nbudget for seeds')]
	}).done;
	return { repo, bow, queue, work, home };
}

describe('KnowledgeSearch', () => {
	it('finds passages in every mode with their document and location', async () => {
		const { repo, bow } = await setup();
		const search = new KnowledgeSearch(repo);
		await search.load(bow);
		expect(search.size).toBe(5);
		expect(search.vectorCount).toBe(5);

		for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
			const result = await search.search('q3 budget meeting', { k: 2, mode });
			expect(result.mode).toBe(mode);
			expect(result.fallback).toBeUndefined();
			expect(result.passages[0]).toMatchObject({
				documentName: 'budget.md',
				path: 'budget.md',
				text: 'the q3 budget was approved in the meeting\nsecond line',
				startLine: 3,
				endLine: 4
			});
			expect(result.passages.length).toBeLessThanOrEqual(2);
		}
	});

	it('limits a search to collections', async () => {
		const { repo, bow, home } = await setup();
		const search = new KnowledgeSearch(repo);
		await search.load(bow);
		for (const mode of ['hybrid', 'lexical', 'dense'] as const) {
			const result = await search.search('budget', { mode, collections: [home.id] });
			expect(result.passages.length).toBeGreaterThan(0);
			expect(result.passages.every((p) => p.documentName === 'garden.txt')).toBe(true);
			expect(result.passages.every((p) => p.collectionId === home.id)).toBe(true);
			expect(result.passages[0]?.text).toBe('budget for seeds');
		}
	});

	it('falls back to keyword search without a model, and says so', async () => {
		const { repo } = await setup(false);
		const search = new KnowledgeSearch(repo);
		await search.load();
		const result = await search.search('tomatoes', { mode: 'dense' });
		expect(result.mode).toBe('lexical');
		expect(result.fallback).toMatch(/No embedding model is ready/);
		expect(result.passages.map((p) => p.text)).toEqual(['tomatoes need water']);

		const broken: ActiveEmbedder = {
			model: 'broken',
			embed: async () => {
				throw new Error('worker crashed');
			}
		};
		await search.setEmbedder(broken);
		const again = await search.search('tomatoes');
		expect(again.mode).toBe('lexical');
		expect(again.fallback).toContain('worker crashed');
		expect(again.passages).toHaveLength(1);
	});

	it('follows documents added, re-indexed and deleted, and vectors embedded later', async () => {
		const { repo, queue, work } = await setup(false);
		const search = new KnowledgeSearch(repo);
		const bow = bagOfWords();
		await search.load(bow);
		expect(search.vectorCount).toBe(0);

		await queue.enqueue(work.id, { kind: 'files', files: [file('new.md', 'zebra crossing')] }).done;
		await search.settled();
		expect((await search.search('zebra', { mode: 'lexical' })).passages).toHaveLength(1);

		await embedMissing(repo, bow);
		await search.settled();
		expect(search.vectorCount).toBe(6);
		expect(
			(await search.search('zebra crossing', { mode: 'dense', k: 1 })).passages[0]?.documentName
		).toBe('new.md');

		await queue.enqueue(work.id, { kind: 'files', files: [file('new.md', 'giraffe')] }).done;
		await search.settled();
		expect((await search.search('zebra', { mode: 'lexical' })).passages).toEqual([]);
		expect((await search.search('giraffe', { mode: 'lexical' })).passages).toHaveLength(1);

		const doc = await repo.findDocumentByPath(work.id, 'new.md');
		await repo.deleteDocument(doc!.id);
		await search.settled();
		expect((await search.search('giraffe', { mode: 'lexical' })).passages).toEqual([]);
		expect(search.size).toBe(5);

		await repo.deleteCollection(work.id);
		await search.settled();
		const left = (await search.search('budget')).passages.map((p) => p.documentName);
		expect(new Set(left)).toEqual(new Set(['garden.txt']));
		search.dispose();
	});
});
