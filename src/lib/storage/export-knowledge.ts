import * as v from 'valibot';
import type { HearthDb } from '$lib/storage/db';
import type { Collection, KnowledgeDocument, Memory, StoredChunk } from '$lib/types/knowledge';
import { Finite, Timestamp } from '$lib/storage/export-values';

// The knowledge base and long-term memories in a backup. Text travels, embeddings do not: they
// belong to one embedding model and are made again on the importing device (the knowledge
// services embed whatever has no vector). File handles stay behind too: they only mean something
// in the browser that granted them.

export interface KnowledgeExport {
	memories: Memory[];
	collections: Collection[];
	documents: KnowledgeDocument[];
	chunks: StoredChunk[];
}

export interface KnowledgeImportResult {
	memoriesAdded: number;
	documentsAdded: number;
}

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Text = v.pipe(v.string(), v.maxLength(200_000));

export const MemorySchema = v.object({
	id: Id,
	text: v.pipe(v.string(), v.minLength(1), v.maxLength(2_000)),
	kind: v.picklist(['fact', 'preference']),
	status: v.picklist(['kept', 'proposed']),
	origin: v.picklist(['explicit', 'proposed']),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	conversationId: v.optional(v.string()),
	untrusted: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(1000))), v.maxLength(100)))
});

export const CollectionSchema = v.object({
	id: Id,
	name: v.pipe(v.string(), v.minLength(1), v.maxLength(500)),
	createdAt: Timestamp
});

export const DocumentSchema = v.object({
	id: Id,
	collectionId: Id,
	name: v.pipe(v.string(), v.maxLength(2_000)),
	path: v.pipe(v.string(), v.maxLength(10_000)),
	source: v.picklist(['file', 'folder', 'paste', 'url']),
	mime: v.string(),
	size: Finite,
	hash: v.string(),
	modifiedAt: v.optional(Timestamp),
	addedAt: Timestamp,
	updatedAt: Timestamp,
	status: v.picklist(['indexed', 'error']),
	error: v.optional(v.object({ code: v.string(), message: v.string() })),
	chunkCount: Finite
});

export const ChunkSchema = v.object({
	id: Id,
	documentId: Id,
	collectionId: Id,
	ordinal: Finite,
	text: Text,
	headings: v.optional(v.array(v.string())),
	symbol: v.optional(v.string()),
	startLine: v.optional(Finite),
	endLine: v.optional(Finite),
	page: v.optional(Finite),
	hash: v.string()
});

/** Reads the knowledge base and memories for a backup (inside the caller's transaction). */
export async function readKnowledge(db: HearthDb): Promise<KnowledgeExport> {
	const [memories, collections, documents, chunks] = await Promise.all([
		db.memories.toArray(),
		db.collections.toArray(),
		db.documents.toArray(),
		db.chunks.toArray()
	]);
	return {
		memories,
		collections: collections.map(({ folders: _folders, ...c }) => c),
		documents: documents.map(({ handle: _handle, ...d }) => d),
		chunks
	};
}

/** The tables readKnowledge reads, for the export's transaction. */
export function knowledgeTables(db: HearthDb) {
	return [db.memories, db.collections, db.documents, db.chunks];
}

/**
 * Merges a backup's knowledge into the database, keyed by id: a memory or document this device
 * already has is left as it is (the user may have edited it since), a collection is created when
 * missing, and a new document comes with its chunks in the same transaction, so a document is
 * never left without its text.
 */
export async function writeKnowledge(
	db: HearthDb,
	data: Partial<KnowledgeExport>
): Promise<KnowledgeImportResult> {
	const result: KnowledgeImportResult = { memoriesAdded: 0, documentsAdded: 0 };
	const memories = data.memories ?? [];
	if (memories.length > 0) {
		await db.transaction('rw', db.memories, async () => {
			const local = await db.memories.bulkGet(memories.map((m) => m.id));
			const fresh = memories.filter((_, i) => !local[i]);
			await db.memories.bulkAdd(fresh);
			result.memoriesAdded = fresh.length;
		});
	}
	const chunksOf = new Map<string, StoredChunk[]>();
	for (const c of data.chunks ?? []) {
		const list = chunksOf.get(c.documentId);
		if (list) list.push(c);
		else chunksOf.set(c.documentId, [c]);
	}
	const collections = new Map((data.collections ?? []).map((c) => [c.id, c]));
	for (const doc of data.documents ?? []) {
		await db.transaction('rw', [db.collections, db.documents, db.chunks], async () => {
			if (await db.documents.get(doc.id)) return;
			if (!(await db.collections.get(doc.collectionId))) {
				const named = collections.get(doc.collectionId);
				await db.collections.add({
					id: doc.collectionId,
					name: named?.name ?? 'Imported documents',
					createdAt: named?.createdAt ?? Date.now()
				});
			}
			await db.documents.add(doc);
			await db.chunks.bulkPut(chunksOf.get(doc.id) ?? []);
			result.documentsAdded++;
		});
	}
	// Empty collections (made but not filled yet) come across as well.
	for (const c of collections.values()) {
		await db.transaction('rw', db.collections, async () => {
			if (!(await db.collections.get(c.id))) await db.collections.add(c);
		});
	}
	return result;
}
