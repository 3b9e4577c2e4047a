// Where float vectors live: one contiguous slab of rows either way. With WebAssembly SIMD the slab
// is the kernel's own memory, so a search copies only the query in; without it, a plain
// Float32Array scanned by dot.ts (the exact reference).
import { dotRows } from './dot';
import { createDotKernel } from './simd-kernel';
import type { DotKernel } from './simd-kernel';

export interface FloatRows {
	readonly kind: 'wasm-simd' | 'js';
	/** Floats from one row's start to the next: dim, or dim rounded up to 4 for SIMD (zeros). */
	readonly stride: number;
	/** Rows that fit without growing. */
	readonly capacity: number;
	/** The slab (capacity × stride). A new view after reserve() grows it: never keep it across. */
	readonly data: Float32Array;
	/**
	 * How far a dots() score may be from the exact one (dotRow rounded to f32): 0 for the JS path.
	 * Holds for unit vectors only, which is all the store keeps.
	 */
	readonly errorBound: number;
	/** Grows to hold at least `rows`, keeping the contents. Throws RangeError when memory runs out. */
	reserve(rows: number): void;
	/** Scores of the first `count` rows with `query` (dim numbers). Valid until the next call. */
	dots(query: Float32Array, count: number): Float32Array;
}

const INITIAL_ROWS = 16;

/** The plain-JS slab: scores are the exact double sums, rounded to f32. */
export class JsRows implements FloatRows {
	readonly kind = 'js';
	readonly errorBound = 0;
	readonly stride: number;
	#dim: number;
	data: Float32Array;
	#scores = new Float32Array(0);

	constructor(dim: number, capacity = INITIAL_ROWS) {
		this.#dim = dim;
		this.stride = dim;
		this.data = new Float32Array(capacity * dim);
	}

	get capacity(): number {
		return this.data.length / this.stride;
	}

	reserve(rows: number): void {
		if (rows <= this.capacity) return;
		const next = new Float32Array(Math.max(rows, this.capacity * 2) * this.stride);
		next.set(this.data);
		this.data = next;
	}

	dots(query: Float32Array, count: number): Float32Array {
		if (this.#scores.length < count) this.#scores = new Float32Array(this.capacity);
		dotRows(this.data, this.stride, this.#dim, count, query, this.#scores);
		return this.#scores;
	}
}

const PAGE = 65536;
const F32 = 4;

/**
 * The wasm slab. Memory layout, in bytes: [query: stride floats, padded to 64][rows: capacity ×
 * stride floats][scores: capacity floats]. Growing keeps the query and rows in place and moves
 * only the scores, which are scratch.
 */
export class SimdRows implements FloatRows {
	readonly kind = 'wasm-simd';
	readonly stride: number;
	readonly errorBound: number;
	#dim: number;
	#memory: WebAssembly.Memory;
	#kernel: DotKernel;
	#rowsAt: number;
	#capacity = 0;
	data = new Float32Array(0);

	/** Undefined when this runtime has no WebAssembly SIMD. `maximumPages` caps the memory (tests). */
	static create(dim: number, maximumPages?: number): SimdRows | undefined {
		const memory = new WebAssembly.Memory(
			maximumPages === undefined ? { initial: 1 } : { initial: 1, maximum: maximumPages }
		);
		const kernel = createDotKernel(memory);
		return kernel && new SimdRows(dim, memory, kernel);
	}

	private constructor(dim: number, memory: WebAssembly.Memory, kernel: DotKernel) {
		this.#dim = dim;
		this.stride = Math.ceil(dim / 4) * 4;
		this.#memory = memory;
		this.#kernel = kernel;
		this.#rowsAt = Math.ceil((this.stride * F32) / 64) * 64;
		// f32 sums of at most `stride` products along any path (really stride/16 + 6), whose
		// absolute values add up to at most |row|·|query| ≈ 1, err by at most n·2^-24 (Higham's
		// γn); rounding the exact double score to f32 adds 2^-24. Taking n = stride + 16 and
		// doubling the last term is generous and still ~2.4e-5 at 384-d: a handful of rescored rows.
		this.errorBound = (this.stride + 16) * 2 ** -24 * 1.01 + 2 ** -23;
		this.reserve(INITIAL_ROWS);
	}

	get capacity(): number {
		return this.#capacity;
	}

	reserve(rows: number): void {
		if (rows <= this.#capacity) return;
		const capacity = Math.max(rows, this.#capacity * 2);
		const bytes = this.#rowsAt + capacity * (this.stride + 1) * F32;
		const pages = Math.ceil(bytes / PAGE) - this.#memory.buffer.byteLength / PAGE;
		// Throws RangeError past the memory's limit; the old contents stay valid then.
		if (pages > 0) this.#memory.grow(pages);
		this.#capacity = capacity;
		this.data = new Float32Array(this.#memory.buffer, this.#rowsAt, capacity * this.stride);
	}

	dots(query: Float32Array, count: number): Float32Array {
		const buffer = this.#memory.buffer;
		new Float32Array(buffer, 0, this.#dim).set(query.subarray(0, this.#dim));
		const scoresAt = this.#rowsAt + this.#capacity * this.stride * F32;
		this.#kernel.dotsF32(this.#rowsAt, 0, scoresAt, count, this.stride * F32);
		return new Float32Array(buffer, scoresAt, count);
	}
}

/** The SIMD slab where the runtime has one (unless `simd` is false), else the JS one. */
export function createFloatRows(dim: number, simd = true): FloatRows {
	return (simd ? SimdRows.create(dim) : undefined) ?? new JsRows(dim);
}

/**
 * reserve(), falling back to a JS copy of the rows when wasm memory can't grow (a 32-bit
 * browser's address space runs out sooner than an ArrayBuffer's). Returns the rows to use.
 */
export function reserveRows(rows: FloatRows, count: number, dim: number): FloatRows {
	try {
		rows.reserve(count);
		return rows;
	} catch (error) {
		if (rows.kind === 'js' || !(error instanceof RangeError)) throw error;
		const plain = new JsRows(dim, Math.max(count, rows.capacity));
		for (let r = 0; r < rows.capacity; r++) {
			const start = r * rows.stride;
			plain.data.set(rows.data.subarray(start, start + dim), r * dim);
		}
		return plain;
	}
}
