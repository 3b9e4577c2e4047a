import { describe, expect, it } from 'vitest';
import { evaluate, ndcgAt, recallAt } from './metrics';

describe('ndcgAt', () => {
	it('is 1 for the ideal order and 0 when nothing relevant is ranked', () => {
		const qrels = new Map([
			['a', 2],
			['b', 1]
		]);
		expect(ndcgAt(['a', 'b', 'x'], qrels)).toBe(1);
		expect(ndcgAt(['x', 'y'], qrels)).toBe(0);
		expect(ndcgAt(['a'], new Map())).toBe(0);
	});

	it('matches a hand computation with graded, linear gains', () => {
		// Ranked: x, b(1), a(2). DCG = 1/log2(3) + 2/log2(4) = 0.63093 + 1 = 1.63093.
		// Ideal: a(2), b(1). IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.63093 = 2.63093.
		const qrels = new Map([
			['a', 2],
			['b', 1],
			['c', 0]
		]);
		expect(ndcgAt(['x', 'b', 'a', 'c'], qrels)).toBeCloseTo(1.63093 / 2.63093, 5);
	});

	it('cuts at k, counts a repeated id once and ignores grade 0', () => {
		const qrels = new Map([['a', 1]]);
		expect(ndcgAt(['x', 'a'], qrels, 1)).toBe(0);
		// 'x' twice takes one rank, so 'a' is at rank 2: 1/log2(3).
		expect(ndcgAt(['x', 'x', 'a'], qrels)).toBeCloseTo(1 / Math.log2(3), 10);
		expect(ndcgAt(['z'], new Map([['z', 0]]))).toBe(0);
	});
});

describe('recallAt', () => {
	it('is the share of relevant documents in the first k', () => {
		const qrels = new Map([
			['a', 1],
			['b', 1],
			['c', 2],
			['n', 0]
		]);
		expect(recallAt(['a', 'x', 'c', 'n'], qrels, 100)).toBeCloseTo(2 / 3, 10);
		expect(recallAt(['x', 'a'], qrels, 1)).toBe(0);
		expect(recallAt(['a'], new Map([['n', 0]]))).toBe(0);
	});
});

describe('evaluate', () => {
	it('averages over every judged query, counting a missing run as 0', () => {
		const qrels = new Map([
			['q1', new Map([['a', 1]])],
			['q2', new Map([['b', 1]])]
		]);
		const result = evaluate(new Map([['q1', ['a']]]), qrels);
		expect(result).toEqual({ ndcg10: 0.5, recall100: 0.5, queries: 2 });
	});
});
