// Filtering and grouping for the memory screen, and the note under an answer.
import { memoryNote } from '$lib/memory/relevance';
import type { Memory } from '$lib/types/knowledge';

/** Memories whose text contains every word of the query (any case); newest change first. */
export function filterMemories(memories: readonly Memory[], query: string): Memory[] {
	const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
	return memories
		.filter((m) => {
			const text = m.text.toLocaleLowerCase();
			return words.every((w) => text.includes(w));
		})
		.sort((a, b) => b.updatedAt - a.updatedAt);
}

export function splitMemories(memories: readonly Memory[]): { kept: Memory[]; proposed: Memory[] } {
	return {
		kept: memories.filter((m) => m.status === 'kept'),
		proposed: memories.filter((m) => m.status === 'proposed')
	};
}

/** "Used 1 memory", "Used 2 memories". */
export function usedMemoriesLabel(count: number): string {
	const note = memoryNote(count);
	return note.charAt(0).toUpperCase() + note.slice(1);
}

export const KIND_LABEL = { fact: 'Fact', preference: 'Preference' } as const;
