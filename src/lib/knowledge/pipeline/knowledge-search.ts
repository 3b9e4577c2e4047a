// Search over the knowledge base: chunk texts in a lexical (BM25) index and the active model's
// vectors in a VectorIndex, both in memory and kept in step with the repository's changes.
// Without a ready embedding model every search is lexical, and the result says so.
import { toHearthError } from '$lib/types/errors';
import type { KnowledgeDocument, SearchHit, StoredChunk } from '$lib/types/knowledge';
import { Bm25Index } from '$lib/knowledge/index/bm25-index';
import { FlatIndex } from '$lib/knowledge/index/flat-index';
import { reciprocalRankFusion } from '$lib/knowledge/index/hybrid';
import type { Reranker } from '$lib/knowledge/index/hybrid';
import type { LexicalDoc, LexicalIndex } from '$lib/knowledge/index/lexical-index';
import type { VectorIndex } from '$lib/knowledge/index/vector-index';
import type { KnowledgeChange } from '$lib/knowledge/store/knowledge-repo';
import type { KnowledgeStore } from '$lib/knowledge/store/knowledge-store';
import { decodeVector } from '$lib/knowledge/store/vector-codec';
import type { ActiveEmbedder } from './types';

export type SearchMode = 'hybrid' | 'lexical' | 'dense';

export interface KnowledgeQuery {
	k?: number;
	/** Collection ids to search; all when absent. */
	collections?: readonly string[];
	mode?: SearchMode;
	signal?: AbortSignal;
}

/** One retrieved passage with where it comes from. */
export interface Passage {
	chunkId: string;
	documentId: string;
	collectionId: string;
	documentName: string;
	/** The file's path in its folder, the page's URL, or `paste:<hash>`. */
	path: string;
	text: string;
	headings?: string[];
	symbol?: string;
	startLine?: number;
	endLine?: number;
	page?: number;
	score: number;
	/** How the face cites it (the terminal: "docs/notes.md:12"); absent = name and place. */
	citation?: string;
}

export interface KnowledgeSearchResult {
	passages: Passage[];
	/** The mode that actually ran. */
	mode: SearchMode;
	/** Set when the asked mode could not run (no embedding model, or embedding the query failed). */
	fallback?: string;
}

export interface KnowledgeSearchOptions {
	createVectorIndex?: (dim: number) => VectorIndex;
	createLexicalIndex?: () => LexicalIndex;
	rerank?: Reranker;
}

const NO_MODEL = 'No embedding model is ready, so this was a keyword search.';

/** What BM25 sees besides the text: the document's name, headings and symbol. */
function lexicalDoc(chunk: StoredChunk, document: KnowledgeDocument): LexicalDoc {
	const title = [document.name, ...(chunk.headings ?? []), chunk.symbol ?? ''].join(' ').trim();
	return { id: chunk.id, text: chunk.text, title, collection: chunk.collectionId };
}

export class KnowledgeSearch {
	readonly #repo: KnowledgeStore;
	readonly #options: KnowledgeSearchOptions;
	readonly #lexical: LexicalIndex;
	#dense: VectorIndex | undefined;
	#embedder: ActiveEmbedder | undefined;
	/** Chunk id → collection id, for tagging vectors loaded after their chunks. */
	readonly #collectionOf = new Map<string, string>();
	#unsubscribe: (() => void) | undefined;
	/** Changes apply in order, each after the previous finished loading. */
	#sync: Promise<void> = Promise.resolve();

	constructor(repo: KnowledgeStore, options: KnowledgeSearchOptions = {}) {
		this.#repo = repo;
		this.#options = options;
		this.#lexical = options.createLexicalIndex?.() ?? new Bm25Index();
	}

	/** Chunks in the lexical index. */
	get size(): number {
		return this.#lexical.size;
	}

	/** Vectors of the active model in the vector index. */
	get vectorCount(): number {
		return this.#dense?.size ?? 0;
	}

	get model(): string | undefined {
		return this.#embedder?.model;
	}

	/** Loads every committed chunk (and the active model's vectors) and follows later changes. */
	async load(embedder?: ActiveEmbedder): Promise<void> {
		this.#unsubscribe ??= this.#repo.subscribe((change) => {
			this.#sync = this.#sync.then(() => this.#apply(change)).catch(() => undefined);
		});
		this.#lexical.clear();
		this.#collectionOf.clear();
		const docs: LexicalDoc[] = [];
		await this.#repo.eachChunk((chunk, document) => {
			this.#collectionOf.set(chunk.id, chunk.collectionId);
			docs.push(lexicalDoc(chunk, document));
			if (docs.length >= 1000) this.#lexical.add(docs.splice(0));
		});
		this.#lexical.add(docs);
		await this.setEmbedder(embedder);
	}

	/** Switches the embedding model: its stored vectors replace the vector index. */
	async setEmbedder(embedder: ActiveEmbedder | undefined): Promise<void> {
		this.#embedder = embedder;
		this.#dense = undefined;
		if (!embedder) return;
		let index: VectorIndex | undefined;
		const ids: string[] = [];
		const vectors: Float32Array[] = [];
		// Added in slices so loading never holds every decoded vector twice.
		const flush = () => {
			if (!index || ids.length === 0) return;
			index.add(
				ids,
				vectors,
				ids.map((id) => this.#collectionOf.get(id) ?? '')
			);
			ids.length = 0;
			vectors.length = 0;
		};
		await this.#repo.eachVector(embedder.model, (row) => {
			if (!this.#collectionOf.has(row.key)) return; // an uncommitted or deleted chunk
			index ??= this.#createIndex(row.dims);
			if (row.dims !== index.dim) return;
			ids.push(row.key);
			vectors.push(decodeVector(row));
			if (ids.length >= 1000) flush();
		});
		flush();
		this.#dense = index;
	}

	/** Waits for pending repository changes to be indexed (tests, and before a search). */
	settled(): Promise<void> {
		return this.#sync;
	}

	dispose(): void {
		this.#unsubscribe?.();
		this.#unsubscribe = undefined;
		this.#lexical.clear();
		this.#dense?.clear();
	}

	async search(query: string, options: KnowledgeQuery = {}): Promise<KnowledgeSearchResult> {
		await this.#sync;
		const k = options.k ?? 8;
		const filter = options.collections ? { collections: options.collections } : undefined;
		const asked = options.mode ?? 'hybrid';
		let mode: SearchMode = asked;
		let fallback: string | undefined;
		let vector: Float32Array | undefined;
		if (asked !== 'lexical') {
			if (!this.#embedder) {
				mode = 'lexical';
				fallback = NO_MODEL;
			} else {
				try {
					const [v] = await this.#embedder.embed([query], 'query', options.signal);
					vector = v;
				} catch (e) {
					const error = toHearthError(e);
					if (error.code === 'aborted') throw error;
					mode = 'lexical';
					fallback = `The query could not be embedded (${error.message}), so this was a keyword search.`;
				}
			}
		}
		const depth = Math.max(k, 100);
		// A vector index ranks everything; a passage sharing nothing with the query (cosine ≤ 0)
		// is not a match, so it never fills an empty result.
		const dense =
			mode !== 'lexical' && vector && this.#dense && vector.length === this.#dense.dim
				? this.#dense
						.search(vector, mode === 'dense' ? k : depth, filter)
						.filter((h) => h.score > 0)
				: [];
		let hits: SearchHit[];
		if (mode === 'dense') hits = dense;
		else {
			const lexical = this.#lexical.search(query, depth, filter);
			hits = reciprocalRankFusion(mode === 'hybrid' ? [lexical, dense] : [lexical]);
			if (this.#options.rerank) hits = await this.#options.rerank(query, hits.slice(0, depth));
			hits = hits.slice(0, k);
		}
		return { passages: await this.#passages(hits), mode, fallback };
	}

	async #passages(hits: readonly SearchHit[]): Promise<Passage[]> {
		const chunks = await this.#repo.getChunks(hits.map((h) => h.id));
		const docIds = [...new Set(chunks.flatMap((c) => (c ? [c.documentId] : [])))];
		const docs = new Map(
			(await this.#repo.getDocuments(docIds)).flatMap((d) => (d ? [[d.id, d] as const] : []))
		);
		const out: Passage[] = [];
		hits.forEach((hit, i) => {
			const chunk = chunks[i];
			const doc = chunk && docs.get(chunk.documentId);
			if (!chunk || !doc) return;
			out.push({
				chunkId: chunk.id,
				documentId: doc.id,
				collectionId: chunk.collectionId,
				documentName: doc.name,
				path: doc.path,
				text: chunk.text,
				headings: chunk.headings,
				symbol: chunk.symbol,
				startLine: chunk.startLine,
				endLine: chunk.endLine,
				page: chunk.page,
				score: hit.score
			});
		});
		return out;
	}

	async #apply(change: KnowledgeChange): Promise<void> {
		if (change.addedVectors && change.addedVectors.model === this.#embedder?.model) {
			await this.#addVectors(change.addedVectors.keys);
		}
		if (change.removedChunkIds.length) {
			this.#lexical.remove(change.removedChunkIds);
			this.#dense?.remove(change.removedChunkIds);
			for (const id of change.removedChunkIds) this.#collectionOf.delete(id);
		}
		for (const documentId of change.addedDocumentIds) {
			const document = await this.#repo.getDocument(documentId);
			if (!document || document.status !== 'indexed') continue;
			const chunks = await this.#repo.chunksOf(documentId);
			for (const c of chunks) this.#collectionOf.set(c.id, c.collectionId);
			this.#lexical.add(chunks.map((c) => lexicalDoc(c, document)));
			await this.#addVectors(chunks.map((c) => c.id));
		}
	}

	/** Loads the active model's stored vectors for chunks already in the lexical index. */
	async #addVectors(keys: readonly string[]): Promise<void> {
		const embedder = this.#embedder;
		if (!embedder || keys.length === 0) return;
		const rows = await this.#repo.getVectors(embedder.model, keys);
		const ids: string[] = [];
		const vectors: Float32Array[] = [];
		const tags: string[] = [];
		rows.forEach((row, i) => {
			const key = keys[i];
			const collection = key === undefined ? undefined : this.#collectionOf.get(key);
			if (!row || key === undefined || collection === undefined) return;
			this.#dense ??= this.#createIndex(row.dims);
			if (row.dims !== this.#dense.dim) return;
			ids.push(key);
			vectors.push(decodeVector(row));
			tags.push(collection);
		});
		if (ids.length && this.#dense) this.#dense.add(ids, vectors, tags);
	}

	#createIndex(dim: number): VectorIndex {
		return this.#options.createVectorIndex?.(dim) ?? new FlatIndex({ dim });
	}
}
