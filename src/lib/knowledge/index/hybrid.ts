// Hybrid ranking: reciprocal-rank fusion (Cormack et al. 2009) of a lexical and a dense list.
// RRF uses ranks only, so BM25 scores and cosines never need calibrating against each other.
import type { SearchHit } from '$lib/types/knowledge';
import type { LexicalIndex } from './lexical-index';
import type { SearchFilter, VectorIndex } from './vector-index';

/** The constant from the RRF paper; larger flattens the advantage of the very top ranks. */
export const RRF_K = 60;

/** Reorders hits, e.g. with a cross-encoder. Must return a subset of what it was given. */
export type Reranker = (query: string, hits: SearchHit[]) => Promise<SearchHit[]>;

/** score(d) = Σ over lists containing d of 1 / (k + rank), rank from 1. Ties: first list wins. */
export function reciprocalRankFusion(
	lists: ReadonlyArray<readonly SearchHit[]>,
	k = RRF_K
): SearchHit[] {
	const scores = new Map<string, number>();
	for (const list of lists) {
		list.forEach((hit, i) => scores.set(hit.id, (scores.get(hit.id) ?? 0) + 1 / (k + i + 1)));
	}
	// Map iteration order is first appearance, and sort is stable: equal scores keep it.
	return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

export interface HybridQuery {
	text: string;
	/** The query's embedding; without it the search is lexical only. */
	vector?: Float32Array;
	k: number;
	filter?: SearchFilter;
	/** How deep each list is read before fusing. */
	candidates?: number;
	rrfK?: number;
	rerank?: Reranker;
}

export async function hybridSearch(
	indexes: { lexical?: LexicalIndex; dense?: VectorIndex },
	query: HybridQuery
): Promise<SearchHit[]> {
	const depth = Math.max(query.k, query.candidates ?? 100);
	const lists: SearchHit[][] = [];
	if (indexes.lexical) lists.push(indexes.lexical.search(query.text, depth, query.filter));
	if (indexes.dense && query.vector) {
		lists.push(indexes.dense.search(query.vector, depth, query.filter));
	}
	const fused = reciprocalRankFusion(lists, query.rrfK ?? RRF_K);
	if (!query.rerank) return fused.slice(0, query.k);
	const reranked = await query.rerank(query.text, fused.slice(0, depth));
	return reranked.slice(0, query.k);
}
