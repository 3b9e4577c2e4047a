// Voy (a k-d tree in WebAssembly, the design's choice) behind the VectorIndex interface. Voy is a
// derived structure: the vectors live in our VectorStore (the source of truth, what export()
// saves), and Voy is rebuilt from it lazily. Appends go to Voy incrementally (`add`); removals and
// overwrites mark it stale and the next search rebuilds, because Voy's ids are our slot numbers
// and removal re-packs slots. Voy returns no distances, so scores are recomputed from the store.
import type { Voy } from 'voy-search';
import type { SearchHit } from '$lib/types/knowledge';
import type { SearchFilter, VectorIndex, VectorSnapshot } from './vector-index';
import { VectorStore, normalize } from './vector-store';
import type { VectorStoreOptions } from './vector-store';
import type { VoyClass } from './voy-loader';

const BUILD_BATCH = 5000;

interface VoyItem {
	id: string;
	title: string;
	url: string;
	embeddings: number[];
}

export class VoyIndex implements VectorIndex {
	readonly kind = 'voy';
	#store: VectorStore;
	#Voy: VoyClass;
	#voy: Voy | undefined;
	#stale = true;

	/** `Voy` comes from `await loadVoy(source)`. */
	constructor(Voy: VoyClass, options: VectorStoreOptions) {
		this.#Voy = Voy;
		this.#store = new VectorStore(options);
	}

	get dim(): number {
		return this.#store.dim;
	}

	get size(): number {
		return this.#store.size;
	}

	add(
		ids: readonly string[],
		vectors: readonly Float32Array[],
		collections?: string | readonly string[]
	): void {
		const { replaced, firstNewSlot } = this.#store.add(ids, vectors, collections);
		if (replaced) this.#stale = true;
		if (this.#stale || !this.#voy) return;
		for (let from = firstNewSlot; from < this.#store.size; from += BUILD_BATCH) {
			const to = Math.min(this.#store.size, from + BUILD_BATCH);
			this.#voy.add({ embeddings: this.#items(from, to) });
		}
	}

	remove(ids: readonly string[]): void {
		if (this.#store.remove(ids) > 0) this.#stale = true;
	}

	search(query: Float32Array, k: number, filter?: SearchFilter): SearchHit[] {
		const n = this.#store.size;
		if (n === 0 || k <= 0) return [];
		const mask = this.#store.mask(filter);
		const voy = this.#ready();
		// Voy cannot filter: over-fetch, and when a narrow filter leaves too few, scan the subset
		// exactly (we hold every vector, so that is always possible).
		const fetch = Math.min(n, mask ? k * 4 : k);
		const hits: SearchHit[] = [];
		for (const neighbor of voy.search(query, fetch).neighbors) {
			const slot = Number(neighbor.id);
			if (!this.#store.passes(slot, mask)) continue;
			hits.push({ id: this.#store.idAt(slot), score: 0 });
			if (hits.length === k) break;
		}
		if (mask && hits.length < k && fetch < n) {
			return this.#store
				.scan(query, k, filter)
				.map(({ slot, score }) => ({ id: this.#store.idAt(slot), score }));
		}
		const q = normalize(query);
		return hits
			.map((hit) => ({ id: hit.id, score: this.#store.score(q, this.#store.slotOf(hit.id) ?? 0) }))
			.sort((a, b) => b.score - a.score);
	}

	has(id: string): boolean {
		return this.#store.slotOf(id) !== undefined;
	}

	clear(): void {
		this.#store.clear();
		this.#voy?.clear();
		this.#stale = true;
	}

	export(): VectorSnapshot {
		return this.#store.export();
	}

	import(snapshot: VectorSnapshot): void {
		this.#store.import(snapshot);
		this.#stale = true;
	}

	/** Frees Voy's wasm memory. The index rebuilds it if used again. */
	dispose(): void {
		this.#voy?.free();
		this.#voy = undefined;
		this.#stale = true;
	}

	/** Builds Voy now (otherwise the first search after a change pays for it). */
	rebuild(): void {
		this.#ready();
	}

	#ready(): Voy {
		if (this.#voy && !this.#stale) return this.#voy;
		this.#voy?.free();
		// Voy takes its input as one JSON string; in batches, 100k 384-d vectors stay under V8's
		// maximum string length (one batch would need ~800 MB of JSON).
		const n = this.#store.size;
		const voy = new this.#Voy({ embeddings: this.#items(0, Math.min(n, BUILD_BATCH)) });
		for (let from = BUILD_BATCH; from < n; from += BUILD_BATCH) {
			voy.add({ embeddings: this.#items(from, Math.min(n, from + BUILD_BATCH)) });
		}
		this.#voy = voy;
		this.#stale = false;
		return voy;
	}

	#items(from: number, to: number): VoyItem[] {
		const items: VoyItem[] = [];
		for (let slot = from; slot < to; slot++) {
			items.push({
				id: String(slot),
				title: '',
				url: '',
				embeddings: Array.from(this.#store.vectorAt(slot))
			});
		}
		return items;
	}
}
