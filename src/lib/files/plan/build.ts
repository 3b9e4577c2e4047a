// The plan builder: checks a list of proposed operations against the folder as it is, playing
// each on a virtual copy (virtual-tree.ts), and returns the steps to apply and what the card
// shows: every item with its conflict, its problem or a note. It reads, never writes.
import type { DirHandle, FileHandle } from '$lib/files/handles';
import { newNameProblem, numberedName, TRASH_DIR } from '$lib/files/names';
import { WRITE_MAX_BYTES } from '$lib/files/operations';
import { joinPath, splitPath } from '$lib/files/paths';
import { isWithin, VirtualTree, type VDir, type VNode } from '$lib/files/plan/virtual-tree';
import { HearthError } from '$lib/types/errors';
import type {
	ConflictChoice,
	EntryKind,
	FileAction,
	FileOperation,
	FilePlanView,
	PlanItemView
} from '$lib/types/file-plan';
import { formatBytes } from '$lib/utils/format-bytes';

/** One change to make, in order, with everything resolved: final names, parents, what it replaces. */
export interface PlanStep {
	/** The item (its index in the call's operations) this step carries out. */
	index: number;
	action: FileAction;
	/** move, copy, delete: the source; make_folder, create_file: the new entry. */
	from: string[];
	/** move, copy: the final destination (a kept-both name already chosen); else = from. */
	to: string[];
	entry: EntryKind;
	/** Folders to create first, outermost first (make_folder: every missing level). */
	newFolders: string[][];
	/** What is at the destination and goes to the trash first (the "replace" choice). */
	replace?: { path: string[]; entry: EntryKind };
	/** A rename that only changes case: done through a temporary name. */
	caseOnly?: boolean;
	content?: string;
	/** The source's handle from the listing, while it still points at it. */
	handle?: FileHandle | DirHandle;
}

export interface Plan {
	steps: PlanStep[];
	view: FilePlanView;
}

export interface PlanInput {
	folder: string;
	summary?: string;
	operations: readonly FileOperation[];
	/** Deleted and replaced entries are removed for good instead of trashed. */
	permanent?: boolean;
}

/** A reason an item cannot run; collected on the item, never thrown past the builder. */
class Refusal extends Error {}

function refuse(why: string): never {
	throw new Refusal(why);
}

function segmentsOf(path: string, options: { directory?: boolean } = {}): string[] {
	let segments: string[];
	try {
		segments = splitPath(path, options);
	} catch (e) {
		refuse(e instanceof HearthError ? e.message : String(e));
	}
	if (segments[0]?.toLowerCase() === TRASH_DIR) {
		refuse(`"${TRASH_DIR}" is Hearth's trash; it is managed under Tools and agents.`);
	}
	return segments;
}

function checkNewName(name: string): void {
	const problem = newNameProblem(name);
	if (problem) refuse(`The name "${name}" can't be used: ${problem}`);
}

export async function buildPlan(root: DirHandle, input: PlanInput): Promise<Plan> {
	const tree = new VirtualTree(root);
	const steps: PlanStep[] = [];
	const items: PlanItemView[] = [];
	const newFolders: string[] = [];

	/**
	 * The folder at `path`, created on the copy where missing (recorded in `created`), and its
	 * path as really spelled: an existing "photos" serves for "Photos" (on Windows and macOS it
	 * is the same folder; elsewhere a second one differing only in case would just confuse).
	 * Refused when a file stands in the way or a new name is not allowed.
	 */
	async function ensureDir(
		path: readonly string[],
		created: string[][]
	): Promise<{ dir: VDir; path: string[] }> {
		let dir = tree.root;
		const actual: string[] = [];
		for (const name of path) {
			const next = await tree.child(dir, name);
			if (next) {
				if (next.kind !== 'directory') refuse(`"${joinPath([...actual, next.name])}" is a file.`);
				actual.push(next.name);
				dir = next;
				continue;
			}
			checkNewName(name);
			const made: VDir = { kind: 'directory', name, handle: null, children: new Map() };
			await tree.attach(dir, made, name);
			actual.push(name);
			created.push([...actual]);
			dir = made;
		}
		return { dir, path: actual };
	}

	async function freeName(dir: VDir, name: string): Promise<string> {
		for (let n = 2; ; n++) {
			const candidate = numberedName(name, n);
			if (!(await tree.child(dir, candidate))) return candidate;
		}
	}

	async function source(path: readonly string[]): Promise<{ node: VNode; parent: VDir }> {
		if (path.length === 0) refuse('The shared folder itself cannot be moved, copied or deleted.');
		const node = await tree.find(path);
		if (!node) refuse(`There is no "${joinPath(path)}" (at this point of the plan).`);
		const parent = (await tree.find(path.slice(0, -1))) as VDir;
		return { node, parent };
	}

	/** Settles a name clash at the destination; the step's final name, or null to skip. */
	async function settleConflict(
		item: PlanItemView,
		step: PlanStep,
		dir: VDir,
		dirPath: string[],
		existing: VNode,
		choice: ConflictChoice
	): Promise<string | null> {
		const keepBothAs = await freeName(dir, step.to.at(-1)!);
		item.conflict = { existing: existing.kind, keepBothAs: joinPath([...dirPath, keepBothAs]) };
		item.choice = choice;
		if (choice === 'skip') return null;
		if (choice === 'keep_both') return keepBothAs;
		const existingPath = [...dirPath, existing.name];
		if (isWithin(step.from, existingPath) && step.action !== 'create_file') {
			refuse(`"${joinPath(existingPath)}" holds what is being moved, so it can't be replaced.`);
		}
		step.replace = { path: existingPath, entry: existing.kind };
		await tree.detach(dir, existing);
		return step.to.at(-1)!;
	}

	async function plan(op: FileOperation, item: PlanItemView): Promise<PlanStep | null> {
		switch (op.action) {
			case 'make_folder': {
				const path = segmentsOf(op.path, { directory: true });
				if (path.length === 0) refuse('Name the folder to make.');
				const created: string[][] = [];
				const made = await ensureDir(path, created);
				item.path = joinPath(made.path);
				if (created.length === 0) {
					item.note = 'Already exists: nothing to do.';
					return null;
				}
				return {
					index: item.index,
					action: op.action,
					from: made.path,
					to: made.path,
					entry: 'directory',
					newFolders: created
				};
			}
			case 'create_file': {
				const path = segmentsOf(op.path);
				const name = path.at(-1);
				if (!name) refuse('Name the file to create.');
				checkNewName(name);
				const bytes = new TextEncoder().encode(op.content).length;
				item.size = bytes;
				if (bytes > WRITE_MAX_BYTES) {
					refuse(
						`${formatBytes(bytes)} of text is more than the ${formatBytes(WRITE_MAX_BYTES)} Hearth writes.`
					);
				}
				const created: string[][] = [];
				const { dir, path: dirPath } = await ensureDir(path.slice(0, -1), created);
				const step: PlanStep = {
					index: item.index,
					action: op.action,
					from: [...dirPath, name],
					to: [...dirPath, name],
					entry: 'file',
					newFolders: created,
					content: op.content
				};
				const existing = await tree.child(dir, name);
				let finalName = name;
				if (existing) {
					const settled = await settleConflict(
						item,
						step,
						dir,
						dirPath,
						existing,
						op.if_exists ?? 'skip'
					);
					if (settled === null) return null;
					finalName = settled;
				}
				step.to = [...dirPath, finalName];
				step.from = step.to;
				item.path = joinPath(step.to);
				await tree.attach(dir, { kind: 'file', name: finalName, handle: null }, finalName);
				return step;
			}
			case 'delete': {
				const path = segmentsOf(op.path);
				const { node, parent } = await source(path);
				item.entry = node.kind;
				await tree.detach(parent, node);
				return {
					index: item.index,
					action: op.action,
					from: path,
					to: path,
					entry: node.kind,
					newFolders: [],
					...(node.handle && !node.stale ? { handle: node.handle } : {})
				};
			}
			case 'move':
			case 'copy': {
				const from = segmentsOf(op.from);
				const { node, parent } = await source(from);
				item.entry = node.kind;
				const into = op.to === '' || op.to.endsWith('/');
				let to = segmentsOf(op.to, { directory: true });
				// Like `mv`: naming an existing folder means "into it".
				const target = into ? null : await tree.find(to);
				if (into || (target?.kind === 'directory' && target !== node)) to = [...to, node.name];
				item.to = joinPath(to);
				if (joinPath(to) === joinPath(from)) {
					item.note = 'Already there: nothing to do.';
					return null;
				}
				const name = to.at(-1)!;
				if (node.kind === 'directory' && isWithin(to.slice(0, -1), from)) {
					refuse(`A folder can't be ${op.action === 'move' ? 'moved' : 'copied'} into itself.`);
				}
				if (name !== node.name) checkNewName(name);
				const created: string[][] = [];
				const { dir, path: dirPath } = await ensureDir(to.slice(0, -1), created);
				if (node.kind === 'directory' && isWithin(dirPath, from)) {
					refuse(`A folder can't be ${op.action === 'move' ? 'moved' : 'copied'} into itself.`);
				}
				const step: PlanStep = {
					index: item.index,
					action: op.action,
					from,
					to,
					entry: node.kind,
					newFolders: created,
					...(node.handle && !node.stale ? { handle: node.handle } : {})
				};
				const existing = await tree.child(dir, name);
				let finalName = name;
				if (existing === node && op.action === 'move') {
					step.caseOnly = true;
					item.note = 'Only the case of the name changes.';
				} else if (existing) {
					const settled = await settleConflict(
						item,
						step,
						dir,
						dirPath,
						existing,
						op.if_exists ?? 'skip'
					);
					if (settled === null) return null;
					finalName = settled;
				}
				step.to = [...dirPath, finalName];
				item.to = joinPath(step.to);
				if (op.action === 'move') {
					await tree.detach(parent, node);
					tree.markMoved(node);
					await tree.attach(dir, node, finalName);
				} else {
					const copy = await tree.cloneForCopy(node);
					await tree.attach(dir, copy, finalName);
				}
				return step;
			}
		}
	}

	for (const [index, op] of input.operations.entries()) {
		const item: PlanItemView = {
			index,
			action: op.action,
			path: 'from' in op ? op.from : op.path,
			entry: op.action === 'make_folder' ? 'directory' : 'file',
			...('to' in op ? { to: op.to } : {})
		};
		items.push(item);
		try {
			const step = await plan(op, item);
			if (step) {
				steps.push(step);
				for (const f of step.action === 'make_folder' ? [] : step.newFolders)
					newFolders.push(joinPath(f));
			}
		} catch (e) {
			if (!(e instanceof Refusal)) throw e;
			item.problem = e.message;
		}
	}

	return {
		steps,
		view: {
			kind: 'file-plan',
			folder: input.folder,
			...(input.summary ? { summary: input.summary } : {}),
			items,
			newFolders,
			state: 'proposed',
			done: 0,
			permanent: input.permanent ?? false
		}
	};
}
