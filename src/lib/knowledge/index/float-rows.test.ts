import { describe, expect, it } from 'vitest';
import { FlatIndex } from './flat-index';
import { JsRows, reserveRows, SimdRows } from './float-rows';
import { bruteForceTopK, randomUnitVectors, seededRandom } from './test-vectors';

/** A SIMD and a JS index over the same vectors. */
function pair(
	dim: number,
	ids: readonly string[],
	vectors: readonly Float32Array[],
	tags?: string[]
) {
	const simd = new FlatIndex({ dim });
	const js = new FlatIndex({ dim, simd: false });
	expect(simd.backend).toBe('wasm-simd');
	simd.add(ids, vectors, tags);
	js.add(ids, vectors, tags);
	return { simd, js };
}

describe('SIMD scan vs JS scan', () => {
	it.each([384, 37])(
		'gives identical hits (ids and scores) at %i-d, and the brute-force top k',
		(dim) => {
			const vectors = randomUnitVectors(3000, dim, dim);
			const ids = vectors.map((_, i) => `v${i}`);
			const tags = ids.map((_, i) => `c${i % 4}`);
			const { simd, js } = pair(dim, ids, vectors, tags);
			for (const q of randomUnitVectors(25, dim, 5)) {
				for (const k of [1, 10, 100]) {
					const hits = simd.search(q, k);
					expect(hits).toEqual(js.search(q, k));
					expect(hits.map((h) => h.id)).toEqual(bruteForceTopK(ids, vectors, q, k));
				}
				expect(simd.search(q, 10, { collections: ['c1', 'c3'] })).toEqual(
					js.search(q, 10, { collections: ['c1', 'c3'] })
				);
			}
		}
	);

	it('still agrees after removals and in-place replacements', () => {
		const dim = 64;
		const vectors = randomUnitVectors(1000, dim, 3);
		const ids = vectors.map((_, i) => `v${i}`);
		const { simd, js } = pair(dim, ids, vectors);
		const removed = ids.filter((_, i) => i % 3 === 0);
		// Re-adds v1..v100 with new vectors: some were just removed, the rest are replaced in place.
		const readded = ids.slice(1, 101);
		const fresh = randomUnitVectors(100, dim, 4);
		for (const index of [simd, js]) {
			index.remove(removed);
			index.add(readded, fresh);
		}
		const gone = removed.filter((id) => !readded.includes(id));
		for (const q of [...randomUnitVectors(10, dim, 6), ...fresh.slice(0, 5)]) {
			const hits = simd.search(q, 10);
			expect(hits).toEqual(js.search(q, 10));
			expect(hits.some((h) => gone.includes(h.id))).toBe(false);
		}
		expect(simd.export()).toEqual(js.export());
	});

	it('orders near-ties exactly as the JS scan (f32 sums alone would not)', () => {
		// Rows a millionth apart around one direction: their f32 kernel sums reorder them, so the
		// rows near the cut must be rescored to match.
		const dim = 384;
		const random = seededRandom(11);
		const [base] = randomUnitVectors(1, dim, 12);
		if (!base) throw new Error('no base');
		const vectors = Array.from({ length: 2000 }, () =>
			base.map((x) => x + (random() - 0.5) * 2e-6)
		);
		const ids = vectors.map((_, i) => `v${i}`);
		const { simd, js } = pair(dim, ids, vectors);
		for (const q of [base, ...randomUnitVectors(5, dim, 13)]) {
			expect(simd.search(q, 10)).toEqual(js.search(q, 10));
			expect(simd.search(q, 200)).toEqual(js.search(q, 200));
		}
	});

	it('returns the best zero scores in slot order for a zero query, like JS', () => {
		const vectors = randomUnitVectors(50, 8, 21);
		const { simd, js } = pair(
			8,
			vectors.map((_, i) => `v${i}`),
			vectors
		);
		const zero = new Float32Array(8);
		expect(simd.search(zero, 5)).toEqual(js.search(zero, 5));
	});
});

describe('reserveRows', () => {
	it('moves the rows to JS when wasm memory cannot grow, keeping the scores', () => {
		const dim = 6;
		const rows = SimdRows.create(dim, 1);
		if (!rows) throw new Error('no SIMD');
		const vectors = randomUnitVectors(16, dim, 8);
		vectors.forEach((v, r) => rows.data.set(v, r * rows.stride));
		const [q] = randomUnitVectors(1, dim, 9);
		if (!q) throw new Error('no query');
		const before = rows.dots(q, 16).slice();
		const grown = reserveRows(rows, 100_000, dim);
		expect(grown).toBeInstanceOf(JsRows);
		expect(grown.capacity).toBeGreaterThanOrEqual(100_000);
		const after = grown.dots(q, 16);
		before.forEach((score, r) =>
			expect(Math.abs(score - (after[r] ?? NaN))).toBeLessThanOrEqual(rows.errorBound)
		);
	});
});
