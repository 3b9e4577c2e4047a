import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlatIndex } from './flat-index';
import { bruteForceTopK, overlap, randomUnitVectors } from './test-vectors';
import { VoyIndex } from './voy-index';
import { loadVoy } from './voy-loader';
import type { VoyClass } from './voy-loader';

const wasmPath = createRequire(import.meta.url).resolve('voy-search/voy_search_bg.wasm');
let Voy: VoyClass;

beforeAll(async () => {
	Voy = await loadVoy(() => readFile(wasmPath));
});

const DIM = 64;
const vectors = randomUnitVectors(2000, DIM, 11);
const ids = vectors.map((_, i) => `v${i}`);
const queries = randomUnitVectors(30, DIM, 12);

/** Mean top-10 overlap of an index against the brute-force truth. */
function meanOverlap(search: (q: Float32Array) => string[], truthIds = ids, truth = vectors) {
	return (
		queries.reduce(
			(sum, q) => sum + overlap(search(q), bruteForceTopK(truthIds, truth, q, 10)),
			0
		) / queries.length
	);
}

describe('VoyIndex', () => {
	it('finds the same top 10 as brute force on random data (measured: 1.0)', () => {
		const index = new VoyIndex(Voy, { dim: DIM });
		index.add(ids, vectors);
		// Voy's k-d tree search is exact; 0.99 leaves room for float ties, not for approximation.
		expect(meanOverlap((q) => index.search(q, 10).map((h) => h.id))).toBeGreaterThanOrEqual(0.99);
		const flat = new FlatIndex({ dim: DIM });
		flat.add(ids, vectors);
		const q = queries[0] ?? new Float32Array(DIM);
		const voyHits = index.search(q, 10);
		const flatHits = flat.search(q, 10);
		expect(voyHits.map((h) => h.id)).toEqual(flatHits.map((h) => h.id));
		voyHits.forEach((hit, i) => expect(hit.score).toBeCloseTo(flatHits[i]?.score ?? NaN, 5));
	});

	it('stays correct through incremental adds, replacements and removals', () => {
		const index = new VoyIndex(Voy, { dim: DIM });
		index.add(ids.slice(0, 1000), vectors.slice(0, 1000));
		index.search(queries[0] ?? new Float32Array(DIM), 10); // builds Voy
		index.add(ids.slice(1000), vectors.slice(1000)); // appended into the built tree
		expect(meanOverlap((q) => index.search(q, 10).map((h) => h.id))).toBeGreaterThanOrEqual(0.99);
		const removed = ids.filter((_, i) => i % 3 === 0);
		index.remove(removed);
		const keptIds = ids.filter((_, i) => i % 3 !== 0);
		const kept = vectors.filter((_, i) => i % 3 !== 0);
		expect(index.size).toBe(keptIds.length);
		expect(
			meanOverlap((q) => index.search(q, 10).map((h) => h.id), keptIds, kept)
		).toBeGreaterThanOrEqual(0.99);
		// Overwrite v1 with the query itself: it must come first.
		const q = queries[1] ?? new Float32Array(DIM);
		index.add(['v1'], [q]);
		expect(index.search(q, 1)[0]?.id).toBe('v1');
	});

	it('filters by collection, falling back to an exact scan for a narrow filter', () => {
		const index = new VoyIndex(Voy, { dim: DIM });
		const tags = ids.map((_, i) => (i < 20 ? 'rare' : 'common'));
		index.add(ids, vectors, tags);
		const rareIds = ids.slice(0, 20);
		const rare = vectors.slice(0, 20);
		for (const q of queries.slice(0, 5)) {
			expect(index.search(q, 5, { collections: ['rare'] }).map((h) => h.id)).toEqual(
				bruteForceTopK(rareIds, rare, q, 5)
			);
			const common = index.search(q, 5, { collections: ['common'] });
			expect(common).toHaveLength(5);
			expect(common.every((h) => Number(h.id.slice(1)) >= 20)).toBe(true);
		}
	});

	it('round-trips through the same snapshot as FlatIndex', () => {
		const flat = new FlatIndex({ dim: DIM });
		flat.add(ids.slice(0, 300), vectors.slice(0, 300), 'docs');
		const index = new VoyIndex(Voy, { dim: DIM });
		index.import(structuredClone(flat.export()));
		expect(index.size).toBe(300);
		const q = queries[2] ?? new Float32Array(DIM);
		expect(index.search(q, 10).map((h) => h.id)).toEqual(flat.search(q, 10).map((h) => h.id));
		expect(index.export().ids).toEqual(flat.export().ids);
		index.clear();
		expect(index.search(q, 10)).toEqual([]);
		index.dispose();
	});
});
