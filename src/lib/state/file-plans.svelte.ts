import { SvelteMap } from 'svelte/reactivity';
import type { FolderAccess } from '$lib/files/access';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { canUndo, type PlanJournal } from '$lib/files/plan/journal';
import { interruptedView, recoverApply } from '$lib/files/plan/recover';
import { undoPlan } from '$lib/files/plan/undo';
import { toHearthError } from '$lib/types/errors';
import type { FilePlanView, JournalEntry } from '$lib/types/file-plan';

/** The card's "Undoing… n of m" is updated at most this often. */
const PROGRESS_EVERY_MS = 150;

/** What a plan's card offers after it was applied. */
export interface PlanUndoView {
	/**
	 * 'recovering': an apply the page never finished is being checked against the folder;
	 * 'unchecked': that check could not run (the folder's permission); 'none': nothing to undo.
	 */
	status:
		'loading' | 'recovering' | 'unchecked' | 'available' | 'busy' | 'undone' | 'expired' | 'none';
	/** Why the last undo was refused or stopped: a sentence naming the file. */
	error?: string;
	/** What an undo left: folders kept because something else is in them, items gone for good. */
	note?: string;
	/** While undoing: steps taken back of how many. */
	progress?: { done: number; total: number };
}

export interface FilePlansDeps {
	access: FolderAccess;
	journal: PlanJournal;
	now?: () => number;
}

/**
 * Applied file plans as their cards show them: whether Undo is still offered, and the undo
 * itself (from a click, so the browser may ask for the folder's permission again).
 */
export class FilePlansState {
	readonly #views = new SvelteMap<string, PlanUndoView>();
	/** Interrupted applies, as recovery found them (the card shows these outcomes). */
	readonly #recovered = new SvelteMap<string, FilePlanView>();
	readonly #deps: FilePlansDeps;

	constructor(deps: FilePlansDeps) {
		this.#deps = deps;
	}

	#now(): number {
		return (this.#deps.now ?? Date.now)();
	}

	view(journalId: string): PlanUndoView {
		return this.#views.get(journalId) ?? { status: 'loading' };
	}

	/** An interrupted apply's card as recovery rebuilt it, once it has. */
	recovered(journalId: string): FilePlanView | undefined {
		return this.#recovered.get(journalId);
	}

	/**
	 * Reads the plan's journal entry (the card calls it when it appears). `interrupted`: the card
	 * still says "applying" but its call is over (the page went away mid-apply), so the apply is
	 * recovered from the journal and the disk first.
	 */
	async load(journalId: string, interrupted?: FilePlanView): Promise<void> {
		if (this.#views.has(journalId)) return;
		this.#views.set(journalId, { status: 'loading' });
		const entry = await this.#deps.journal.get(journalId).catch(() => undefined);
		if (entry && interrupted && (entry.state === 'applying' || entry.recovered)) {
			await this.#recover(entry, interrupted);
			return;
		}
		this.#views.set(journalId, { status: this.#status(entry) });
	}

	/** Checks an interrupted apply again (after the folder's permission was refused). */
	async recover(journalId: string, review: FilePlanView): Promise<void> {
		const entry = await this.#deps.journal.get(journalId).catch(() => undefined);
		if (!entry) this.#views.set(journalId, { status: 'expired' });
		else await this.#recover(entry, review);
	}

	#status(entry: JournalEntry | undefined): PlanUndoView['status'] {
		if (entry?.state === 'undone') return 'undone';
		if (entry && canUndo(entry, this.#now())) return 'available';
		return entry && entry.steps.length === entry.undone ? 'none' : 'expired';
	}

	async #recover(entry: JournalEntry, review: FilePlanView): Promise<void> {
		this.#views.set(entry.id, { status: 'recovering' });
		try {
			if (entry.state === 'applying') {
				// Only reads: permission to read is enough to find out what was done.
				const { root } = await this.#deps.access.openById(entry.folderId, 'read');
				await recoverApply(new FolderOps(root), entry, review.permanent);
				await this.#deps.journal.save(entry);
			}
			if (entry.recovered) {
				// The card's plan may be reactive state, which structuredClone refuses.
				const plain = $state.snapshot(review) as FilePlanView;
				this.#recovered.set(entry.id, interruptedView(plain, entry.recovered));
			}
		} catch (e) {
			this.#views.set(entry.id, { status: 'unchecked', error: toHearthError(e).message });
			return;
		}
		this.#views.set(entry.id, { status: this.#status(entry) });
	}

	async undo(journalId: string): Promise<void> {
		if (this.view(journalId).status !== 'available') return;
		this.#views.set(journalId, { status: 'busy' });
		const { journal, access } = this.#deps;
		const entry = await journal.get(journalId);
		if (!entry || !canUndo(entry, this.#now())) {
			this.#views.set(journalId, { status: 'expired' });
			return;
		}
		try {
			const { root } = await access.openById(entry.folderId, 'readwrite');
			let shownAt = 0;
			const result = await undoPlan(new FolderOps(root), entry, {
				onStep: (done, total) => {
					// Every step redrew the card: a thousand layouts for a thousand moves.
					const at = this.#now();
					if (at - shownAt < PROGRESS_EVERY_MS && done < total) return;
					shownAt = at;
					this.#views.set(journalId, { status: 'busy', progress: { done, total } });
				}
			});
			entry.state = 'undone';
			entry.undoneAt = this.#now();
			await journal.save(entry);
			const notes = [
				result.kept.length > 0
					? `Kept ${result.kept.map((p) => `"${p}"`).join(', ')}: something else is in it now.`
					: '',
				result.lost.length > 0
					? `Deleted for good, so not restored: ${result.lost.map((p) => `"${p}"`).join(', ')}.`
					: ''
			].filter(Boolean);
			this.#views.set(journalId, {
				status: 'undone',
				...(notes.length > 0 ? { note: notes.join(' ') } : {})
			});
		} catch (e) {
			// An undo that stopped half-way keeps its place: pressing Undo again finishes it.
			await journal.save(entry).catch(() => undefined);
			this.#views.set(journalId, { status: 'available', error: toHearthError(e).message });
		}
	}
}
