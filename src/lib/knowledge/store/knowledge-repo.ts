// The knowledge base in IndexedDB: collections, documents, chunks and embeddings as bytes.
// Invariant: a chunk counts (is searchable) only once its document row exists. The ingest queue
// writes a file's chunks batch by batch under a fresh document id and commits the document row
// last, so a cancelled or crashed file leaves at most orphans, which `removeOrphans` clears.
import type { DirHandle } from '$lib/files/handles';
import type { HearthDb } from '$lib/storage/db';
import { HearthError, toHearthError } from '$lib/types/errors';
import type {
	Collection,
	KnowledgeDocument,
	StoredChunk,
	StoredVector
} from '$lib/types/knowledge';

/** What changed in the searchable set, for indexes kept in memory (KnowledgeSearch). */
export interface KnowledgeChange {
	/** Documents now committed: load their chunks and vectors. */
	addedDocumentIds: string[];
	/** Chunks gone with their documents: drop them. */
	removedChunkIds: string[];
	/** Embeddings added for already committed chunks (a background re-embed). */
	addedVectors?: { model: string; keys: string[] };
}

export type KnowledgeListener = (change: KnowledgeChange) => void;

/** The listeners of a knowledge store (Dexie here, SQLite in Node), told of every real change. */
export class KnowledgeChanges {
	readonly #listeners = new Set<KnowledgeListener>();

	subscribe(listener: KnowledgeListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	emit(change: KnowledgeChange): void {
		const empty =
			change.addedDocumentIds.length === 0 &&
			change.removedChunkIds.length === 0 &&
			!change.addedVectors?.keys.length;
		if (empty) return;
		for (const listener of this.#listeners) listener(change);
	}
}

export interface CollectionStorage {
	collectionId: string;
	documents: number;
	chunks: number;
	/** Sizes of the original files, as ingested. */
	sourceBytes: number;
	/** Chunk text as UTF-8. */
	textBytes: number;
	/** Embedding bytes, all models. */
	vectorBytes: number;
}

export interface RepositoryOptions {
	now?: () => number;
	newId?: () => string;
}

/** Storage failures as data: quota stays quota_exceeded, anything else is storage_failed. */
export function storageError(e: unknown): HearthError {
	const error = toHearthError(e);
	if (error.code !== 'unknown') return error;
	return new HearthError(
		'storage_failed',
		`Hearth could not read or write the knowledge base: ${error.message}`,
		{ cause: e }
	);
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw storageError(e);
	}
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

export class KnowledgeRepository {
	readonly #db: HearthDb;
	readonly #now: () => number;
	readonly #newId: () => string;
	readonly #changes = new KnowledgeChanges();

	constructor(db: HearthDb, options: RepositoryOptions = {}) {
		this.#db = db;
		this.#now = options.now ?? Date.now;
		this.#newId = options.newId ?? (() => crypto.randomUUID());
	}

	newId(): string {
		return this.#newId();
	}

	now(): number {
		return this.#now();
	}

	/** Called after every committed change; returns the unsubscribe function. */
	subscribe(listener: KnowledgeListener): () => void {
		return this.#changes.subscribe(listener);
	}

	// Collections

	listCollections(): Promise<Collection[]> {
		return guarded(() => this.#db.collections.orderBy('name').toArray());
	}

	getCollection(id: string): Promise<Collection | undefined> {
		return guarded(() => this.#db.collections.get(id));
	}

	async createCollection(name: string): Promise<Collection> {
		const trimmed = name.trim();
		if (!trimmed) throw new HearthError('storage_failed', 'Give the collection a name.');
		const collection: Collection = { id: this.#newId(), name: trimmed, createdAt: this.#now() };
		await guarded(() => this.#db.collections.add(collection));
		return collection;
	}

	async renameCollection(id: string, name: string): Promise<void> {
		const trimmed = name.trim();
		if (!trimmed) throw new HearthError('storage_failed', 'Give the collection a name.');
		const changed = await guarded(() => this.#db.collections.update(id, { name: trimmed }));
		if (changed === 0) throw new HearthError('storage_failed', 'That collection no longer exists.');
	}

	/** Keeps a folder's handle on its collection (one per folder name) for later re-indexing. */
	async rememberFolder(collectionId: string, root: DirHandle): Promise<void> {
		const db = this.#db;
		await guarded(() =>
			db.transaction('rw', db.collections, async () => {
				const collection = await db.collections.get(collectionId);
				if (!collection) return;
				const others = (collection.folders ?? []).filter((f) => f.name !== root.name);
				await db.collections.update(collectionId, { folders: [...others, root] });
			})
		);
	}

	/** Deletes a collection with all its documents, chunks and embeddings. */
	async deleteCollection(id: string): Promise<void> {
		const db = this.#db;
		const removed = await guarded(() =>
			db.transaction('rw', [db.collections, db.documents, db.chunks, db.vectors], async () => {
				const chunkIds = (await db.chunks
					.where('collectionId')
					.equals(id)
					.primaryKeys()) as string[];
				await db.vectors.where('key').anyOf(chunkIds).delete();
				await db.chunks.bulkDelete(chunkIds);
				await db.documents.where('collectionId').equals(id).delete();
				await db.collections.delete(id);
				return chunkIds;
			})
		);
		this.#changes.emit({ addedDocumentIds: [], removedChunkIds: removed });
	}

	// Documents

	listDocuments(collectionId?: string): Promise<KnowledgeDocument[]> {
		return guarded(async () => {
			const rows =
				collectionId === undefined
					? await this.#db.documents.toArray()
					: await this.#db.documents.where('collectionId').equals(collectionId).toArray();
			return rows.sort((a, b) => a.path.localeCompare(b.path));
		});
	}

	getDocument(id: string): Promise<KnowledgeDocument | undefined> {
		return guarded(() => this.#db.documents.get(id));
	}

	getDocuments(ids: readonly string[]): Promise<(KnowledgeDocument | undefined)[]> {
		return guarded(() => this.#db.documents.bulkGet([...ids]));
	}

	findDocumentByPath(collectionId: string, path: string): Promise<KnowledgeDocument | undefined> {
		return guarded(() =>
			this.#db.documents.where('[collectionId+path]').equals([collectionId, path]).first()
		);
	}

	/** Updates fields that do not change the content (e.g. lastModified of an unchanged file). */
	async touchDocument(
		id: string,
		changes: Partial<Pick<KnowledgeDocument, 'modifiedAt' | 'name'>>
	) {
		await guarded(() => this.#db.documents.update(id, { ...changes, updatedAt: this.#now() }));
	}

	/**
	 * Makes a document searchable: writes its row (chunks and vectors are already stored under its
	 * id) and, in the same transaction, removes the version it replaces.
	 */
	async commitDocument(document: KnowledgeDocument, replaces?: string): Promise<void> {
		const db = this.#db;
		const removed = await guarded(() =>
			db.transaction('rw', [db.documents, db.chunks, db.vectors], async () => {
				const old = replaces ? await this.#deleteDocumentRows(replaces) : [];
				await db.documents.put(document);
				return old;
			})
		);
		this.#changes.emit({
			addedDocumentIds: document.status === 'indexed' ? [document.id] : [],
			removedChunkIds: removed
		});
	}

	/** Deletes a document with its chunks and their embeddings (every model). */
	async deleteDocument(id: string): Promise<void> {
		const db = this.#db;
		const removed = await guarded(() =>
			db.transaction('rw', [db.documents, db.chunks, db.vectors], () =>
				this.#deleteDocumentRows(id)
			)
		);
		this.#changes.emit({ addedDocumentIds: [], removedChunkIds: removed });
	}

	/** Drops what a document id wrote before it was committed (a cancelled or failed file). */
	async discardUncommitted(documentId: string): Promise<void> {
		const db = this.#db;
		await guarded(() =>
			db.transaction('rw', [db.documents, db.chunks, db.vectors], async () => {
				if (await db.documents.get(documentId)) return;
				await this.#deleteDocumentRows(documentId);
			})
		);
	}

	/** Removes chunks (and their vectors) whose document was never committed. */
	async removeOrphans(): Promise<number> {
		const db = this.#db;
		return guarded(() =>
			db.transaction('rw', [db.documents, db.chunks, db.vectors], async () => {
				const owners = (await db.chunks.orderBy('documentId').uniqueKeys()) as string[];
				const present = new Set(
					((await db.documents.bulkGet(owners)) ?? []).flatMap((d) => (d ? [d.id] : []))
				);
				let count = 0;
				for (const owner of owners) {
					if (present.has(owner)) continue;
					count += (await this.#deleteDocumentRows(owner)).length;
				}
				return count;
			})
		);
	}

	async #deleteDocumentRows(documentId: string): Promise<string[]> {
		const db = this.#db;
		const chunkIds = (await db.chunks
			.where('documentId')
			.equals(documentId)
			.primaryKeys()) as string[];
		await db.vectors.where('key').anyOf(chunkIds).delete();
		await db.chunks.bulkDelete(chunkIds);
		await db.documents.delete(documentId);
		return chunkIds;
	}

	// Chunks and vectors

	/** Stores a batch of chunks and their vectors together. */
	async putChunks(chunks: readonly StoredChunk[], vectors: readonly StoredVector[] = []) {
		const db = this.#db;
		await guarded(() =>
			db.transaction('rw', [db.chunks, db.vectors], async () => {
				await db.chunks.bulkPut([...chunks]);
				if (vectors.length) await db.vectors.bulkPut([...vectors]);
			})
		);
	}

	chunksOf(documentId: string): Promise<StoredChunk[]> {
		return guarded(() => this.#db.chunks.where('documentId').equals(documentId).sortBy('ordinal'));
	}

	getChunks(ids: readonly string[]): Promise<(StoredChunk | undefined)[]> {
		return guarded(() => this.#db.chunks.bulkGet([...ids]));
	}

	/** Visits every chunk of committed documents (optionally of some collections). */
	async eachChunk(
		visit: (chunk: StoredChunk, document: KnowledgeDocument) => void,
		collectionIds?: readonly string[]
	): Promise<void> {
		await guarded(async () => {
			const docs = new Map<string, KnowledgeDocument>();
			const rows = collectionIds
				? await this.#db.documents
						.where('collectionId')
						.anyOf([...collectionIds])
						.toArray()
				: await this.#db.documents.toArray();
			for (const d of rows) if (d.status === 'indexed') docs.set(d.id, d);
			const chunks = collectionIds
				? this.#db.chunks.where('collectionId').anyOf([...collectionIds])
				: this.#db.chunks.toCollection();
			await chunks.each((chunk) => {
				const doc = docs.get(chunk.documentId);
				if (doc) visit(chunk, doc);
			});
		});
	}

	getVector(model: string, key: string): Promise<StoredVector | undefined> {
		return guarded(() => this.#db.vectors.get([model, key]));
	}

	getVectors(model: string, keys: readonly string[]): Promise<(StoredVector | undefined)[]> {
		return guarded(() => this.#db.vectors.bulkGet(keys.map((k) => [model, k] as [string, string])));
	}

	/** Stores embeddings of one model for committed chunks and tells the search indexes. */
	async putVectors(model: string, vectors: readonly StoredVector[]): Promise<void> {
		if (vectors.some((v) => v.model !== model)) {
			throw new HearthError('storage_failed', 'Embeddings of two models were stored as one.');
		}
		await guarded(() => this.#db.vectors.bulkPut([...vectors]));
		this.#changes.emit({
			addedDocumentIds: [],
			removedChunkIds: [],
			addedVectors: { model, keys: vectors.map((v) => v.key) }
		});
	}

	/** Visits every stored vector of a model. */
	eachVector(model: string, visit: (row: StoredVector) => void): Promise<void> {
		return guarded(() => this.#db.vectors.where('model').equals(model).each(visit));
	}

	/**
	 * For each chunk hash, a stored vector of `model` for a chunk with that text, when one exists:
	 * identical passages (in any document) are embedded only once.
	 */
	async vectorsByChunkHash(
		model: string,
		hashes: readonly string[]
	): Promise<Map<string, StoredVector>> {
		return guarded(async () => {
			const found = new Map<string, StoredVector>();
			if (hashes.length === 0) return found;
			const chunks = await this.#db.chunks
				.where('hash')
				.anyOf([...new Set(hashes)])
				.toArray();
			const rows = await this.#db.vectors.bulkGet(
				chunks.map((c) => [model, c.id] as [string, string])
			);
			chunks.forEach((chunk, i) => {
				const row = rows[i];
				if (row && !found.has(chunk.hash)) found.set(chunk.hash, row);
			});
			return found;
		});
	}

	/** Chunk ids (of any document) that have a vector of `model`. */
	async vectorKeys(model: string): Promise<Set<string>> {
		return guarded(async () => {
			const keys = await this.#db.vectors.where('model').equals(model).primaryKeys();
			return new Set(keys.map(([, key]) => key));
		});
	}

	/** Sizes per collection, for the knowledge screen. */
	async storage(): Promise<CollectionStorage[]> {
		return guarded(async () => {
			const byId = new Map<string, CollectionStorage>();
			const entry = (collectionId: string) => {
				let e = byId.get(collectionId);
				if (!e) {
					e = {
						collectionId,
						documents: 0,
						chunks: 0,
						sourceBytes: 0,
						textBytes: 0,
						vectorBytes: 0
					};
					byId.set(collectionId, e);
				}
				return e;
			};
			for (const c of await this.#db.collections.toArray()) entry(c.id);
			await this.#db.documents.each((d) => {
				const e = entry(d.collectionId);
				e.documents++;
				e.sourceBytes += d.size;
			});
			const collectionOf = new Map<string, string>();
			await this.#db.chunks.each((c) => {
				const e = entry(c.collectionId);
				e.chunks++;
				e.textBytes += utf8Length(c.text);
				collectionOf.set(c.id, c.collectionId);
			});
			await this.#db.vectors.each((v) => {
				const collectionId = collectionOf.get(v.key);
				if (collectionId !== undefined) entry(collectionId).vectorBytes += v.data.byteLength;
			});
			return [...byId.values()];
		});
	}
}
