// Pure helpers behind the plan card: the person's choices (items ticked, conflicts decided,
// permanent deletion), the edited call they approve, and the tree the plan leaves.
import type {
	ConflictChoice,
	EntryKind,
	FileOperation,
	FilePlanView,
	ItemOutcome,
	PlanItemView
} from '$lib/types/file-plan';
import type { FilePlansState } from '$lib/state/file-plans.svelte';
import type { ToolDecision } from '$lib/types/tools';

/** What a plan's card can do after it was applied: read whether Undo is offered, and undo. */
export type PlanActions = Pick<FilePlansState, 'view' | 'load' | 'undo' | 'recover' | 'recovered'>;

/** What the person changed on the card; anything not set keeps the plan's own value. */
export interface PlanChoices {
	/** Item index → ticked. Unset: ticked when it can run. */
	ticked: Record<number, boolean>;
	/** Item index → the conflict's choice. Unset: the plan's (skip unless the model said). */
	choice: Record<number, ConflictChoice>;
	/** Deleted and replaced items are removed for good instead of trashed. */
	permanent: boolean;
}

export function noChoices(): PlanChoices {
	return { ticked: {}, choice: {}, permanent: false };
}

/** Items that would change something: not refused, not "already there". */
export function canRun(item: PlanItemView): boolean {
	return !item.problem && !item.note?.startsWith('Already');
}

export function isTicked(item: PlanItemView, choices: PlanChoices): boolean {
	return canRun(item) && (choices.ticked[item.index] ?? true);
}

export function choiceOf(item: PlanItemView, choices: PlanChoices): ConflictChoice {
	return choices.choice[item.index] ?? item.choice ?? 'skip';
}

/** The items that will be applied, in order. */
export function chosenItems(review: FilePlanView, choices: PlanChoices): PlanItemView[] {
	return review.items.filter((i) => isTicked(i, choices));
}

/** Whether the plan removes anything (deletes, or a "replace" choice), so permanence matters. */
export function removesAnything(review: FilePlanView, choices: PlanChoices): boolean {
	return chosenItems(review, choices).some(
		(i) => i.action === 'delete' || (i.conflict && choiceOf(i, choices) === 'replace')
	);
}

interface PlanArgs {
	operations: FileOperation[];
	[key: string]: unknown;
}

function isPlanArgs(args: unknown): args is PlanArgs {
	return (
		typeof args === 'object' &&
		args !== null &&
		Array.isArray((args as { operations?: unknown }).operations)
	);
}

/**
 * The call the person approves: the ticked operations, each conflict with its choice, and
 * permanent deletion only when they asked for it. Null when nothing is left to apply.
 */
export function approvedCall(
	args: unknown,
	review: FilePlanView,
	choices: PlanChoices
): ToolDecision | null {
	if (!isPlanArgs(args)) return null;
	const operations: FileOperation[] = [];
	for (const item of chosenItems(review, choices)) {
		const op = args.operations[item.index];
		if (!op) continue;
		operations.push(
			item.conflict && (op.action === 'move' || op.action === 'copy' || op.action === 'create_file')
				? { ...op, if_exists: choiceOf(item, choices) }
				: op
		);
	}
	if (operations.length === 0) return null;
	const edited: PlanArgs = { ...args, operations };
	delete edited.delete_permanently;
	if (choices.permanent && removesAnything(review, choices)) edited.delete_permanently = true;
	return { args: edited };
}

/** One line of the tree a plan leaves. */
export interface TreeLine {
	depth: number;
	name: string;
	kind: EntryKind;
	/** What the plan does here; "existing" folders only hold what changes. */
	mark: 'new' | 'moved' | 'copied' | 'created' | 'replaced' | 'existing';
}

interface TreeNode {
	kind: EntryKind;
	mark: TreeLine['mark'];
	children: Map<string, TreeNode>;
}

/** Where an item ends up, with the person's conflict choice applied (null: nowhere new). */
function destination(item: PlanItemView, choices: PlanChoices): string | null {
	if (item.action === 'delete') return null;
	const target = item.action === 'move' || item.action === 'copy' ? item.to : item.path;
	if (!target || !item.conflict) return target ?? null;
	const choice = choiceOf(item, choices);
	if (choice === 'skip') return null;
	return choice === 'keep_both' ? item.conflict.keepBothAs : target;
}

/**
 * The changed part of the folder after the plan, as indented lines (folders first): where each
 * ticked item lands and the folders made on the way. At most `limit` lines; `more` counts the rest.
 */
export function resultTree(
	review: FilePlanView,
	choices: PlanChoices,
	limit = 300
): { lines: TreeLine[]; more: number } {
	const root: TreeNode = { kind: 'directory', mark: 'existing', children: new Map() };
	const place = (path: string, kind: EntryKind, mark: TreeLine['mark']) => {
		const parts = path.split('/').filter(Boolean);
		let node = root;
		for (const [i, name] of parts.entries()) {
			const last = i === parts.length - 1;
			let child = node.children.get(name);
			if (!child) {
				child = {
					kind: last ? kind : 'directory',
					mark: last ? mark : 'existing',
					children: new Map()
				};
				node.children.set(name, child);
			} else if (last) {
				child.mark = mark;
				child.kind = kind;
			}
			node = child;
		}
	};
	const newFolders = new Set(review.newFolders);
	for (const item of chosenItems(review, choices)) {
		const to = destination(item, choices);
		if (!to) continue;
		const replaced = item.conflict && choiceOf(item, choices) === 'replace';
		const mark: TreeLine['mark'] = replaced
			? 'replaced'
			: item.action === 'make_folder'
				? 'new'
				: item.action === 'create_file'
					? 'created'
					: item.action === 'move'
						? 'moved'
						: 'copied';
		// Folders the item makes on the way show as new too.
		const parts = to.split('/');
		for (let i = 1; i < parts.length; i++) {
			const folder = parts.slice(0, i).join('/');
			if (newFolders.has(folder)) place(folder, 'directory', 'new');
		}
		place(to, item.action === 'make_folder' ? 'directory' : item.entry, mark);
	}
	const lines: TreeLine[] = [];
	let total = 0;
	const walk = (node: TreeNode, depth: number) => {
		const sorted = [...node.children].sort(([a, x], [b, y]) =>
			x.kind === y.kind ? a.localeCompare(b) : x.kind === 'directory' ? -1 : 1
		);
		for (const [name, child] of sorted) {
			total++;
			if (lines.length < limit) lines.push({ depth, name, kind: child.kind, mark: child.mark });
			walk(child, depth + 1);
		}
	};
	walk(root, 0);
	return { lines, more: total - lines.length };
}

const OUTCOME_LABELS: Record<ItemOutcome, string> = {
	done: 'Done',
	skipped: 'Skipped',
	failed: 'Failed',
	not_run: 'Not done'
};

/** Rows a plan's card lists before "Show all". */
export const FIRST_ROWS = 100;

/**
 * The rows listed before "Show all": the first ones, and every one that needs a decision or says
 * what went wrong. A thousand rows made each progress update of an applying plan lay the whole
 * list out again.
 */
export function firstRows(items: PlanItemView[]): PlanItemView[] {
	if (items.length <= FIRST_ROWS) return items;
	return items.filter(
		(item, i) => i < FIRST_ROWS || item.conflict || item.problem || item.outcome === 'failed'
	);
}

export function outcomeLabel(outcome: ItemOutcome): string {
	return OUTCOME_LABELS[outcome];
}
