import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';
import type { KnowledgeDocument, StoredChunk } from '$lib/types/knowledge';
import { KnowledgeRepository, storageError } from './knowledge-repo';
import type { KnowledgeChange } from './knowledge-repo';
import { decodeVector, encodeVector } from './vector-codec';
import { hashBlob, HASH_SLICE_BYTES, sha256Hex } from './hash';

function doc(id: string, collectionId: string, extra: Partial<KnowledgeDocument> = {}) {
	return {
		id,
		collectionId,
		name: `${id}.md`,
		path: `${id}.md`,
		source: 'file',
		mime: 'text/markdown',
		size: 100,
		hash: `h-${id}`,
		addedAt: 1,
		updatedAt: 1,
		status: 'indexed',
		chunkCount: 2,
		...extra
	} satisfies KnowledgeDocument;
}

function chunk(documentId: string, collectionId: string, ordinal: number, text: string) {
	return {
		id: `${documentId}:${ordinal}`,
		documentId,
		collectionId,
		ordinal,
		text,
		hash: `hash:${text}`
	} satisfies StoredChunk;
}

describe('vector codec', () => {
	it('round-trips f32 bytes exactly and copies the input', () => {
		const v = new Float32Array([0.1, -2.5, 3e-8, Math.PI]);
		const row = encodeVector('m', 'k', v);
		v[0] = 99;
		expect(row.data.byteLength).toBe(16);
		expect(Array.from(decodeVector(row))).toEqual(
			Array.from(new Float32Array([0.1, -2.5, 3e-8, Math.PI]))
		);
	});

	it('stores i8 codes with a scale, within one step of the original', () => {
		const v = new Float32Array([0.5, -1, 0.25, 0]);
		const row = encodeVector('m', 'k', v, 'i8');
		expect(row.data.byteLength).toBe(4);
		expect(row.scale).toBeCloseTo(1 / 127);
		const back = decodeVector(row);
		for (let i = 0; i < v.length; i++)
			expect(Math.abs((back[i] ?? 0) - (v[i] ?? 0))).toBeLessThan(1 / 127);
	});

	it('refuses a row whose bytes do not match its header', () => {
		const row = { ...encodeVector('m', 'k', new Float32Array(4)), dims: 5 };
		expect(() => decodeVector(row)).toThrow(HearthError);
	});
});

describe('hashing', () => {
	it('hashes text as plain SHA-256 and big blobs slice by slice, deterministically', async () => {
		expect(await sha256Hex('abc')).toBe(
			'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
		);
		const big = new Uint8Array(HASH_SLICE_BYTES + 10).fill(7);
		const a = await hashBlob(new Blob([big]));
		big[HASH_SLICE_BYTES + 5] = 8;
		const b = await hashBlob(new Blob([big]));
		expect(a).toMatch(/^[0-9a-f]{64}$/);
		expect(a).not.toBe(b);
		expect(await hashBlob(new Blob([big]))).toBe(b);
	});
});

describe('KnowledgeRepository', () => {
	it('creates, renames, lists and deletes collections with their documents', async () => {
		const repo = new KnowledgeRepository(freshDb());
		const work = await repo.createCollection('  Work ');
		const home = await repo.createCollection('Home');
		expect(work.name).toBe('Work');
		await repo.renameCollection(home.id, 'Apple');
		expect((await repo.listCollections()).map((c) => c.name)).toEqual(['Apple', 'Work']);
		await expect(repo.createCollection(' ')).rejects.toMatchObject({ code: 'storage_failed' });

		await repo.putChunks(
			[chunk('d1', work.id, 0, 'alpha'), chunk('d1', work.id, 1, 'beta')],
			[encodeVector('m', 'd1:0', new Float32Array([1, 2]))]
		);
		await repo.commitDocument(doc('d1', work.id));
		await repo.putChunks([chunk('d2', home.id, 0, 'gamma')]);
		await repo.commitDocument(doc('d2', home.id));

		const changes: KnowledgeChange[] = [];
		repo.subscribe((c) => changes.push(c));
		await repo.deleteCollection(work.id);
		expect(await repo.getCollection(work.id)).toBeUndefined();
		expect(await repo.listDocuments()).toHaveLength(1);
		expect(await repo.chunksOf('d1')).toEqual([]);
		expect(await repo.getVector('m', 'd1:0')).toBeUndefined();
		expect(changes).toEqual([{ addedDocumentIds: [], removedChunkIds: ['d1:0', 'd1:1'] }]);
	});

	it('round-trips chunks and vector bytes exactly', async () => {
		const repo = new KnowledgeRepository(freshDb());
		const v = new Float32Array([0.123456789, -1e-30, 42, Number.MIN_VALUE]);
		const c = { ...chunk('d', 'c', 0, 'text'), headings: ['A', 'B'], startLine: 3, endLine: 9 };
		await repo.putChunks(
			[c],
			[encodeVector('model-a', c.id, v), encodeVector('model-b', c.id, new Float32Array([1]))]
		);
		const row = await repo.getVector('model-a', c.id);
		expect(row).toBeDefined();
		expect(new Uint8Array(row!.data)).toEqual(new Uint8Array(v.buffer));
		expect(decodeVector(row!)).toEqual(v);
		expect((await repo.getVector('model-b', c.id))?.dims).toBe(1);
		expect(await repo.chunksOf('d')).toEqual([c]);
	});

	it('commits a new version in place of the old one and reports both changes', async () => {
		const repo = new KnowledgeRepository(freshDb());
		await repo.putChunks([chunk('old', 'c', 0, 'v1')]);
		await repo.commitDocument(doc('old', 'c', { path: 'a.md' }));
		const changes: KnowledgeChange[] = [];
		repo.subscribe((c) => changes.push(c));
		await repo.putChunks([chunk('new', 'c', 0, 'v2')]);
		await repo.commitDocument(doc('new', 'c', { path: 'a.md' }), 'old');
		expect((await repo.findDocumentByPath('c', 'a.md'))?.id).toBe('new');
		expect(await repo.getDocument('old')).toBeUndefined();
		expect(await repo.chunksOf('old')).toEqual([]);
		expect(changes).toEqual([{ addedDocumentIds: ['new'], removedChunkIds: ['old:0'] }]);
	});

	it('deletes a document with its chunks and every model’s vectors', async () => {
		const repo = new KnowledgeRepository(freshDb());
		await repo.putChunks(
			[chunk('d', 'c', 0, 'x'), chunk('keep', 'c', 0, 'y')],
			[
				encodeVector('m1', 'd:0', new Float32Array([1])),
				encodeVector('m2', 'd:0', new Float32Array([1])),
				encodeVector('m1', 'keep:0', new Float32Array([1]))
			]
		);
		await repo.commitDocument(doc('d', 'c'));
		await repo.commitDocument(doc('keep', 'c'));
		await repo.deleteDocument('d');
		expect(await repo.getVectors('m1', ['d:0', 'keep:0'])).toEqual([
			undefined,
			expect.objectContaining({ key: 'keep:0' })
		]);
		expect(await repo.getVector('m2', 'd:0')).toBeUndefined();
		expect(await repo.chunksOf('keep')).toHaveLength(1);
	});

	it('removes orphaned chunks of documents that were never committed', async () => {
		const repo = new KnowledgeRepository(freshDb());
		await repo.putChunks(
			[chunk('orphan', 'c', 0, 'x'), chunk('live', 'c', 0, 'y')],
			[encodeVector('m', 'orphan:0', new Float32Array([1]))]
		);
		await repo.commitDocument(doc('live', 'c'));
		expect(await repo.removeOrphans()).toBe(1);
		expect(await repo.getChunks(['orphan:0', 'live:0'])).toEqual([undefined, expect.anything()]);
		expect(await repo.getVector('m', 'orphan:0')).toBeUndefined();
	});

	it('finds a stored vector by chunk text hash for reuse', async () => {
		const repo = new KnowledgeRepository(freshDb());
		await repo.putChunks(
			[chunk('a', 'c', 0, 'same')],
			[encodeVector('m', 'a:0', new Float32Array([5]))]
		);
		const found = await repo.vectorsByChunkHash('m', ['hash:same', 'hash:other']);
		expect([...found.keys()]).toEqual(['hash:same']);
		expect((await repo.vectorsByChunkHash('other-model', ['hash:same'])).size).toBe(0);
	});

	it('adds up storage per collection', async () => {
		const repo = new KnowledgeRepository(freshDb(), { newId: () => 'col' });
		const col = await repo.createCollection('C');
		await repo.putChunks(
			[chunk('d', col.id, 0, 'héllo'), chunk('d', col.id, 1, 'abc')],
			[
				encodeVector('m', 'd:0', new Float32Array(3)),
				encodeVector('m', 'd:1', new Float32Array(3), 'i8')
			]
		);
		await repo.commitDocument(doc('d', col.id, { size: 1234 }));
		expect(await repo.storage()).toEqual([
			{
				collectionId: 'col',
				documents: 1,
				chunks: 2,
				sourceBytes: 1234,
				textBytes: 9,
				vectorBytes: 15
			}
		]);
	});

	it('reports a full disk as quota_exceeded and other failures as storage_failed', () => {
		const quota = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
		expect(storageError(quota).code).toBe('quota_exceeded');
		expect(storageError(new Error('disk on fire')).code).toBe('storage_failed');
		expect(storageError(new Error('disk on fire')).message).toContain('disk on fire');
	});
});
