// BM25+ from minisearch (the well-kept library option) with our English analyzer; title and text
// as separate fields, as minisearch scores them. Kept as the measured alternative to Bm25Index.
import MiniSearch from 'minisearch';
import type { SearchHit } from '$lib/types/knowledge';
import { processTerm, tokenize } from './analyzer';
import type { LexicalDoc, LexicalIndex } from './lexical-index';
import type { SearchFilter } from './vector-index';

export class MiniSearchIndex implements LexicalIndex {
	readonly kind = 'minisearch';
	#search: MiniSearch<LexicalDoc>;

	constructor() {
		this.#search = new MiniSearch<LexicalDoc>({
			fields: ['title', 'text'],
			storeFields: ['collection'],
			tokenize,
			processTerm: (term) => processTerm(term) ?? undefined,
			searchOptions: { combineWith: 'OR', prefix: false, fuzzy: false }
		});
	}

	get size(): number {
		return this.#search.documentCount;
	}

	has(id: string): boolean {
		return this.#search.has(id);
	}

	add(docs: readonly LexicalDoc[]): void {
		for (const doc of docs) {
			if (this.#search.has(doc.id)) this.#search.discard(doc.id);
			this.#search.add({ ...doc, title: doc.title ?? '', collection: doc.collection ?? '' });
		}
	}

	remove(ids: readonly string[]): void {
		for (const id of ids) if (this.#search.has(id)) this.#search.discard(id);
	}

	clear(): void {
		this.#search.removeAll();
	}

	search(query: string, k: number, filter?: SearchFilter): SearchHit[] {
		const allowed = filter?.collections ? new Set(filter.collections) : undefined;
		const results = this.#search.search(query, {
			filter: allowed ? (r) => allowed.has(String(r.collection ?? '')) : undefined
		});
		return results.slice(0, k).map((r) => ({ id: String(r.id), score: r.score }));
	}
}
