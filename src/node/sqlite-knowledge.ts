// The knowledge base in the terminal's SQLite file: the same store contract as the browser's
// KnowledgeRepository (knowledge/store/knowledge-store.ts), so `hearth index` runs the web app's
// ingest queue, search and re-embedding unchanged. Invariant, as there: a chunk is searchable
// only once its document row exists; a file is written batch by batch under a fresh document id
// and its row committed last (one transaction with the removal of the version it replaces), so a
// Ctrl-C or a kill leaves at most orphans, which removeOrphans clears.
import { KnowledgeChanges, type KnowledgeListener } from '$lib/knowledge/store/knowledge-repo';
import type { KnowledgeStore } from '$lib/knowledge/store/knowledge-store';
import { HearthError } from '$lib/types/errors';
import type {
	Collection,
	KnowledgeDocument,
	StoredChunk,
	StoredVector
} from '$lib/types/knowledge';
import { sqliteError, type Db } from './sqlite-schema';

function guarded<T>(work: () => T): Promise<T> {
	try {
		return Promise.resolve(work());
	} catch (e) {
		return Promise.reject(sqliteError(e));
	}
}

/** A `vectors` row as libsql returns it. */
export interface VectorRow {
	model: string;
	key: string;
	dims: number;
	encoding: StoredVector['encoding'];
	scale: number | null;
	/** libsql hands a BLOB back as an ArrayBuffer (a Buffer in some builds). */
	data: ArrayBuffer | Uint8Array;
}

export function vectorFromRow(row: VectorRow): StoredVector {
	const bytes = row.data;
	const data =
		bytes instanceof Uint8Array
			? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
			: bytes.slice(0);
	return {
		model: row.model,
		key: row.key,
		dims: row.dims,
		encoding: row.encoding,
		...(row.scale !== null ? { scale: row.scale } : {}),
		data: data as ArrayBuffer
	};
}

const parse = <T>(row: { data: string } | undefined): T | undefined =>
	row ? (JSON.parse(row.data) as T) : undefined;

/** SQLite's limit on bound parameters is far above this; batches keep each statement small. */
const IN_BATCH = 500;

function inBatches<T>(ids: readonly string[], run: (slice: string[]) => T[]): T[] {
	const out: T[] = [];
	for (let at = 0; at < ids.length; at += IN_BATCH) out.push(...run(ids.slice(at, at + IN_BATCH)));
	return out;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class SqliteKnowledgeRepository implements KnowledgeStore {
	readonly #db: Db;
	readonly #now: () => number;
	readonly #changes = new KnowledgeChanges();

	constructor(db: Db, now: () => number = Date.now) {
		this.#db = db;
		this.#now = now;
	}

	newId(): string {
		return crypto.randomUUID();
	}

	now(): number {
		return this.#now();
	}

	subscribe(listener: KnowledgeListener): () => void {
		return this.#changes.subscribe(listener);
	}

	// Collections: the terminal makes one per indexed folder, named by its absolute path.

	listCollections(): Promise<Collection[]> {
		return guarded(() =>
			(
				this.#db.prepare('SELECT data FROM knowledge_collections ORDER BY name').all() as {
					data: string;
				}[]
			).map((r) => JSON.parse(r.data) as Collection)
		);
	}

	async collectionNamed(name: string): Promise<Collection | undefined> {
		return guarded(() =>
			parse<Collection>(
				this.#db.prepare('SELECT data FROM knowledge_collections WHERE name = ?').get(name) as
					{ data: string } | undefined
			)
		);
	}

	async createCollection(name: string): Promise<Collection> {
		const trimmed = name.trim();
		if (!trimmed) throw new HearthError('storage_failed', 'Give the collection a name.');
		const collection: Collection = { id: this.newId(), name: trimmed, createdAt: this.#now() };
		await guarded(() =>
			this.#db
				.prepare('INSERT INTO knowledge_collections (id, name, data) VALUES (?, ?, ?)')
				.run(collection.id, collection.name, JSON.stringify(collection))
		);
		return collection;
	}

	/** Deletes a collection with its documents, chunks and their embeddings. */
	async deleteCollection(id: string): Promise<void> {
		const removed = await guarded(() =>
			this.#db.transaction(() => {
				const docs = this.#db
					.prepare('SELECT id FROM knowledge_documents WHERE collection_id = ?')
					.all(id) as { id: string }[];
				const chunkIds = docs.flatMap((d) => this.#deleteDocumentRows(d.id));
				chunkIds.push(...this.#deleteChunksWhere('collection_id = ?', id));
				this.#db.prepare('DELETE FROM knowledge_collections WHERE id = ?').run(id);
				return chunkIds;
			})()
		);
		this.#changes.emit({ addedDocumentIds: [], removedChunkIds: removed });
	}

	// Documents

	listDocuments(collectionId?: string): Promise<KnowledgeDocument[]> {
		return guarded(() => {
			const rows = (
				collectionId === undefined
					? this.#db.prepare('SELECT data FROM knowledge_documents').all()
					: this.#db
							.prepare('SELECT data FROM knowledge_documents WHERE collection_id = ?')
							.all(collectionId)
			) as { data: string }[];
			return rows
				.map((r) => JSON.parse(r.data) as KnowledgeDocument)
				.sort((a, b) => a.path.localeCompare(b.path));
		});
	}

	#document(id: string): KnowledgeDocument | undefined {
		return parse<KnowledgeDocument>(
			this.#db.prepare('SELECT data FROM knowledge_documents WHERE id = ?').get(id) as
				{ data: string } | undefined
		);
	}

	getDocument(id: string): Promise<KnowledgeDocument | undefined> {
		return guarded(() => this.#document(id));
	}

	getDocuments(ids: readonly string[]): Promise<(KnowledgeDocument | undefined)[]> {
		return guarded(() => ids.map((id) => this.#document(id)));
	}

	findDocumentByPath(collectionId: string, path: string): Promise<KnowledgeDocument | undefined> {
		return guarded(() =>
			parse<KnowledgeDocument>(
				this.#db
					.prepare('SELECT data FROM knowledge_documents WHERE collection_id = ? AND path = ?')
					.get(collectionId, path) as { data: string } | undefined
			)
		);
	}

	async touchDocument(
		id: string,
		changes: Partial<Pick<KnowledgeDocument, 'modifiedAt' | 'name'>>
	): Promise<void> {
		await guarded(() => {
			const current = this.#document(id);
			if (!current) return;
			const next = { ...current, ...changes, updatedAt: this.#now() };
			this.#db
				.prepare('UPDATE knowledge_documents SET data = ? WHERE id = ?')
				.run(JSON.stringify(next), id);
		});
	}

	async commitDocument(document: KnowledgeDocument, replaces?: string): Promise<void> {
		// File handles are a browser thing; the path says where the file is.
		const row: KnowledgeDocument = { ...document };
		delete row.handle;
		const removed = await guarded(() =>
			this.#db.transaction(() => {
				const old = replaces ? this.#deleteDocumentRows(replaces) : [];
				this.#db
					.prepare(
						'INSERT OR REPLACE INTO knowledge_documents (id, collection_id, path, data) VALUES (?, ?, ?, ?)'
					)
					.run(row.id, row.collectionId, row.path, JSON.stringify(row));
				return old;
			})()
		);
		this.#changes.emit({
			addedDocumentIds: document.status === 'indexed' ? [document.id] : [],
			removedChunkIds: removed
		});
	}

	async deleteDocument(id: string): Promise<void> {
		const removed = await guarded(() => this.#db.transaction(() => this.#deleteDocumentRows(id))());
		this.#changes.emit({ addedDocumentIds: [], removedChunkIds: removed });
	}

	async discardUncommitted(documentId: string): Promise<void> {
		await guarded(() =>
			this.#db.transaction(() => {
				if (this.#document(documentId)) return;
				this.#deleteDocumentRows(documentId);
			})()
		);
	}

	async removeOrphans(): Promise<number> {
		return guarded(() =>
			this.#db.transaction(() => {
				const owners = this.#db
					.prepare(
						`SELECT DISTINCT document_id AS id FROM knowledge_chunks
						 WHERE document_id NOT IN (SELECT id FROM knowledge_documents)`
					)
					.all() as { id: string }[];
				return owners.reduce((n, o) => n + this.#deleteDocumentRows(o.id).length, 0);
			})()
		);
	}

	/** Deletes a document's row, chunks and their vectors (every model); returns the chunk ids. */
	#deleteDocumentRows(documentId: string): string[] {
		const ids = this.#deleteChunksWhere('document_id = ?', documentId);
		this.#db.prepare('DELETE FROM knowledge_documents WHERE id = ?').run(documentId);
		return ids;
	}

	#deleteChunksWhere(where: string, value: string): string[] {
		const ids = (
			this.#db.prepare(`SELECT id FROM knowledge_chunks WHERE ${where}`).all(value) as {
				id: string;
			}[]
		).map((r) => r.id);
		const dropVector = this.#db.prepare('DELETE FROM vectors WHERE key = ?');
		for (const id of ids) dropVector.run(id);
		this.#db.prepare(`DELETE FROM knowledge_chunks WHERE ${where}`).run(value);
		return ids;
	}

	// Chunks and vectors

	async putChunks(chunks: readonly StoredChunk[], vectors: readonly StoredVector[] = []) {
		await guarded(() =>
			this.#db.transaction(() => {
				const put = this.#db.prepare(
					'INSERT OR REPLACE INTO knowledge_chunks (id, document_id, collection_id, ordinal, hash, data) VALUES (?, ?, ?, ?, ?, ?)'
				);
				for (const c of chunks) {
					put.run(c.id, c.documentId, c.collectionId, c.ordinal, c.hash, JSON.stringify(c));
				}
				this.#writeVectors(vectors);
			})()
		);
	}

	chunksOf(documentId: string): Promise<StoredChunk[]> {
		return guarded(() =>
			(
				this.#db
					.prepare('SELECT data FROM knowledge_chunks WHERE document_id = ? ORDER BY ordinal')
					.all(documentId) as { data: string }[]
			).map((r) => JSON.parse(r.data) as StoredChunk)
		);
	}

	getChunks(ids: readonly string[]): Promise<(StoredChunk | undefined)[]> {
		return guarded(() => {
			const get = this.#db.prepare('SELECT data FROM knowledge_chunks WHERE id = ?');
			return ids.map((id) => parse<StoredChunk>(get.get(id) as { data: string } | undefined));
		});
	}

	async eachChunk(
		visit: (chunk: StoredChunk, document: KnowledgeDocument) => void,
		collectionIds?: readonly string[]
	): Promise<void> {
		await guarded(() => {
			const docs = new Map<string, KnowledgeDocument>();
			for (const d of this.#db.prepare('SELECT data FROM knowledge_documents').all() as {
				data: string;
			}[]) {
				const doc = JSON.parse(d.data) as KnowledgeDocument;
				if (doc.status !== 'indexed') continue;
				if (collectionIds && !collectionIds.includes(doc.collectionId)) continue;
				docs.set(doc.id, doc);
			}
			const rows = this.#db
				.prepare('SELECT document_id, data FROM knowledge_chunks')
				.iterate() as IterableIterator<{ document_id: string; data: string }>;
			for (const row of rows) {
				const doc = docs.get(row.document_id);
				if (doc) visit(JSON.parse(row.data) as StoredChunk, doc);
			}
		});
	}

	#writeVectors(vectors: readonly StoredVector[]): void {
		const put = this.#db.prepare(
			'INSERT OR REPLACE INTO vectors (model, key, dims, encoding, scale, data) VALUES (?, ?, ?, ?, ?, ?)'
		);
		for (const v of vectors) {
			put.run(v.model, v.key, v.dims, v.encoding, v.scale ?? null, Buffer.from(v.data));
		}
	}

	getVectors(model: string, keys: readonly string[]): Promise<(StoredVector | undefined)[]> {
		return guarded(() => {
			const get = this.#db.prepare('SELECT * FROM vectors WHERE model = ? AND key = ?');
			return keys.map((key) => {
				const row = get.get(model, key) as VectorRow | undefined;
				return row ? vectorFromRow(row) : undefined;
			});
		});
	}

	async putVectors(model: string, vectors: readonly StoredVector[]): Promise<void> {
		if (vectors.some((v) => v.model !== model)) {
			throw new HearthError('storage_failed', 'Embeddings of two models were stored as one.');
		}
		await guarded(() => this.#db.transaction(() => this.#writeVectors(vectors))());
		this.#changes.emit({
			addedDocumentIds: [],
			removedChunkIds: [],
			addedVectors: { model, keys: vectors.map((v) => v.key) }
		});
	}

	/** Deletes every vector stored under `key` (all models). */
	deleteVectors(key: string): Promise<void> {
		return guarded(() => {
			this.#db.prepare('DELETE FROM vectors WHERE key = ?').run(key);
		});
	}

	eachVector(model: string, visit: (row: StoredVector) => void): Promise<void> {
		return guarded(() => {
			const rows = this.#db
				.prepare("SELECT * FROM vectors WHERE model = ? AND key NOT LIKE 'memory:%'")
				.iterate(model) as IterableIterator<VectorRow>;
			for (const row of rows) visit(vectorFromRow(row));
		});
	}

	async vectorsByChunkHash(
		model: string,
		hashes: readonly string[]
	): Promise<Map<string, StoredVector>> {
		return guarded(() => {
			const found = new Map<string, StoredVector>();
			const unique = [...new Set(hashes)];
			const rows = inBatches(
				unique,
				(slice) =>
					this.#db
						.prepare(
							`SELECT c.hash AS hash, v.* FROM knowledge_chunks c
							 JOIN vectors v ON v.key = c.id AND v.model = ?
							 WHERE c.hash IN (${marks(slice.length)})`
						)
						.all(model, ...slice) as (VectorRow & { hash: string })[]
			);
			for (const row of rows) if (!found.has(row.hash)) found.set(row.hash, vectorFromRow(row));
			return found;
		});
	}

	async vectorKeys(model: string): Promise<Set<string>> {
		return guarded(
			() =>
				new Set(
					(
						this.#db.prepare('SELECT key FROM vectors WHERE model = ?').all(model) as {
							key: string;
						}[]
					).map((r) => r.key)
				)
		);
	}

	/** Documents, chunks and vectors per collection (hearth index --list). */
	counts(): Promise<Map<string, { documents: number; failed: number; chunks: number }>> {
		return guarded(() => {
			const out = new Map<string, { documents: number; failed: number; chunks: number }>();
			const entry = (id: string) => {
				let e = out.get(id);
				if (!e) out.set(id, (e = { documents: 0, failed: 0, chunks: 0 }));
				return e;
			};
			for (const d of this.#db.prepare('SELECT data FROM knowledge_documents').all() as {
				data: string;
			}[]) {
				const doc = JSON.parse(d.data) as KnowledgeDocument;
				const e = entry(doc.collectionId);
				e.documents++;
				if (doc.status === 'error') e.failed++;
				e.chunks += doc.chunkCount;
			}
			return out;
		});
	}
}
