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

/**
 * Where a memory came from, in words: the user's own, a suggestion they kept, or text saved
 * while untrusted content was in the conversation (and which).
 */
export function provenanceOf(memory: Pick<Memory, 'origin' | 'status' | 'untrusted'>): string {
	if (memory.untrusted?.length) {
		const from = memory.untrusted.join(', ');
		return memory.status === 'proposed'
			? `Suggested while untrusted content was in the conversation (${from}).`
			: `Saved after reading untrusted content (${from}). Hearth tells the model it may not be your word until you edit it or mark it as yours.`;
	}
	if (memory.origin === 'proposed') {
		return memory.status === 'proposed'
			? 'Suggested from what you said.'
			: 'Suggested from what you said; you kept it.';
	}
	return 'You asked Hearth to remember this.';
}

/** Latest valid time a Date can hold (±8.64e15 ms). */
const MAX_TIME = 8.64e15;

/**
 * A stored time as the screen shows it, or undefined when it is not a time a Date can hold (a
 * damaged or hand-made record): shown without a date rather than breaking the screen.
 */
export function timeOf(
	ms: number,
	format: Intl.DateTimeFormat
): { iso: string; text: string } | undefined {
	if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) return undefined;
	const date = new Date(ms);
	return { iso: date.toISOString(), text: format.format(date) };
}
