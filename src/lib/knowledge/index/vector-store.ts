// Contiguous vector storage shared by both indexes: one slab of float rows (float-rows.ts: wasm
// SIMD memory where available) or int8 codes with a scale per vector, ids, and a collection tag
// per slot. Slots stay dense: removing swaps the last vector into the hole, so a scan never skips
// gaps.
import { HearthError } from '$lib/types/errors';
import type { SearchFilter, VectorSnapshot } from './vector-index';
import { dotRow, dotRows } from './dot';
import { createFloatRows, JsRows, reserveRows } from './float-rows';
import type { FloatRows } from './float-rows';
import { refineTopK, TopK } from './top-k';

export interface VectorStoreOptions {
	dim: number;
	/** Store int8 codes with a per-vector scale: 4x less memory, slightly noisier scores. */
	quantize?: boolean;
	/**
	 * Scan float vectors with the WebAssembly SIMD kernel when the runtime has one (default). The
	 * results are the JS scan's either way; false forces the JS scan (the bench's baseline).
	 */
	simd?: boolean;
}

/** Returns `v` scaled to unit length (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
	let sum = 0;
	for (let i = 0; i < v.length; i++) sum += (v[i] ?? 0) * (v[i] ?? 0);
	const out = new Float32Array(v.length);
	if (sum === 0) return out;
	const inv = 1 / Math.sqrt(sum);
	for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * inv;
	return out;
}

function collectionList(count: number, collections: string | readonly string[] | undefined) {
	if (collections === undefined || typeof collections === 'string') {
		return Array.from({ length: count }, () => collections ?? '');
	}
	if (collections.length !== count) {
		throw new HearthError(
			'unknown',
			`Got ${count} vectors but ${collections.length} collection tags; give one tag or one per vector.`
		);
	}
	return collections;
}

export class VectorStore {
	readonly dim: number;
	readonly quantized: boolean;
	#ids: string[] = [];
	#slotOf = new Map<string, number>();
	#collections: string[] = [];
	#collectionIndex = new Map<string, number>();
	#collectionOf = new Uint32Array(16);
	/** Float storage; an empty JS slab when quantized. */
	#rows: FloatRows;
	#codes: Int8Array;
	#scales = new Float32Array(16);

	constructor({ dim, quantize = false, simd = true }: VectorStoreOptions) {
		if (!Number.isInteger(dim) || dim <= 0) {
			throw new HearthError('unknown', `A vector index needs a positive dimension, got ${dim}.`);
		}
		this.dim = dim;
		this.quantized = quantize;
		this.#rows = quantize ? new JsRows(dim, 0) : createFloatRows(dim, simd);
		this.#codes = new Int8Array(quantize ? 16 * dim : 0);
	}

	get size(): number {
		return this.#ids.length;
	}

	/** Which scan runs: the WebAssembly SIMD kernel or plain JS (always JS for int8). */
	get backend(): 'wasm-simd' | 'js' {
		return this.quantized ? 'js' : this.#rows.kind;
	}

	idAt(slot: number): string {
		return this.#ids[slot] ?? '';
	}

	slotOf(id: string): number | undefined {
		return this.#slotOf.get(id);
	}

	/** The stored (normalised, possibly de-quantised) vector at a slot. */
	vectorAt(slot: number): Float32Array {
		if (!this.quantized) {
			const start = slot * this.#rows.stride;
			return this.#rows.data.slice(start, start + this.dim);
		}
		const start = slot * this.dim;
		const out = new Float32Array(this.dim);
		const scale = this.#scales[slot] ?? 0;
		for (let j = 0; j < this.dim; j++) out[j] = (this.#codes[start + j] ?? 0) * scale;
		return out;
	}

	/**
	 * Adds or overwrites. Returns whether an existing id was overwritten in place (so derived
	 * structures keyed by slot know they are stale).
	 */
	add(
		ids: readonly string[],
		vectors: readonly Float32Array[],
		collections?: string | readonly string[]
	): { replaced: boolean; firstNewSlot: number } {
		if (ids.length !== vectors.length) {
			throw new HearthError('unknown', `Got ${ids.length} ids but ${vectors.length} vectors.`);
		}
		const tags = collectionList(ids.length, collections);
		const firstNewSlot = this.size;
		let replaced = false;
		for (let i = 0; i < ids.length; i++) {
			const id = ids[i] ?? '';
			const vector = vectors[i] ?? new Float32Array(0);
			if (vector.length !== this.dim) {
				throw new HearthError(
					'unknown',
					`A vector has ${vector.length} numbers but this index holds ${this.dim}: the embedding model changed, so the documents need embedding again.`
				);
			}
			let slot = this.#slotOf.get(id);
			if (slot === undefined) {
				slot = this.size;
				this.#reserve(slot + 1);
				this.#ids.push(id);
				this.#slotOf.set(id, slot);
			} else {
				replaced = true;
			}
			this.#collectionOf[slot] = this.#tag(tags[i] ?? '');
			this.#write(slot, normalize(vector));
		}
		return { replaced, firstNewSlot };
	}

	/** Removes ids; returns how many were present. */
	remove(ids: readonly string[]): number {
		let removed = 0;
		for (const id of ids) {
			const slot = this.#slotOf.get(id);
			if (slot === undefined) continue;
			removed++;
			const last = this.size - 1;
			if (slot !== last) this.#move(last, slot);
			this.#ids.pop();
			this.#slotOf.delete(id);
		}
		return removed;
	}

	clear(): void {
		this.#ids = [];
		this.#slotOf.clear();
		this.#collections = [];
		this.#collectionIndex.clear();
	}

	/** A per-collection-index mask for a filter, or undefined when everything passes. */
	mask(filter: SearchFilter | undefined): Uint8Array | undefined {
		if (!filter?.collections) return undefined;
		const mask = new Uint8Array(this.#collections.length);
		for (const name of filter.collections) {
			const index = this.#collectionIndex.get(name);
			if (index !== undefined) mask[index] = 1;
		}
		return mask;
	}

	passes(slot: number, mask: Uint8Array | undefined): boolean {
		return mask === undefined || mask[this.#collectionOf[slot] ?? 0] === 1;
	}

	/** Cosine similarity of the (normalised) query with the vector at a slot. */
	score(query: Float32Array, slot: number): number {
		const dim = this.dim;
		let sum = 0;
		if (this.quantized) {
			const start = slot * dim;
			const codes = this.#codes;
			for (let j = 0; j < dim; j++) sum += (codes[start + j] ?? 0) * (query[j] ?? 0);
			return sum * (this.#scales[slot] ?? 0);
		}
		const start = slot * this.#rows.stride;
		const vectors = this.#rows.data;
		for (let j = 0; j < dim; j++) sum += (vectors[start + j] ?? 0) * (query[j] ?? 0);
		return sum;
	}

	/** Exact scan: every slot that passes the filter, best k by cosine. */
	scan(
		query: Float32Array,
		k: number,
		filter?: SearchFilter
	): Array<{ slot: number; score: number }> {
		const q = normalize(query);
		const mask = this.mask(filter);
		const n = this.size;
		const top = new TopK(Math.min(k, n));
		// Scoring every row then filtering beats branching inside the hot loop.
		let scores: Float32Array;
		if (this.quantized) {
			scores = new Float32Array(n);
			dotRows(this.#codes, this.dim, this.dim, n, q, scores);
		} else {
			scores = this.#rows.dots(q, n);
		}
		for (let slot = 0; slot < n; slot++) {
			if (mask !== undefined && mask[this.#collectionOf[slot] ?? 0] !== 1) continue;
			const score = this.quantized
				? (scores[slot] ?? 0) * (this.#scales[slot] ?? 0)
				: (scores[slot] ?? 0);
			if (score > top.threshold) top.push(slot, score);
		}
		if (this.quantized || this.#rows.errorBound === 0) return top.sorted();
		// The kernel's f32 sums: rescore the few rows near the cut as the JS scan scores them.
		const rows = this.#rows;
		return refineTopK(
			scores,
			n,
			top,
			rows.errorBound,
			(slot) => this.passes(slot, mask),
			(slot) => Math.fround(dotRow(rows.data, slot * rows.stride, this.dim, q))
		).sorted();
	}

	export(): VectorSnapshot {
		const n = this.size;
		// Re-number the collection table so it lists only tags still in use.
		const used = new Map<number, number>();
		const collections: string[] = [];
		const collectionOf = new Uint32Array(n);
		for (let slot = 0; slot < n; slot++) {
			const old = this.#collectionOf[slot] ?? 0;
			let index = used.get(old);
			if (index === undefined) {
				index = collections.length;
				used.set(old, index);
				collections.push(this.#collections[old] ?? '');
			}
			collectionOf[slot] = index;
		}
		const base = {
			version: 1 as const,
			dim: this.dim,
			ids: [...this.#ids],
			collections,
			collectionOf
		};
		if (this.quantized) {
			return {
				...base,
				codes: this.#codes.slice(0, n * this.dim),
				scales: this.#scales.slice(0, n)
			};
		}
		const { data, stride } = this.#rows;
		if (stride === this.dim) return { ...base, vectors: data.slice(0, n * this.dim) };
		const vectors = new Float32Array(n * this.dim);
		for (let slot = 0; slot < n; slot++) {
			vectors.set(data.subarray(slot * stride, slot * stride + this.dim), slot * this.dim);
		}
		return { ...base, vectors };
	}

	import(snapshot: VectorSnapshot): void {
		const n = snapshot.ids.length;
		const invalid = (why: string) =>
			new HearthError('import_invalid', `The saved vector index can't be read (${why}).`);
		if (snapshot.version !== 1) throw invalid(`version ${String(snapshot.version)}`);
		if (snapshot.dim !== this.dim) {
			throw invalid(`it holds ${snapshot.dim}-number vectors, this index ${this.dim}`);
		}
		if (snapshot.collectionOf.length !== n) throw invalid('collection tags do not match ids');
		const { vectors, codes, scales } = snapshot;
		if (vectors) {
			if (vectors.length !== n * this.dim) throw invalid('vector data has the wrong length');
		} else if (codes && scales) {
			if (codes.length !== n * this.dim || scales.length !== n) {
				throw invalid('quantised data has the wrong length');
			}
		} else {
			throw invalid('no vectors');
		}
		if (new Set(snapshot.ids).size !== n) throw invalid('an id appears twice');
		this.clear();
		this.#reserve(n);
		const dim = this.dim;
		for (let slot = 0; slot < n; slot++) {
			const id = snapshot.ids[slot] ?? '';
			this.#ids.push(id);
			this.#slotOf.set(id, slot);
			this.#collectionOf[slot] = this.#tag(
				snapshot.collections[snapshot.collectionOf[slot] ?? 0] ?? ''
			);
			if (codes && scales && this.quantized) {
				// Same storage: copy as is, so a round trip is exact.
				this.#codes.set(codes.subarray(slot * dim, (slot + 1) * dim), slot * dim);
				this.#scales[slot] = scales[slot] ?? 0;
			} else if (vectors) {
				this.#write(slot, normalize(vectors.subarray(slot * dim, (slot + 1) * dim)));
			} else if (codes && scales) {
				const v = new Float32Array(dim);
				const scale = scales[slot] ?? 0;
				for (let j = 0; j < dim; j++) v[j] = (codes[slot * dim + j] ?? 0) * scale;
				this.#write(slot, normalize(v));
			}
		}
	}

	#tag(name: string): number {
		let index = this.#collectionIndex.get(name);
		if (index === undefined) {
			index = this.#collections.length;
			this.#collections.push(name);
			this.#collectionIndex.set(name, index);
		}
		return index;
	}

	#reserve(count: number): void {
		if (count <= this.#collectionOf.length) return;
		const capacity = Math.max(count, this.#collectionOf.length * 2);
		const grow = <T extends Float32Array | Int8Array | Uint32Array>(
			old: T,
			make: (n: number) => T,
			per: number
		) => {
			const next = make(capacity * per);
			next.set(old);
			return next;
		};
		this.#collectionOf = grow(this.#collectionOf, (n) => new Uint32Array(n), 1);
		this.#scales = grow(this.#scales, (n) => new Float32Array(n), 1);
		if (this.quantized) this.#codes = grow(this.#codes, (n) => new Int8Array(n), this.dim);
		else this.#rows = reserveRows(this.#rows, capacity, this.dim);
	}

	#write(slot: number, unit: Float32Array): void {
		if (!this.quantized) {
			this.#rows.data.set(unit, slot * this.#rows.stride);
			return;
		}
		const start = slot * this.dim;
		let max = 0;
		for (let j = 0; j < unit.length; j++) max = Math.max(max, Math.abs(unit[j] ?? 0));
		const scale = max / 127;
		this.#scales[slot] = scale;
		for (let j = 0; j < unit.length; j++) {
			this.#codes[start + j] = scale === 0 ? 0 : Math.round((unit[j] ?? 0) / scale);
		}
	}

	#move(from: number, to: number): void {
		const dim = this.dim;
		if (this.quantized) {
			this.#codes.copyWithin(to * dim, from * dim, (from + 1) * dim);
			this.#scales[to] = this.#scales[from] ?? 0;
		} else {
			const { data, stride } = this.#rows;
			data.copyWithin(to * stride, from * stride, (from + 1) * stride);
		}
		this.#collectionOf[to] = this.#collectionOf[from] ?? 0;
		const id = this.#ids[from] ?? '';
		this.#ids[to] = id;
		this.#slotOf.set(id, to);
	}
}
