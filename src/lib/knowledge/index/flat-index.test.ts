import { describe, expect, it } from 'vitest';
import { FlatIndex } from './flat-index';
import { refineTopK, TopK } from './top-k';
import { bruteForceTopK, overlap, randomUnitVectors, seededRandom } from './test-vectors';

const DIM = 32;
const vectors = randomUnitVectors(500, DIM, 7);
const ids = vectors.map((_, i) => `v${i}`);
const queries = randomUnitVectors(20, DIM, 99);

describe('TopK', () => {
	it('keeps the k largest of many, best first', () => {
		const top = new TopK(3);
		[5, 1, 9, 3, 7, 8, 2].forEach((score, slot) => top.push(slot, score));
		expect(top.sorted()).toEqual([
			{ slot: 2, score: 9 },
			{ slot: 5, score: 8 },
			{ slot: 4, score: 7 }
		]);
	});

	it('holds fewer than k when fewer were pushed, and nothing for k = 0', () => {
		const top = new TopK(5);
		top.push(0, 1);
		expect(top.sorted()).toEqual([{ slot: 0, score: 1 }]);
		const none = new TopK(0);
		none.push(0, 1);
		expect(none.sorted()).toEqual([]);
	});
});

// Every behaviour holds for both scans: the WebAssembly SIMD kernel (Node 20 has it) and JS.
describe('refineTopK', () => {
	it('recovers the exact top k from scores off by up to the bound, rescoring only near the cut', () => {
		const random = seededRandom(5);
		const n = 5000;
		const bound = 1e-3;
		// Clustered scores so that many sit within the bound of each other near the cut.
		const exact = Array.from({ length: n }, () => Math.fround(Math.round(random() * 400) / 1000));
		const approx = Float32Array.from(exact, (x) => x + (random() * 2 - 1) * bound);
		const passes = (slot: number) => slot % 7 !== 0;
		const reference = new TopK(10);
		exact.forEach((score, slot) => {
			if (passes(slot) && score > reference.threshold) reference.push(slot, score);
		});
		const first = new TopK(10);
		approx.forEach((score, slot) => {
			if (passes(slot) && score > first.threshold) first.push(slot, score);
		});
		const rescored: number[] = [];
		const refined = refineTopK(approx, n, first, bound, passes, (slot) => {
			rescored.push(slot);
			return exact[slot] ?? NaN;
		});
		expect(refined.sorted().map((h) => h.score)).toEqual(reference.sorted().map((h) => h.score));
		expect(rescored.length).toBeLessThan(n / 10);
		expect(rescored.every(passes)).toBe(true);
	});
});

describe.each([true, false])('FlatIndex (simd: %s)', (simd) => {
	it('uses the scan it was asked for', () => {
		expect(new FlatIndex({ dim: DIM, simd }).backend).toBe(simd ? 'wasm-simd' : 'js');
		expect(new FlatIndex({ dim: DIM, simd, quantize: true }).backend).toBe('js');
	});

	it('returns exactly the brute-force top 10, with cosine scores', () => {
		const index = new FlatIndex({ dim: DIM, simd });
		index.add(ids, vectors);
		for (const q of queries) {
			const hits = index.search(q, 10);
			expect(hits.map((h) => h.id)).toEqual(bruteForceTopK(ids, vectors, q, 10));
			for (let i = 1; i < hits.length; i++) {
				expect(hits[i - 1]?.score ?? 0).toBeGreaterThanOrEqual(hits[i]?.score ?? 0);
			}
		}
		const self = index.search(vectors[3] ?? new Float32Array(DIM), 1)[0];
		expect(self?.id).toBe('v3');
		expect(self?.score).toBeCloseTo(1, 5);
	});

	it('normalises what it stores: a scaled vector scores like the original', () => {
		const index = new FlatIndex({ dim: 3, simd });
		index.add(['a', 'b'], [new Float32Array([10, 0, 0]), new Float32Array([0, 2, 2])]);
		const [best] = index.search(new Float32Array([1, 0, 0]), 1);
		expect(best).toEqual({ id: 'a', score: 1 });
	});

	it('int8 storage keeps at least 0.95 of the exact top 10 on random data', () => {
		const index = new FlatIndex({ dim: DIM, quantize: true, simd });
		index.add(ids, vectors);
		const recall =
			queries.reduce(
				(sum, q) =>
					sum +
					overlap(
						index.search(q, 10).map((h) => h.id),
						bruteForceTopK(ids, vectors, q, 10)
					),
				0
			) / queries.length;
		expect(recall).toBeGreaterThanOrEqual(0.95);
	});

	it('removes, replaces and filters by collection', () => {
		const index = new FlatIndex({ dim: 2, simd });
		index.add(['a', 'b'], [new Float32Array([1, 0]), new Float32Array([0, 1])], 'notes');
		index.add(['c'], [new Float32Array([1, 0.1])], ['code']);
		expect(index.size).toBe(3);
		const q = new Float32Array([1, 0]);
		expect(index.search(q, 3).map((h) => h.id)).toEqual(['a', 'c', 'b']);
		expect(index.search(q, 3, { collections: ['code'] }).map((h) => h.id)).toEqual(['c']);
		expect(index.search(q, 3, { collections: ['nothing'] })).toEqual([]);
		index.remove(['a', 'missing']);
		expect(index.has('a')).toBe(false);
		expect(index.search(q, 3).map((h) => h.id)).toEqual(['c', 'b']);
		// Replacing keeps the size and moves the vector.
		index.add(['b'], [new Float32Array([1, 0])], 'notes');
		expect(index.size).toBe(2);
		expect(index.search(q, 1)[0]?.id).toBe('b');
		index.clear();
		expect(index.size).toBe(0);
		expect(index.search(q, 3)).toEqual([]);
	});

	it('refuses vectors of the wrong length with a reason', () => {
		const index = new FlatIndex({ dim: 4, simd });
		expect(() => index.add(['x'], [new Float32Array(3)])).toThrow(/embedding model changed/);
	});

	it.each([false, true])('round-trips export/import as typed arrays (int8: %s)', (quantize) => {
		const index = new FlatIndex({ dim: DIM, quantize, simd });
		index.add(
			ids.slice(0, 100),
			vectors.slice(0, 100),
			ids.slice(0, 100).map((_, i) => `c${i % 3}`)
		);
		index.remove(['v5']);
		const snapshot = index.export();
		expect(snapshot.ids).toHaveLength(99);
		if (quantize) {
			expect(snapshot.codes).toBeInstanceOf(Int8Array);
			expect(snapshot.codes).toHaveLength(99 * DIM);
			expect(snapshot.vectors).toBeUndefined();
		} else {
			expect(snapshot.vectors).toBeInstanceOf(Float32Array);
			expect(snapshot.vectors).toHaveLength(99 * DIM);
		}
		// structuredClone is what IndexedDB does to a stored value.
		const copy = new FlatIndex({ dim: DIM, quantize, simd: !simd });
		copy.import(structuredClone(snapshot));
		for (const q of queries.slice(0, 5)) {
			expect(copy.search(q, 10, { collections: ['c1'] })).toEqual(
				index.search(q, 10, { collections: ['c1'] })
			);
		}
		expect(() => new FlatIndex({ dim: DIM + 1 }).import(snapshot)).toThrow(/can't be read/);
	});
});
