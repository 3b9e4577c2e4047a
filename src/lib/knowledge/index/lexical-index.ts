// The interface both lexical (BM25) indexes implement.
import type { SearchHit } from '$lib/types/knowledge';
import type { SearchFilter } from './vector-index';

export interface LexicalDoc {
	id: string;
	text: string;
	/** Indexed as its own field where the implementation has fields, else prepended to text. */
	title?: string;
	collection?: string;
}

export interface LexicalIndex {
	readonly kind: 'bm25' | 'minisearch';
	readonly size: number;
	/** Adds documents; an id already present is replaced. */
	add(docs: readonly LexicalDoc[]): void;
	remove(ids: readonly string[]): void;
	/** Best k by BM25, best first. An empty or all-stop-word query finds nothing. */
	search(query: string, k: number, filter?: SearchFilter): SearchHit[];
	has(id: string): boolean;
	clear(): void;
}
