// plan_file_changes: one call proposes every change to a shared folder (make folders, move or
// rename, copy, delete, create text files). Its card shows the whole plan, checked against the
// folder as it is; the person approves it once (or unticks items, decides conflicts, refuses),
// watches it apply, and can undo it. Deleted items go to the folder's trash.
import * as v from 'valibot';
import type { FolderAccess, OpenedFolder } from '$lib/files/access';
import { applyPlan } from '$lib/files/plan/apply';
import { countLine, itemText } from '$lib/files/plan/describe';
import { buildPlan, type Plan } from '$lib/files/plan/build';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { plannedSteps } from '$lib/files/plan/recover';
import { type PlanJournal, pruneJournal, UNDO_DAYS } from '$lib/files/plan/journal';
import { HearthError } from '$lib/types/errors';
import type { FilePlanView, JournalEntry, JournalStep, PlanItemView } from '$lib/types/file-plan';
import { folderArg, pathArg, place } from '$lib/tools/files';
import type { Tool, ToolResult } from '$lib/tools/types';

export interface FilePlanToolDeps {
	access: FolderAccess;
	journal: PlanJournal;
	now(): number;
	newId?(): string;
}

export const MAX_OPERATIONS = 2000;
/** The card's progress and the journal are updated at most this often while a plan applies. */
const UPDATE_EVERY_MS = 150;
const SAVE_EVERY_MS = 1000;

const ifExists = v.optional(
	v.pipe(
		v.picklist(['skip', 'keep_both', 'replace']),
		v.description(
			'If something already has that name: skip (default), keep_both (a numbered name) or replace (the old one goes to the trash).'
		)
	)
);
const destination = v.pipe(
	v.string(),
	v.trim(),
	v.description(
		'Where it goes, relative to the folder. End with "/" (or name an existing folder) to put it into that folder under its own name: "Images/".'
	)
);

const operation = v.variant('action', [
	v.object({
		action: v.literal('make_folder'),
		path: pathArg('The folder to make (parents too)')
	}),
	v.object({
		action: v.literal('move'),
		from: pathArg('What to move or rename'),
		to: destination,
		if_exists: ifExists
	}),
	v.object({
		action: v.literal('copy'),
		from: pathArg('What to copy'),
		to: destination,
		if_exists: ifExists
	}),
	v.object({
		action: v.literal('delete'),
		path: pathArg('What to delete (it goes to the trash)')
	}),
	v.object({
		action: v.literal('create_file'),
		path: pathArg('The new text file'),
		content: v.pipe(v.string(), v.description('Its full text.')),
		if_exists: ifExists
	})
]);

const schema = v.object({
	folder: folderArg,
	summary: v.optional(
		v.pipe(
			v.string(),
			v.trim(),
			v.maxLength(200),
			v.description('One line saying what the plan does: "Sort downloads into folders by type".')
		)
	),
	operations: v.pipe(
		v.array(operation),
		v.minLength(1, 'A plan needs at least one operation.'),
		v.maxLength(MAX_OPERATIONS, `A plan has at most ${MAX_OPERATIONS} operations; split it.`),
		v.description(
			'Every change, in order; later ones see earlier ones. A rename is a move. Missing folders are made on the way.'
		)
	),
	delete_permanently: v.optional(
		v.pipe(
			v.boolean(),
			v.description("Leave this out: only the user can choose it, on the plan's card.")
		)
	)
});

export type FilePlanArgs = v.InferOutput<typeof schema>;

function itemLine(item: PlanItemView): string {
	return item.outcomeNote ? `${itemText(item)}: ${item.outcomeNote}` : itemText(item);
}

/** What the model reads after the run: counts, then every item that did not simply work. */
function report(view: FilePlanView): string {
	const done = view.items.filter((i) => i.outcome === 'done');
	const others = view.items.filter((i) => i.outcome !== 'done');
	const where = `"${view.folder}"`;
	const head =
		view.state === 'applied'
			? `Applied the plan in ${where}: ${countLine(done) || 'nothing needed doing'}.`
			: view.state === 'cancelled'
				? `The user cancelled the plan in ${where} after ${done.length} of ${view.items.length} items (${countLine(done) || 'none done'}).`
				: `The plan in ${where} stopped after ${done.length} of ${view.items.length} items (${countLine(done) || 'none done'}).`;
	const lines = others.slice(0, 40).map((i) => `- ${i.outcome}: ${itemLine(i)}`);
	if (others.length > 40) lines.push(`- … and ${others.length - 40} more`);
	const tail =
		done.length > 0 ? `The user can undo it from the plan's card for ${UNDO_DAYS} days.` : '';
	return [head, ...lines, tail].filter(Boolean).join('\n');
}

function planInput(args: FilePlanArgs, folder: string) {
	return {
		folder,
		summary: args.summary,
		operations: args.operations,
		permanent: args.delete_permanently === true
	};
}

export function createFilePlanTool(deps: FilePlanToolDeps): Tool<typeof schema> {
	const newId = deps.newId ?? (() => crypto.randomUUID());

	/** Read access is enough to plan; the folder must still allow changes. */
	async function openForPlanning(name: string): Promise<OpenedFolder> {
		const opened = await deps.access.open(name, 'read');
		if (!opened.folder.writable) {
			throw new HearthError(
				'permission_denied',
				`"${opened.folder.name}" is shared read-only. The user can allow changes to it under Folders.`
			);
		}
		return opened;
	}

	return {
		name: 'plan_file_changes',
		title: 'Change files',
		description:
			'Changes a shared folder the user allowed changes to, as one plan: make folders, move or rename, copy, delete (to the folder trash) and create text files. The user sees the whole plan, approves it once and can undo it. List the folder first, then put every change in one call.',
		schema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 15 * 60_000,
		windsDown: true,
		describe: (args) => {
			const what = countLine(args.operations, 'planned');
			const summary = args.summary ? `${args.summary}. ` : '';
			const deletes = args.operations.some((o) => o.action === 'delete')
				? args.delete_permanently
					? ' Deleted items are removed for good.'
					: " Deleted items go to the folder's trash."
				: '';
			return `${summary}Change ${place(args.folder, '')}: ${what}.${deletes} It can be undone.`;
		},
		review: {
			async prepare(args) {
				// Only the person chooses permanent deletion, on the card: never the model.
				const proposed: FilePlanArgs = { ...args };
				delete proposed.delete_permanently;
				const { folder, root } = await openForPlanning(args.folder);
				const plan = await buildPlan(root, planInput(proposed, folder.name));
				return { args: proposed, review: plan.view };
			}
		},
		async run(args, ctx): Promise<ToolResult> {
			const { folder, root } = await deps.access.open(args.folder, 'readwrite');
			// Old entries go while the folder is read: nothing here depends on them.
			const pruned = pruneJournal(deps.journal, deps.now()).catch(() => undefined);
			// Checked again: the folder may have changed while the card waited.
			const plan: Plan = await buildPlan(root, planInput(args, folder.name));
			const steps: JournalStep[] = [];
			const entry: JournalEntry = {
				id: newId(),
				folderId: folder.id,
				folder: folder.name,
				...(args.summary ? { summary: args.summary } : {}),
				appliedAt: deps.now(),
				state: 'applying',
				steps,
				undone: 0,
				plan: plannedSteps(plan)
			};
			await pruned;
			// Saved before the first change: a reload half-way finds the plan and recovers it.
			await deps.journal.save(structuredClone(entry));
			let saving = Promise.resolve();
			const save = () => {
				// The steps so far (IndexedDB copies it when the save runs); no deep copy: a step
				// only ever gains its file's size and date after it is recorded.
				const copy: JournalEntry = { ...entry, steps: steps.slice() };
				saving = saving.then(() => deps.journal.save(copy));
			};
			const view: FilePlanView = { ...plan.view, state: 'applying', journalId: entry.id };
			ctx.onReview?.(view);
			let shownAt = 0;
			let savedAt = deps.now();
			const result = await applyPlan(new FolderOps(root), plan, steps, {
				signal: ctx.signal,
				planId: entry.id,
				now: deps.now,
				onStep(done, total) {
					const at = deps.now();
					// Progress only: the whole plan goes to the card again once, at the end.
					if (at - shownAt >= UPDATE_EVERY_MS || done === total) {
						shownAt = at;
						ctx.onProgress({ fraction: done / total, text: `${done} of ${total} changes made…` });
					}
					if (at - savedAt >= SAVE_EVERY_MS) {
						savedAt = at;
						save();
					}
				}
			});
			entry.state = result.state;
			save();
			await saving;
			const final: FilePlanView = { ...result.view, journalId: entry.id };
			ctx.onReview?.(final);
			const content = report(final);
			if (result.state === 'stopped') {
				throw new HearthError(result.error?.code ?? 'tool_failed', content);
			}
			// What was changed is the model's own plan on the user's folder: not untrusted text.
			return { content, preview: content.split('\n')[0]!, untrusted: false };
		}
	};
}
