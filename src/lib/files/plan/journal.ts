// The journal of applied plans: each change as it was made, so one click can take the whole plan
// back. The browser keeps it in IndexedDB (dexiePlanJournal, schema v8); tests and the terminal
// can keep it in memory.
import type { HearthDb } from '$lib/storage/db';
import type { JournalEntry } from '$lib/types/file-plan';

/** How long an applied plan can be undone (while its files stay where it left them). */
export const UNDO_DAYS = 30;
export const UNDO_MS = UNDO_DAYS * 24 * 60 * 60 * 1000;

export interface PlanJournal {
	save(entry: JournalEntry): Promise<void>;
	get(id: string): Promise<JournalEntry | undefined>;
	/** Entries applied before `before` (epoch ms), for pruning. */
	olderThan(before: number): Promise<string[]>;
	remove(ids: readonly string[]): Promise<void>;
}

/** Whether the card may still offer Undo (the file checks come when it is pressed). */
export function canUndo(entry: JournalEntry, now: number): boolean {
	return (
		entry.state !== 'undone' &&
		entry.state !== 'applying' &&
		entry.steps.length > entry.undone &&
		now - entry.appliedAt < UNDO_MS
	);
}

/** Drops entries past the undo window (their trashed files stay in the trash). */
export async function pruneJournal(journal: PlanJournal, now: number): Promise<void> {
	const old = await journal.olderThan(now - UNDO_MS);
	if (old.length > 0) await journal.remove(old);
}

/** The journal in IndexedDB (schema v8), so undo survives a reload. */
export function dexiePlanJournal(db: HearthDb): PlanJournal {
	return {
		async save(entry) {
			await db.filePlans.put(entry);
		},
		get: (id) => db.filePlans.get(id),
		olderThan: (before) => db.filePlans.where('appliedAt').below(before).primaryKeys(),
		async remove(ids) {
			await db.filePlans.bulkDelete([...ids]);
		}
	};
}

/** A journal in memory (tests; a terminal session without a store). */
export function memoryJournal(): PlanJournal & { entries: Map<string, JournalEntry> } {
	const entries = new Map<string, JournalEntry>();
	const copy = (e: JournalEntry): JournalEntry => structuredClone(e);
	return {
		entries,
		async save(entry) {
			entries.set(entry.id, copy(entry));
		},
		async get(id) {
			const entry = entries.get(id);
			return entry && copy(entry);
		},
		async olderThan(before) {
			return [...entries.values()].filter((e) => e.appliedAt < before).map((e) => e.id);
		},
		async remove(ids) {
			for (const id of ids) entries.delete(id);
		}
	};
}
