import { describe, expect, it } from 'vitest';
import type { Memory } from '$lib/types/knowledge';
import { filterMemories, splitMemories, usedMemoriesLabel } from './memory-view';

function memory(id: string, text: string, patch: Partial<Memory> = {}): Memory {
	return {
		id,
		text,
		kind: 'fact',
		status: 'kept',
		origin: 'explicit',
		createdAt: 0,
		updatedAt: 0,
		...patch
	};
}

const all = [
	memory('a', 'I prefer Python for scripts', { kind: 'preference', updatedAt: 10 }),
	memory('b', 'My team meets on Tuesdays', { updatedAt: 30 }),
	memory('c', 'Prefers dark mode', { status: 'proposed', origin: 'proposed', updatedAt: 20 })
];

describe('filterMemories', () => {
	it('keeps memories containing every query word, any case, newest first', () => {
		expect(filterMemories(all, 'PREFER').map((m) => m.id)).toEqual(['c', 'a']);
		expect(filterMemories(all, 'prefer python').map((m) => m.id)).toEqual(['a']);
		expect(filterMemories(all, 'rust')).toEqual([]);
	});

	it('returns everything, newest first, for an empty query', () => {
		expect(filterMemories(all, '  ').map((m) => m.id)).toEqual(['b', 'c', 'a']);
	});
});

describe('splitMemories', () => {
	it('separates kept memories from proposals', () => {
		const { kept, proposed } = splitMemories(all);
		expect(kept.map((m) => m.id)).toEqual(['a', 'b']);
		expect(proposed.map((m) => m.id)).toEqual(['c']);
	});
});

describe('usedMemoriesLabel', () => {
	it('counts in words', () => {
		expect(usedMemoriesLabel(1)).toBe('Used 1 memory');
		expect(usedMemoriesLabel(2)).toBe('Used 2 memories');
	});
});
