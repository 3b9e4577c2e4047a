import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import { IngestQueue } from '$lib/knowledge/pipeline/ingest-queue';
import { KnowledgeSearch } from '$lib/knowledge/pipeline/knowledge-search';
import { bagOfWords, paragraphChunks } from '$lib/knowledge/pipeline/test-helpers';
import type { ToolContext } from '$lib/tools/types';
import { createSearchKnowledgeTool, passageLocation, passageUrl } from './search-knowledge';

const ctx = { signal: new AbortController().signal } as ToolContext; // reads only the signal

async function setup(withModel = true) {
	const repo = new KnowledgeRepository(freshDb());
	const bow = bagOfWords();
	const queue = new IngestQueue({ repo, chunks: paragraphChunks, embedder: () => bow });
	const work = await repo.createCollection('Work');
	const home = await repo.createCollection('Home');
	await queue.enqueue(work.id, {
		kind: 'files',
		files: [new File(['agenda\n\nthe q3 budget grew by ten percent'], 'meeting.md')]
	}).done;
	await queue.enqueue(home.id, {
		kind: 'files',
		files: [new File(['budget for seeds'], 'garden.txt')]
	}).done;
	const search = new KnowledgeSearch(repo);
	await search.load(withModel ? bow : undefined);
	const tool = createSearchKnowledgeTool({
		search: (q, o) => search.search(q, o),
		listCollections: () => repo.listCollections()
	});
	return { repo, tool, work, home };
}

describe('search_knowledge', () => {
	it('numbers passages with document and place, untrusted, with hearth-doc sources', async () => {
		const { tool, repo } = await setup();
		expect(tool).toMatchObject({ name: 'search_knowledge', network: false, sideEffect: false });
		const args = v.parse(tool.schema, { query: ' q3 budget meeting ', collection: 'work' });
		expect(tool.describe(args)).toBe('Search the "work" collection for "q3 budget meeting".');
		const result = await tool.run(args, ctx);
		const doc = (await repo.listDocuments()).find((d) => d.name === 'meeting.md')!;
		const chunks = await repo.chunksOf(doc.id);
		expect(result.untrusted).toBe(true);
		expect(result.content).toBe(
			'Passages from the user\'s documents for "q3 budget meeting". Cite them as [1], [2]…\n\n' +
				'[1] meeting.md — line 3\nthe q3 budget grew by ten percent\n\n' +
				'[2] meeting.md — line 1\nagenda'
		);
		expect(result.sources).toEqual([
			{
				title: 'meeting.md — line 3',
				url: `hearth-doc:${doc.id}#chunk=${encodeURIComponent(chunks[1]!.id)}`
			},
			{
				title: 'meeting.md — line 1',
				url: `hearth-doc:${doc.id}#chunk=${encodeURIComponent(chunks[0]!.id)}`
			}
		]);
		expect(result.preview).toBe('2 passages from 1 document.');
	});

	it('searches everything without a collection and says when it fell back to keywords', async () => {
		const { tool } = await setup(false);
		const result = await tool.run(v.parse(tool.schema, { query: 'seeds' }), ctx);
		expect(result.content).toMatch(/^Note: No embedding model is ready/);
		expect(result.content).toContain('[1] garden.txt — line 1\nbudget for seeds');
		expect(result.preview).toBe('1 passage from 1 document (keyword search).');
	});

	it('refuses an unknown collection by naming the real ones, and reports no matches plainly', async () => {
		const { tool } = await setup();
		await expect(tool.run({ query: 'x', collection: 'Nope' }, ctx)).rejects.toMatchObject({
			code: 'tool_invalid_args',
			message: 'There is no collection called "Nope". The collections are: "Home", "Work".'
		});
		const none = await tool.run({ query: 'xylophone', collection: 'Home' }, ctx);
		expect(none.content).toContain('No passages in the user\'s documents match "xylophone".');
		expect(none.sources).toEqual([]);
		expect(v.safeParse(tool.schema, { query: '  ' }).success).toBe(false);
	});

	it('formats locations and links', () => {
		const base = {
			chunkId: 'd:1',
			documentId: 'd',
			collectionId: 'c',
			documentName: 'a',
			path: 'a',
			text: '',
			score: 1
		};
		expect(
			passageLocation({ ...base, headings: ['Budget', 'Q3'], startLine: 10, endLine: 24 })
		).toBe('Budget › Q3, lines 10-24');
		expect(passageLocation({ ...base, symbol: 'class Repo › connect', page: 3 })).toBe(
			'class Repo › connect, page 3'
		);
		expect(passageUrl('d 1', 'd 1:0')).toBe('hearth-doc:d%201#chunk=d%201%3A0');
	});
});
