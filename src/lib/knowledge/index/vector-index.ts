// The one interface every vector index implements, and the plain-data snapshot they share, so
// storage never depends on which implementation built the vectors (and never on Voy's JSON).
import type { SearchHit } from '$lib/types/knowledge';

/** Restricts a search to some collections (each vector carries one collection tag). */
export interface SearchFilter {
	collections?: readonly string[];
}

/**
 * Storage-friendly form of an index: typed arrays (IndexedDB stores them as binary) plus the id
 * strings. Exactly one of `vectors` or `codes`+`scales` is present.
 */
export interface VectorSnapshot {
	version: 1;
	dim: number;
	ids: string[];
	/** Distinct collection tags; `collectionOf[i]` indexes into this list. */
	collections: string[];
	collectionOf: Uint32Array;
	/** ids.length × dim, L2-normalised, row-major. */
	vectors?: Float32Array;
	/** int8 storage: ids.length × dim codes and one scale per vector (value ≈ code × scale). */
	codes?: Int8Array;
	scales?: Float32Array;
}

export interface VectorIndex {
	readonly kind: 'flat' | 'voy';
	readonly dim: number;
	readonly size: number;
	/**
	 * Adds or replaces vectors. `collections` is one tag for all, or one per id; absent means ''.
	 * Vectors are L2-normalised on the way in, so scores are cosine similarities.
	 */
	add(
		ids: readonly string[],
		vectors: readonly Float32Array[],
		collections?: string | readonly string[]
	): void;
	/** Removes the ids it has; unknown ids are ignored. */
	remove(ids: readonly string[]): void;
	/** The k nearest by cosine similarity, best first. */
	search(query: Float32Array, k: number, filter?: SearchFilter): SearchHit[];
	has(id: string): boolean;
	clear(): void;
	export(): VectorSnapshot;
	/** Replaces the contents with a snapshot (from either implementation). */
	import(snapshot: VectorSnapshot): void;
}
