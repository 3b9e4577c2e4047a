import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25-index';
import { FlatIndex } from './flat-index';
import { hybridSearch, reciprocalRankFusion } from './hybrid';

describe('reciprocalRankFusion', () => {
	it('sums 1/(k + rank) over the lists, rank from 1', () => {
		const fused = reciprocalRankFusion(
			[
				[
					{ id: 'a', score: 9 },
					{ id: 'b', score: 5 }
				],
				[
					{ id: 'b', score: 0.9 },
					{ id: 'c', score: 0.8 }
				]
			],
			60
		);
		expect(fused.map((h) => h.id)).toEqual(['b', 'a', 'c']);
		expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
		expect(fused[1]?.score).toBeCloseTo(1 / 61, 12);
		expect(fused[2]?.score).toBeCloseTo(1 / 62, 12);
	});

	it('breaks ties by first appearance and handles empty input', () => {
		const fused = reciprocalRankFusion([[{ id: 'x', score: 1 }], [{ id: 'y', score: 1 }]]);
		expect(fused.map((h) => h.id)).toEqual(['x', 'y']);
		expect(reciprocalRankFusion([])).toEqual([]);
	});
});

describe('hybridSearch', () => {
	const lexical = new Bm25Index();
	const dense = new FlatIndex({ dim: 2 });
	lexical.add([
		{ id: 'budget', text: 'Q3 budget meeting notes', collection: 'notes' },
		{ id: 'db', text: 'function connects to the database', collection: 'code' },
		{ id: 'trip', text: 'holiday plans', collection: 'notes' }
	]);
	dense.add(
		['budget', 'db', 'trip'],
		[new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([0.9, 0.1])],
		['notes', 'code', 'notes']
	);

	it('fuses a document both lists find above one only one list finds', async () => {
		const hits = await hybridSearch(
			{ lexical, dense },
			{ text: 'budget', vector: new Float32Array([1, 0]), k: 3 }
		);
		expect(hits.map((h) => h.id)).toEqual(['budget', 'trip', 'db']);
	});

	it('is lexical only without a query vector, and filters by collection', async () => {
		const lexicalOnly = await hybridSearch({ lexical, dense }, { text: 'database', k: 5 });
		expect(lexicalOnly.map((h) => h.id)).toEqual(['db']);
		const filtered = await hybridSearch(
			{ lexical, dense },
			{
				text: 'database',
				vector: new Float32Array([0, 1]),
				k: 5,
				filter: { collections: ['notes'] }
			}
		);
		expect(filtered.map((h) => h.id).sort()).toEqual(['budget', 'trip']);
	});

	it('passes the fused candidates to the rerank hook and keeps its order', async () => {
		let seen: string[] = [];
		const hits = await hybridSearch(
			{ lexical, dense },
			{
				text: 'budget',
				vector: new Float32Array([1, 0]),
				k: 2,
				rerank: async (query, candidates) => {
					expect(query).toBe('budget');
					seen = candidates.map((h) => h.id);
					return [...candidates].reverse();
				}
			}
		);
		expect(seen).toEqual(['budget', 'trip', 'db']);
		expect(hits.map((h) => h.id)).toEqual(['db', 'trip']);
	});
});
