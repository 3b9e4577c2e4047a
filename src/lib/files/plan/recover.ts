// Recovery of an apply the page never finished (a reload, a closed tab, a crash). The journal
// holds the plan's steps, saved before the first change, and every change up to its last save;
// the changes made after that save are found on the disk, step by step, and added to the journal
// so Undo takes back exactly what was done. Nothing is changed on the disk here: it only reads.
import type { Plan } from '$lib/files/plan/build';
import { fingerprint, type FolderOps, Listings } from '$lib/files/plan/entry-ops';
import { presetOutcomes, RENAME_VIA } from '$lib/files/plan/apply';
import { joinPath } from '$lib/files/paths';
import { listTrash, type TrashItem } from '$lib/files/trash';
import type {
	FilePlanView,
	JournalEntry,
	JournalStep,
	PlannedStep,
	RecoveredOutcomes
} from '$lib/types/file-plan';

const split = (path: string): string[] => (path === '' ? [] : path.split('/'));

/** The plan's steps as plain data, for the journal. */
export function plannedSteps(plan: Plan): PlannedStep[] {
	const encoder = new TextEncoder();
	return plan.steps.map((step) => ({
		index: step.index,
		action: step.action,
		from: joinPath(step.from),
		to: joinPath(step.to),
		entry: step.entry,
		newFolders: step.newFolders.map(joinPath),
		...(step.replace
			? { replace: { path: joinPath(step.replace.path), entry: step.replace.entry } }
			: {}),
		...(step.caseOnly ? { caseOnly: true } : {}),
		...(step.content !== undefined ? { size: encoder.encode(step.content).length } : {})
	}));
}

/** What the journal says was done, by the paths each kind of change names. */
class Recorded {
	readonly made = new Set<string>();
	readonly moved = new Set<string>();
	readonly copied = new Set<string>();
	readonly created = new Set<string>();
	readonly removed = new Set<string>();

	constructor(steps: readonly JournalStep[]) {
		for (const step of steps) this.add(step);
	}

	add(step: JournalStep): void {
		switch (step.kind) {
			case 'made_folder':
				this.made.add(step.path);
				break;
			case 'moved':
				this.moved.add(`${step.from}\n${step.to}`);
				break;
			case 'copied':
				this.copied.add(step.to);
				break;
			case 'created':
				this.created.add(step.path);
				break;
			case 'trashed':
			case 'deleted':
				this.removed.add(step.path);
				break;
		}
	}

	/** The step's own change (not the folders or the replace before it) is in the journal. */
	finished(step: PlannedStep): boolean {
		switch (step.action) {
			case 'make_folder':
				return step.newFolders.every((f) => this.made.has(f));
			case 'move':
				return this.moved.has(`${step.from}\n${step.to}`);
			case 'copy':
				return this.copied.has(step.to);
			case 'create_file':
				return this.created.has(step.to);
			case 'delete':
				return this.removed.has(step.from);
		}
	}
}

/** One interrupted step, looked at on the disk. */
type Finding = { outcome: 'done' | 'not_run' } | { outcome: 'failed'; note: string };

class Reconciler {
	readonly #entry: JournalEntry;
	readonly #list: Listings;
	readonly #recorded: Recorded;
	#trash: Promise<TrashItem[]> | null = null;
	readonly #ops: FolderOps;

	constructor(ops: FolderOps, entry: JournalEntry) {
		this.#ops = ops;
		this.#entry = entry;
		this.#list = new Listings(ops);
		this.#recorded = new Recorded(entry.steps);
	}

	#push(step: JournalStep): void {
		this.#entry.steps.push(step);
		this.#recorded.add(step);
	}

	/** The trash box this plan put `path` in, if it got that far. */
	async #trashed(path: string): Promise<TrashItem | undefined> {
		this.#trash ??= listTrash(this.#ops.root);
		return (await this.#trash).find(
			(t) => t.planId === this.#entry.id && t.path === path && t.present
		);
	}

	async #there(path: string) {
		return this.#list.at(split(path));
	}

	async #check(path: string) {
		const handle = await this.#there(path);
		return handle?.kind === 'file' ? fingerprint(handle).catch(() => undefined) : undefined;
	}

	/** Records what the disk shows of `step`; says how the item ended. */
	async step(step: PlannedStep, permanent: boolean): Promise<Finding> {
		if (this.#recorded.finished(step)) return { outcome: 'done' };
		for (const folder of step.newFolders) {
			if (this.#recorded.made.has(folder)) continue;
			// The plan found no folder there: one there now is the plan's.
			if ((await this.#there(folder))?.kind !== 'directory') break;
			this.#push({ kind: 'made_folder', path: folder });
		}
		if (step.action === 'make_folder') {
			return this.#recorded.finished(step) ? { outcome: 'done' } : { outcome: 'not_run' };
		}
		if (step.replace && !this.#recorded.removed.has(step.replace.path)) {
			await this.#replaced(step, permanent);
			// The old one is still at the destination: the move or copy never started.
			if (!this.#recorded.removed.has(step.replace.path)) return { outcome: 'not_run' };
		}
		const from = await this.#there(step.from);
		const to = await this.#there(step.to);
		const toIs = to?.kind === step.entry;
		switch (step.action) {
			case 'move':
				return step.caseOnly ? this.#caseOnly(step) : this.#moved(step, from !== null, toIs);
			case 'copy':
			case 'create_file': {
				if (!toIs) return { outcome: 'not_run' };
				const check = await this.#check(step.to);
				if (step.action === 'create_file') {
					if (!check) return { outcome: 'failed', note: unreadable(step.to) };
					this.#push({ kind: 'created', path: step.to, check });
					return check.size === step.size
						? { outcome: 'done' }
						: { outcome: 'failed', note: cutOff(step.to) };
				}
				this.#push({ kind: 'copied', to: step.to, entry: step.entry, ...(check ? { check } : {}) });
				const source = from?.kind === 'file' ? await this.#check(step.from) : undefined;
				return check && source && check.size === source.size
					? { outcome: 'done' }
					: { outcome: 'failed', note: cutOff(step.to) };
			}
			case 'delete': {
				if (from) return { outcome: 'not_run' };
				if (permanent) {
					this.#push({ kind: 'deleted', path: step.from, entry: step.entry });
					return { outcome: 'done' };
				}
				const box = await this.#trashed(step.from);
				if (!box) {
					return {
						outcome: 'failed',
						note: `Interrupted: "${step.from}" is gone and not in the trash.`
					};
				}
				this.#push({ kind: 'trashed', path: step.from, entry: step.entry, trashId: box.id });
				return { outcome: 'done' };
			}
		}
	}

	async #replaced(step: PlannedStep, permanent: boolean): Promise<void> {
		const old = step.replace!;
		if (permanent) {
			// Gone from the destination, or the move is already over it.
			if (!(await this.#there(old.path)) || !(await this.#there(step.from))) {
				this.#push({ kind: 'deleted', path: old.path, entry: old.entry });
			}
			return;
		}
		const box = await this.#trashed(old.path);
		if (box) this.#push({ kind: 'trashed', path: old.path, entry: old.entry, trashId: box.id });
	}

	async #moved(step: PlannedStep, fromThere: boolean, toThere: boolean): Promise<Finding> {
		if (toThere && !fromThere) {
			const check = step.entry === 'file' ? await this.#check(step.to) : undefined;
			this.#push({
				kind: 'moved',
				from: step.from,
				to: step.to,
				entry: step.entry,
				...(check ? { check } : {})
			});
			return { outcome: 'done' };
		}
		if (fromThere && !toThere) return { outcome: 'not_run' };
		if (!fromThere) {
			return {
				outcome: 'failed',
				note: `Interrupted: "${step.from}" is at neither "${step.from}" nor "${step.to}".`
			};
		}
		if (step.entry === 'file') {
			// Copied but the original not yet removed (where files have no move()): Undo removes
			// the copy.
			const check = await this.#check(step.to);
			this.#push({ kind: 'copied', to: step.to, entry: 'file', ...(check ? { check } : {}) });
			return {
				outcome: 'failed',
				note: `Interrupted half-way: a copy is at "${step.to}" and the original still at "${step.from}". Undo removes the copy.`
			};
		}
		return {
			outcome: 'failed',
			note: `Interrupted while its contents moved: some are in "${step.to}", the rest still in "${step.from}". Undo leaves both; move the rest yourself.`
		};
	}

	/** A case-only rename goes through a temporary name: it may be stopped there. */
	async #caseOnly(step: PlannedStep): Promise<Finding> {
		const parent = split(step.from).slice(0, -1);
		const children = (await this.#list.children(parent)) ?? new Map();
		const oldName = split(step.from).at(-1)!;
		const newName = split(step.to).at(-1)!;
		if (children.has(newName) && !children.has(oldName)) {
			this.#push({ kind: 'moved', from: step.from, to: step.to, entry: step.entry });
			return { outcome: 'done' };
		}
		const via = [...children.keys()].find(
			(n) => n.startsWith(RENAME_VIA) && children.get(n)?.kind === step.entry
		);
		if (!via || children.has(oldName)) return { outcome: 'not_run' };
		const at = joinPath([...parent, via]);
		this.#push({ kind: 'moved', from: step.from, to: at, entry: step.entry });
		return {
			outcome: 'failed',
			note: `Interrupted half-way through the rename: it is now "${at}". Undo gives it its old name back.`
		};
	}

	/** Moves the journal recorded without their size and date (read after the last save). */
	async fillChecks(): Promise<void> {
		await Promise.all(
			this.#entry.steps.map(async (step) => {
				if (step.kind === 'moved' && step.entry === 'file' && !step.check) {
					const check = await this.#check(step.to);
					if (check) step.check = check;
				}
			})
		);
	}
}

function unreadable(path: string): string {
	return `Interrupted: "${path}" is there but could not be read, so Undo leaves it.`;
}

function cutOff(path: string): string {
	return `Interrupted while "${path}" was being written: it may be incomplete. Undo removes it.`;
}

/**
 * Completes the journal of an apply the page never finished, from the disk, and marks it
 * 'interrupted'. `permanent`: the plan deleted for good (the card's choice).
 */
export async function recoverApply(
	ops: FolderOps,
	entry: JournalEntry,
	permanent: boolean
): Promise<RecoveredOutcomes> {
	const outcomes: RecoveredOutcomes = { done: [], failed: [] };
	const reconciler = new Reconciler(ops, entry);
	await reconciler.fillChecks();
	for (const step of entry.plan ?? []) {
		const found = await reconciler.step(step, permanent);
		if (found.outcome === 'done') outcomes.done.push(step.index);
		else if (found.outcome === 'failed')
			outcomes.failed.push({ index: step.index, note: found.note });
	}
	entry.state = 'interrupted';
	entry.recovered = outcomes;
	return outcomes;
}

/** The card of an interrupted apply: the plan's items with the outcomes recovery found. */
export function interruptedView(review: FilePlanView, recovered: RecoveredOutcomes): FilePlanView {
	const view = structuredClone(review);
	presetOutcomes(view.items);
	const done = new Set(recovered.done);
	const failed = new Map(recovered.failed.map((f) => [f.index, f.note]));
	for (const item of view.items) {
		if (item.outcome) continue;
		if (done.has(item.index)) item.outcome = 'done';
		else if (failed.has(item.index)) {
			item.outcome = 'failed';
			item.outcomeNote = failed.get(item.index);
		} else {
			item.outcome = 'not_run';
			item.outcomeNote = 'Not done: the apply was interrupted before it.';
		}
	}
	view.state = 'interrupted';
	view.done = view.items.filter((i) => i.outcome === 'done').length;
	return view;
}
