// The applier: carries out a built plan step by step, writing each change to the journal as soon
// as it is made, so a failure or a cancel half-way leaves an exact record of what was done (and
// undo can take that part back). Plain file moves that touch none of each other's paths run a few
// at a time; everything else runs alone, in order. At the first failure (or a cancel) nothing new
// starts: the moves already under way finish, and each item says whether it was done.
import type { FileHandle } from '$lib/files/handles';
import type { Plan, PlanStep } from '$lib/files/plan/build';
import { type AnyHandle, fingerprint, type FolderOps } from '$lib/files/plan/entry-ops';
import type { JournalStep } from '$lib/types/file-plan';
import { fsError } from '$lib/files/operations';
import { joinPath } from '$lib/files/paths';
import { moveToTrash, newTrashId } from '$lib/files/trash';
import type { HearthError } from '$lib/types/errors';
import type { EntryKind, FilePlanView, Fingerprint, PlanItemView } from '$lib/types/file-plan';

export interface ApplyOptions {
	signal: AbortSignal;
	/** The journal entry's id (trashed items remember which plan deleted them). */
	planId: string;
	now(): number;
	/** After each step: progress, and a chance to save the journal so far. */
	onStep?(done: number, total: number): void;
}

export interface ApplyResult {
	state: 'applied' | 'stopped' | 'cancelled';
	/** The plan's items with their outcomes. */
	view: FilePlanView;
	error?: HearthError;
}

/** A case-only rename goes through this name, so it works on disks that ignore case. */
export const RENAME_VIA = '.hearth-renaming-';

/**
 * File moves under way at once. OPFS in Chromium 156 moved 1,000 files in 1.7-2.1 s one at a
 * time and in 0.8-1.0 s with 8-32 in flight (measured): the round trips to the disk overlap.
 */
export const MOVES_IN_FLIGHT = 8;

/**
 * The paths a file move touches (case folded: on Windows and macOS "A" and "a" are one name),
 * or null when the step must run alone: it makes folders, replaces something, renames by case
 * only, or moves a folder (whose contents are paths too).
 */
function movePaths(step: PlanStep): string[] | null {
	if (step.action !== 'move' || step.entry !== 'file' || step.caseOnly || step.replace) return null;
	if (step.newFolders.length > 0) return null;
	return [joinPath(step.from).toLowerCase(), joinPath(step.to).toLowerCase()];
}

/**
 * Applies `plan` over `ops`, appending every change made to `journal` (the caller's array, so it
 * can save it while this runs).
 */
export async function applyPlan(
	ops: FolderOps,
	plan: Plan,
	journal: JournalStep[],
	options: ApplyOptions
): Promise<ApplyResult> {
	const view = structuredClone(plan.view);
	const byIndex = new Map<number, PlanItemView>(view.items.map((i) => [i.index, i]));
	const permanent = view.permanent;

	async function remove(path: string[], entry: EntryKind, known?: AnyHandle): Promise<void> {
		if (permanent) {
			await ops.remove(path);
			journal.push({ kind: 'deleted', path: joinPath(path), entry });
			return;
		}
		const handle = known ?? (await ops.entry(path, entry));
		const now = options.now();
		const info = await moveToTrash(ops, handle, path, {
			id: newTrashId(now),
			now,
			planId: options.planId
		});
		journal.push({ kind: 'trashed', path: joinPath(path), entry, trashId: info.id });
	}

	async function check(handle: AnyHandle) {
		return handle.kind === 'file' ? fingerprint(handle) : undefined;
	}

	async function run(step: PlanStep): Promise<string | undefined> {
		for (const folder of step.newFolders) {
			await ops.makeFolder(folder);
			journal.push({ kind: 'made_folder', path: joinPath(folder) });
		}
		if (step.replace) await remove(step.replace.path, step.replace.entry);
		const to = joinPath(step.to);
		switch (step.action) {
			case 'make_folder':
				return undefined;
			case 'create_file': {
				const handle: FileHandle = await ops.writeNewFile(step.to, step.content ?? '');
				journal.push({ kind: 'created', path: to, check: await fingerprint(handle) });
				return undefined;
			}
			case 'delete':
				await remove(step.from, step.entry, step.handle);
				return permanent ? 'Deleted for good.' : 'Moved to the trash.';
			case 'copy': {
				const source = step.handle ?? (await ops.entry(step.from, step.entry));
				const copy = await ops.copy(source, step.to);
				journal.push({ kind: 'copied', to, entry: step.entry, check: await check(copy) });
				return undefined;
			}
			case 'move': {
				const from = joinPath(step.from);
				let handle = step.handle ?? (await ops.entry(step.from, step.entry));
				let at = step.from;
				if (step.caseOnly) {
					const via = [...step.from.slice(0, -1), `${RENAME_VIA}${newTrashId(options.now())}`];
					handle = await ops.move(handle, at, via);
					at = via;
					// Recorded at once: a failure now leaves it under the temporary name, and undo
					// must know that.
					journal.push({ kind: 'moved', from, to: joinPath(via), entry: step.entry });
				}
				const moved = await ops.move(handle, at, step.to);
				const record: JournalStep & { kind: 'moved' } = {
					kind: 'moved',
					from,
					to,
					entry: step.entry
				};
				if (step.caseOnly) journal[journal.length - 1] = record;
				else journal.push(record);
				if (moved.kind === 'file') await fingerprints.add(moved, record);
				return undefined;
			}
		}
	}

	presetOutcomes(view.items);

	let state: ApplyResult['state'] = 'applied';
	let error: HearthError | undefined;
	let done = 0;
	const fingerprints = new Fingerprints();

	async function execute(step: PlanStep): Promise<void> {
		const item = byIndex.get(step.index)!;
		try {
			const note = await run(step);
			item.outcome = 'done';
			if (note) item.outcomeNote = note;
			else if (item.choice === 'keep_both')
				item.outcomeNote = `Kept both: the new one is "${joinPath(step.to)}".`;
			else if (item.choice === 'replace')
				item.outcomeNote = permanent
					? 'Replaced; the old one was deleted for good.'
					: 'Replaced; the old one is in the trash.';
		} catch (e) {
			const failed = fsError(e, joinPath(step.from), view.folder);
			item.outcome = 'failed';
			item.outcomeNote = failed.message;
			// The plan reports the first failure; another move under way may fail too.
			error ??= failed;
			state = 'stopped';
			return;
		}
		view.done = ++done;
		options.onStep?.(done, plan.steps.length);
	}

	/** Moves under way, and the paths they touch (no second move may touch one meanwhile). */
	const running = new Set<Promise<void>>();
	const busy = new Set<string>();
	const drain = () => Promise.all(running);
	for (const step of plan.steps) {
		const paths = movePaths(step);
		if (!paths || paths.some((p) => busy.has(p))) await drain();
		while (running.size >= MOVES_IN_FLIGHT) await Promise.race(running);
		if (error) break;
		if (options.signal.aborted) {
			state = 'cancelled';
			break;
		}
		if (!paths) {
			await execute(step);
			continue;
		}
		const task: Promise<void> = execute(step).finally(() => {
			running.delete(task);
			for (const p of paths) busy.delete(p);
		});
		running.add(task);
		for (const p of paths) busy.add(p);
	}
	await drain();
	if (error) state = 'stopped';
	await fingerprints.settle();
	for (const item of view.items) item.outcome ??= 'not_run';
	view.state = state;
	if (error) view.error = error.toJSON();
	return { state, view, ...(error ? { error } : {}) };
}

/** The outcomes known before anything runs: refused items, and those with nothing to do. */
export function presetOutcomes(items: PlanItemView[]): void {
	for (const item of items) {
		if (item.problem) {
			item.outcome = 'not_run';
			item.outcomeNote = item.problem;
		} else if (item.note || item.choice === 'skip') {
			item.outcome = 'skipped';
			item.outcomeNote =
				item.choice === 'skip'
					? `Skipped: "${item.to ?? item.path}" already exists and was kept.`
					: item.note;
		}
	}
}

/**
 * A moved file's size and date, read while the next moves run: reading them in line doubled the
 * round trips to the disk per move. A read that fails leaves the step without a check (undo
 * then only checks the file is there); it never fails a move that was made.
 */
class Fingerprints {
	static readonly #IN_FLIGHT = 32;
	readonly #pending: Promise<void>[] = [];

	async add(handle: FileHandle, record: { check?: Fingerprint }): Promise<void> {
		this.#pending.push(
			fingerprint(handle).then(
				(check) => void (record.check = check),
				() => undefined
			)
		);
		if (this.#pending.length >= Fingerprints.#IN_FLIGHT) await this.#pending.shift();
	}

	async settle(): Promise<void> {
		await Promise.all(this.#pending.splice(0));
	}
}
