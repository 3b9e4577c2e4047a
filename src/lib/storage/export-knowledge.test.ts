import { describe, expect, it } from 'vitest';
import { exportAll, importExport } from '$lib/storage/export';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import { memoryFolder } from '$lib/files/memory-fs';
import type { HearthDb } from '$lib/storage/db';
import type { KnowledgeDocument, Memory, StoredChunk } from '$lib/types/knowledge';

const memory = (id: string, text: string, updatedAt = 1): Memory => ({
	id,
	text,
	kind: 'fact',
	status: 'kept',
	origin: 'explicit',
	createdAt: 1,
	updatedAt
});

const doc = (id: string, collectionId: string): KnowledgeDocument => ({
	id,
	collectionId,
	name: `${id}.md`,
	path: `${id}.md`,
	source: 'file',
	mime: 'text/markdown',
	size: 10,
	hash: `hash-${id}`,
	addedAt: 1,
	updatedAt: 1,
	status: 'indexed',
	chunkCount: 1
});

const chunk = (
	id: string,
	documentId: string,
	collectionId: string,
	text: string
): StoredChunk => ({
	id,
	documentId,
	collectionId,
	ordinal: 0,
	text,
	hash: `h-${id}`,
	headings: ['Budget']
});

async function seed(db: HearthDb): Promise<void> {
	const handle = await (await memoryFolder('x', { 'd1.md': 'q3' })).getFileHandle('d1.md');
	await db.memories.bulkAdd([memory('m1', 'The user prefers Python.')]);
	await db.collections.add({ id: 'c1', name: 'Work', createdAt: 1, folders: [] });
	await db.documents.add({
		...doc('d1', 'c1'),
		handle: { kind: 'file', name: handle.name } as never
	});
	await db.chunks.add(chunk('k1', 'd1', 'c1', 'The Q3 budget is 40,000 euros.'));
	await db.vectors.add({
		model: 'm',
		key: 'k1',
		dims: 2,
		encoding: 'f32',
		data: new Uint8Array(8).buffer
	} as never);
}

describe('backup of memories and the knowledge base', () => {
	it('carries memories, collections, documents and chunks, but no vectors or file handles', async () => {
		const db = freshDb();
		await seed(db);
		const text = JSON.stringify(await exportAll(db));
		expect(text).not.toContain('"handle"');
		expect(text).not.toContain('"folders"');
		const data = parseExport(text);
		expect(data.knowledge?.memories.map((m) => m.text)).toEqual(['The user prefers Python.']);

		const other = freshDb();
		const result = await importExport(other, data);
		expect(result).toMatchObject({ memoriesAdded: 1, documentsAdded: 1 });
		expect(await other.collections.get('c1')).toMatchObject({ name: 'Work' });
		expect((await other.chunks.toArray()).map((c) => c.text)).toEqual([
			'The Q3 budget is 40,000 euros.'
		]);
		// Embeddings are made again on this device, for its own model.
		expect(await other.vectors.count()).toBe(0);

		// Importing again adds nothing; a memory edited here is not overwritten.
		await other.memories.update('m1', { text: 'The user prefers Rust.', updatedAt: 5 });
		expect(await importExport(other, data)).toMatchObject({ memoriesAdded: 0, documentsAdded: 0 });
		expect((await other.memories.get('m1'))?.text).toBe('The user prefers Rust.');
	});

	it('refuses a file whose chunks point to a missing document, before writing anything', async () => {
		const db = freshDb();
		await seed(db);
		const exported = await exportAll(db);
		exported.knowledge?.chunks.push(chunk('k2', 'nope', 'c1', 'orphan'));
		expect(() => parseExport(JSON.stringify(exported))).toThrow(/knowledge\.chunks\[1\]/);
	});

	it('reads a backup made before memories existed', async () => {
		const data = parseExport(
			JSON.stringify({
				format: 'hearth-export',
				version: 1,
				exportedAt: 1,
				conversations: [],
				messages: []
			})
		);
		expect(data.knowledge).toBeUndefined();
		expect(await importExport(freshDb(), data)).toMatchObject({ memoriesAdded: 0 });
	});
});
