// Undo: takes an applied plan back in one step, newest change first: moves reversed, copies and
// new files removed, trashed entries restored, folders the plan made removed when empty. It first
// checks every file is still where the plan left them (and as it left them: size and modification
// time), and refuses, naming the file, before changing anything if one is not.
import { MOVES_IN_FLIGHT } from '$lib/files/plan/apply';
import { fingerprint, type FolderOps, Listings, sameFingerprint } from '$lib/files/plan/entry-ops';
import type { JournalEntry, JournalStep } from '$lib/types/file-plan';
import { fsError } from '$lib/files/operations';
import { restoreTrashed, trashedPath } from '$lib/files/trash';
import { HearthError } from '$lib/types/errors';

export interface UndoResult {
	/** Steps taken back by this run. */
	undone: number;
	/** Folders the plan made that stay: something else is in them now. */
	kept: string[];
	/** What was deleted for good and cannot come back. */
	lost: string[];
}

export interface UndoOptions {
	/** After each step (progress; the caller saves `entry.undone`). */
	onStep?(undone: number, total: number): void;
}

const split = (path: string): string[] => (path === '' ? [] : path.split('/'));

/** Where a step left something (null: nothing of it is in the folder). */
function resultOf(step: JournalStep): string | null {
	switch (step.kind) {
		case 'moved':
		case 'copied':
			return step.to;
		case 'created':
		case 'made_folder':
			return step.path;
		default:
			return null;
	}
}

/** Where a step took something from (a later step moving or deleting it). */
function sourceOf(step: JournalStep): string | null {
	return step.kind === 'moved'
		? step.from
		: step.kind === 'trashed' || step.kind === 'deleted'
			? step.path
			: null;
}

/** A rename that only changed the name's case (on some disks its old name still finds it). */
function caseOnly(step: JournalStep): boolean {
	return (
		step.kind === 'moved' &&
		step.from !== step.to &&
		step.from.toLowerCase() === step.to.toLowerCase()
	);
}

/** A case-only rename goes back through this name, as it went. */
const RENAME_VIA = '.hearth-renaming-back';

function changed(path: string, why: string): HearthError {
	return new HearthError(
		'file_changed',
		`Can't undo: "${path}" ${why} Nothing was changed; move it back yourself, then try again.`
	);
}

/** Prefixes of a path, shortest first, the path itself last ("a", "a/b", "a/b/c"). */
function prefixes(path: string): string[] {
	const parts = split(path);
	return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Who comes later, by index, so each check looks at later steps in a few map reads rather than
 * scanning them all (a plan of a thousand moves made that a million comparisons).
 */
class LaterSteps {
	/** Per path: the last step that took something from exactly there. */
	readonly #source = new Map<string, number>();
	/** Per path: the last step that left something exactly there. */
	readonly #result = new Map<string, number>();
	/** Per path: the last step that left something there or anywhere under it. */
	readonly #resultUnder = new Map<string, number>();

	constructor(steps: readonly JournalStep[]) {
		for (const [i, step] of steps.entries()) {
			const source = sourceOf(step);
			if (source !== null) this.#source.set(source, i);
			const result = resultOf(step);
			if (result === null) continue;
			this.#result.set(result, i);
			for (const p of ['', ...prefixes(result)]) this.#resultUnder.set(p, i);
		}
	}

	/** A step after `i` took away what is at `path` or a folder holding it. */
	movedOn(i: number, path: string): boolean {
		return ['', ...prefixes(path)].some((p) => (this.#source.get(p) ?? -1) > i);
	}

	/** A step after `i` put something at `path`, under it, or at a folder holding it. */
	filled(i: number, path: string): boolean {
		if ((this.#resultUnder.get(path) ?? -1) > i) return true;
		return ['', ...prefixes(path)].some((p) => (this.#result.get(p) ?? -1) > i);
	}
}

/** Files' sizes and dates read at once: a thousand started together queued up behind each other. */
const READS_IN_FLIGHT = 32;

type Limited = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs tasks at most `limit` at a time, in the order they came. */
function limited(limit: number): Limited {
	let active = 0;
	const waiting: (() => void)[] = [];
	return async (task) => {
		if (active >= limit) await new Promise<void>((go) => waiting.push(go));
		active++;
		try {
			return await task();
		} finally {
			active--;
			waiting.shift()?.();
		}
	};
}

/**
 * The checks, before anything changes. A step whose result a later step of the same plan moved
 * on is checked when that later step is undone (undo runs newest first), not here. Files' sizes
 * and dates are read all at once; the first problem in the plan's order is the one reported.
 */
async function preflight(list: Listings, steps: readonly JournalStep[]): Promise<void> {
	const later = new LaterSteps(steps);
	const reads: Promise<HearthError | null>[] = [];
	const read = limited(READS_IN_FLIGHT);
	let problem: HearthError | null = null;
	for (const [i, step] of steps.entries()) {
		problem = await checkStep(list, later, i, step, reads, read);
		if (problem) break;
	}
	// Every read started belongs to a step before the problem, so it is reported first.
	for (const read of reads) {
		const found = await read;
		if (found) throw found;
	}
	if (problem) throw problem;
}

async function checkStep(
	list: Listings,
	later: LaterSteps,
	i: number,
	step: JournalStep,
	reads: Promise<HearthError | null>[],
	read: Limited
): Promise<HearthError | null> {
	const result = resultOf(step);
	if (
		(step.kind === 'moved' || step.kind === 'copied' || step.kind === 'created') &&
		!(result !== null && later.movedOn(i, result))
	) {
		const at = step.kind === 'created' ? step.path : step.to;
		const there = await list.at(split(at));
		const kind = step.kind === 'created' ? 'file' : step.entry;
		if (!there || there.kind !== kind) return changed(at, 'is no longer where the plan left it.');
		const check = step.check;
		if (check && there.kind === 'file') {
			reads.push(
				read(() => fingerprint(there)).then(
					(now) =>
						sameFingerprint(check, now)
							? null
							: changed(at, 'was changed since the plan (its size or date differ).'),
					() => changed(at, 'is no longer where the plan left it.')
				)
			);
		}
	}
	const origin = step.kind === 'moved' || step.kind === 'trashed' ? sourceOf(step)! : null;
	if (origin === null) return null;
	if (step.kind === 'trashed' && !(await list.at(trashedPath(step.trashId, step.path)))) {
		return changed(step.path, 'is no longer in the trash, so it cannot come back.');
	}
	// Something a later step put at the origin goes away first; anything else is in the way.
	if (!later.filled(i, origin) && !caseOnly(step) && (await list.taken(split(origin)))) {
		return new HearthError(
			'file_exists',
			`Can't undo: something new is at "${origin}", where an item of the plan would go back. Nothing was changed.`
		);
	}
	return null;
}

async function makeParents(ops: FolderOps, list: Listings, path: string[]): Promise<void> {
	for (let i = 1; i < path.length; i++) {
		const folder = path.slice(0, i);
		if (await list.at(folder)) continue;
		list.set(folder, await ops.makeFolder(folder));
	}
}

/** Takes one step back. */
async function undoStep(
	ops: FolderOps,
	list: Listings,
	step: JournalStep,
	result: UndoResult
): Promise<void> {
	switch (step.kind) {
		case 'moved': {
			const from = split(step.from);
			let at = split(step.to);
			let handle = await list.at(at);
			if (!handle) throw changed(step.to, 'is no longer where the plan left it.');
			if (caseOnly(step)) {
				const via = [...at.slice(0, -1), RENAME_VIA];
				handle = await ops.move(handle, at, via);
				list.set(at, null);
				at = via;
			} else if (await list.taken(from)) {
				throw new HearthError('file_exists', `Something new is at "${step.from}".`);
			}
			await makeParents(ops, list, from);
			const moved = await ops.move(handle, at, from);
			list.set(at, null);
			list.set(from, moved);
			return;
		}
		case 'copied':
		case 'created': {
			const path = split(step.kind === 'copied' ? step.to : step.path);
			await ops.remove(path);
			list.set(path, null);
			return;
		}
		case 'trashed': {
			const path = split(step.path);
			await makeParents(ops, list, path);
			const { handle } = await restoreTrashed(
				ops,
				{ id: step.trashId, path: step.path, entry: step.entry },
				{ exact: true }
			);
			list.set(path, handle);
			return;
		}
		case 'deleted':
			result.lost.push(step.path);
			return;
		case 'made_folder': {
			const path = split(step.path);
			const parent = await ops.dir(path.slice(0, -1));
			try {
				await parent.removeEntry(path.at(-1)!);
				list.set(path, null);
			} catch (e) {
				if (e instanceof Error && e.name === 'InvalidModificationError')
					result.kept.push(step.path);
				else if (!(e instanceof Error && e.name === 'NotFoundError')) throw e;
			}
			return;
		}
	}
}

/**
 * The paths taking back a file move touches (case folded), or null when the step must go back
 * alone: anything but a file move, or a case-only rename (it goes through a temporary name).
 */
function movePathsBack(step: JournalStep): string[] | null {
	if (step.kind !== 'moved' || step.entry !== 'file' || caseOnly(step)) return null;
	return [step.from.toLowerCase(), step.to.toLowerCase()];
}

/**
 * The next steps to take back, newest first from `last`: a run of file moves touching none of
 * each other's paths (they go back side by side, in any order), or one step alone.
 */
function nextBatch(steps: readonly JournalStep[], last: number): number[] {
	const batch: number[] = [];
	const busy = new Set<string>();
	for (let i = last; i >= 0; i--) {
		const paths = movePathsBack(steps[i]!);
		if (!paths || paths.some((p) => busy.has(p))) {
			if (batch.length === 0) batch.push(i);
			break;
		}
		batch.push(i);
		for (const p of paths) busy.add(p);
	}
	return batch;
}

/** Undoes what is left of `entry` (all of it, or the rest after an undo that stopped). */
export async function undoPlan(
	ops: FolderOps,
	entry: JournalEntry,
	options: UndoOptions = {}
): Promise<UndoResult> {
	const steps = entry.steps.slice(0, entry.steps.length - entry.undone);
	const list = new Listings(ops);
	await preflight(list, steps);
	const result: UndoResult = { undone: 0, kept: [], lost: [] };
	for (let last = steps.length - 1; last >= 0;) {
		const batch = nextBatch(steps, last);
		const done = new Set<number>();
		let failure: { index: number; error: unknown } | undefined;
		let next = 0;
		const lane = async () => {
			while (!failure && next < batch.length) {
				const i = batch[next++]!;
				try {
					await undoStep(ops, list, steps[i]!, result);
				} catch (error) {
					failure ??= { index: i, error };
					return;
				}
				done.add(i);
				options.onStep?.(result.undone + done.size, steps.length);
			}
		};
		await Promise.all(Array.from({ length: Math.min(MOVES_IN_FLIGHT, batch.length) }, lane));
		result.undone += done.size;
		entry.undone += done.size;
		if (failure) {
			// `entry.undone` counts steps from the end: the batch's steps taken back go last
			// (they touch none of each other's paths, so their order is free).
			const first = batch.at(-1)!;
			const range = entry.steps.slice(first, last + 1);
			const isDone = (k: number) => done.has(first + k);
			entry.steps.splice(
				first,
				range.length,
				...range.filter((_, k) => !isDone(k)),
				...range.filter((_, k) => isDone(k))
			);
			const step = steps[failure.index]!;
			const where = resultOf(step) ?? sourceOf(step) ?? '';
			const error = fsError(failure.error, where, entry.folder);
			throw new HearthError(
				error.code,
				`Undo stopped at "${where}": ${error.message} ${result.undone} of ${steps.length} changes were taken back; press Undo again to finish.`,
				{ cause: failure.error }
			);
		}
		last -= batch.length;
	}
	return result;
}
