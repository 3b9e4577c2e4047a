import { describe, expect, it } from 'vitest';
import { memoryFolder } from '$lib/files/memory-fs';
import { freshDb } from '$lib/storage/test-db';
import { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import type { Collection, KnowledgeDocument } from '$lib/types/knowledge';
import { IngestQueue } from './ingest-queue';
import { planReindex } from './reindex';
import { bagOfWords, paragraphChunks } from './test-helpers';

function setup() {
	const db = freshDb();
	const repo = new KnowledgeRepository(db);
	const queue = new IngestQueue({ repo, chunks: paragraphChunks, embedder: () => bagOfWords() });
	return { db, repo, queue };
}

async function onlyDoc(repo: KnowledgeRepository, collectionId: string) {
	const docs = await repo.listDocuments(collectionId);
	expect(docs).toHaveLength(1);
	return docs[0] as KnowledgeDocument;
}

describe('planReindex', () => {
	it('reads a picked file again through its handle and indexes the new text', async () => {
		const { repo, queue, db } = setup();
		const folder = await memoryFolder('picked', { 'notes.md': 'old budget' });
		const handle = await folder.getFileHandle('notes.md');
		const col = await repo.createCollection('Docs');
		await queue.enqueue(col.id, {
			kind: 'files',
			files: [await handle.getFile()],
			handles: [handle]
		}).done;
		const stored = await onlyDoc(repo, col.id);
		expect(stored.handle?.name).toBe('notes.md');
		// Browsers keep real handles in IndexedDB; the in-memory one loses its methods in a clone.
		const before = { ...stored, handle };

		const w = await handle.createWritable();
		await w.write('new budget for Q3');
		await w.close();
		const plan = await planReindex(before, await repo.getCollection(col.id));
		expect(plan.kind).toBe('ingest');
		if (plan.kind !== 'ingest') return;
		const job = await queue.enqueue(col.id, plan.input).done;
		expect(job).toMatchObject({ state: 'done', filesIndexed: 1, filesSkipped: 0 });
		const after = await onlyDoc(repo, col.id);
		expect(after.id).not.toBe(before.id);
		expect(after.addedAt).toBe(before.addedAt);
		expect((await db.chunks.toArray()).map((c) => c.text)).toEqual(['new budget for Q3']);
	});

	it('skips an unchanged file without indexing it again', async () => {
		const { repo, queue } = setup();
		const folder = await memoryFolder('picked', { 'a.txt': 'same text' });
		const handle = await folder.getFileHandle('a.txt');
		const col = await repo.createCollection('Docs');
		await queue.enqueue(col.id, {
			kind: 'files',
			files: [await handle.getFile()],
			handles: [handle]
		}).done;
		const plan = await planReindex({ ...(await onlyDoc(repo, col.id)), handle }, undefined);
		if (plan.kind !== 'ingest') throw new Error('expected ingest');
		expect(await queue.enqueue(col.id, plan.input).done).toMatchObject({ filesSkipped: 1 });
	});

	it('walks a remembered folder again and picks up what changed', async () => {
		const { repo, queue } = setup();
		const root = await memoryFolder('proj', { 'a.md': 'alpha', 'b.md': 'beta' });
		const col = await repo.createCollection('Code');
		await queue.enqueue(col.id, { kind: 'folder', root }).done;
		const added = await (await root.getFileHandle('c.md', { create: true })).createWritable();
		await added.write('gamma');
		await added.close();
		const doc = (await repo.listDocuments(col.id)).find((d) => d.name === 'a.md');
		// The stored collection as a later visit reads it (handles survive in IndexedDB).
		const collection: Collection = { id: col.id, name: 'Code', createdAt: 0, folders: [root] };
		const plan = await planReindex(doc as KnowledgeDocument, collection);
		if (plan.kind !== 'ingest') throw new Error('expected ingest');
		expect(await queue.enqueue(col.id, plan.input).done).toMatchObject({ filesIndexed: 1 });
		expect(await queue.enqueue(col.id, plan.input).done).toMatchObject({
			filesIndexed: 0,
			filesSkipped: 3
		});
		const paths = (await repo.listDocuments(col.id)).map((d) => d.path).sort();
		expect(paths).toEqual(['proj/a.md', 'proj/b.md', 'proj/c.md']);
	});

	it('asks for permission again, and says so when it is refused', async () => {
		const root = await memoryFolder('proj', { 'a.md': 'alpha' });
		root.permission.read = 'prompt';
		root.answer = 'denied';
		const doc = { source: 'folder', path: 'proj/a.md', name: 'a.md' } as KnowledgeDocument;
		const collection: Collection = { id: 'c', name: 'C', createdAt: 0, folders: [root] };
		await expect(planReindex(doc, collection)).rejects.toMatchObject({
			code: 'permission_denied',
			message: expect.stringContaining('Allow it when the browser asks')
		});
		expect(root.requests).toBe(1);
	});

	it('explains why a folder, dropped file or paste cannot be read again; a page is fetched again', async () => {
		const folderDoc = { source: 'folder', path: 'gone/a.md', name: 'a.md' } as KnowledgeDocument;
		await expect(planReindex(folderDoc, undefined)).rejects.toMatchObject({
			code: 'file_not_found',
			message: expect.stringContaining('"gone"')
		});
		const dropped = { source: 'file', path: 'x.pdf', name: 'x.pdf' } as KnowledgeDocument;
		await expect(planReindex(dropped, undefined)).rejects.toMatchObject({ code: 'not_supported' });
		const paste = { source: 'paste', path: 'paste:1', name: 'Pasted' } as KnowledgeDocument;
		await expect(planReindex(paste, undefined)).rejects.toMatchObject({ code: 'not_supported' });
		const page = { source: 'url', path: 'https://example.org/a', name: 'A' } as KnowledgeDocument;
		expect(await planReindex(page, undefined)).toEqual({
			kind: 'refetch',
			url: 'https://example.org/a'
		});
	});

	it('keeps a folder handle per folder name on the collection', async () => {
		const { repo } = setup();
		const col = await repo.createCollection('Code');
		await repo.rememberFolder(col.id, await memoryFolder('proj', {}));
		await repo.rememberFolder(col.id, await memoryFolder('proj', {}));
		await repo.rememberFolder(col.id, await memoryFolder('other', {}));
		const stored = await repo.getCollection(col.id);
		expect(stored?.folders?.map((f) => f.name)).toEqual(['proj', 'other']);
	});
});
