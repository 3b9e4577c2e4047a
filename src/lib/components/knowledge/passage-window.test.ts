import { describe, expect, it } from 'vitest';
import { chunkWindow, orderChunks } from './passage-window';

describe('chunkWindow', () => {
	it('centres on the index', () => {
		expect(chunkWindow(20, 10, 2)).toEqual({ start: 8, end: 13 });
	});

	it('extends on the other side near an edge', () => {
		expect(chunkWindow(20, 0, 2)).toEqual({ start: 0, end: 5 });
		expect(chunkWindow(20, 19, 2)).toEqual({ start: 15, end: 20 });
	});

	it('shows everything of a short document and nothing of an empty one', () => {
		expect(chunkWindow(3, 1, 5)).toEqual({ start: 0, end: 3 });
		expect(chunkWindow(0, 0, 2)).toEqual({ start: 0, end: 0 });
	});

	it('clamps an index out of range', () => {
		expect(chunkWindow(10, 42, 1)).toEqual({ start: 7, end: 10 });
		expect(chunkWindow(10, -3, 1)).toEqual({ start: 0, end: 3 });
	});
});

describe('orderChunks', () => {
	it('sorts by ordinal and finds the id', () => {
		const chunks = [
			{ id: 'c', ordinal: 2 },
			{ id: 'a', ordinal: 0 },
			{ id: 'b', ordinal: 1 }
		];
		const { ordered, index } = orderChunks(chunks, 'c');
		expect(ordered.map((c) => c.id)).toEqual(['a', 'b', 'c']);
		expect(index).toBe(2);
		expect(orderChunks(chunks, 'zzz').index).toBe(-1);
		expect(orderChunks(chunks, null).index).toBe(-1);
	});
});
