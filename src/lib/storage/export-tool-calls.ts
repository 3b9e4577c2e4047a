import * as v from 'valibot';
import { Finite, SerializedErrorSchema, Timestamp } from '$lib/storage/export-values';
import type { FilePlanView, PlanItemView } from '$lib/types/file-plan';
import type { ToolCallRecord } from '$lib/types/tools';

// Tool calls in a backup: what the card showed (arguments, outcome, the plan it reviewed with its
// items' outcomes, the sources it cited), so a restored conversation shows the same cards.

/** Bounds for a hand-made or damaged file; plans the tool makes stay far inside them. */
const MAX_PLAN_ITEMS = 10_000;
const MAX_PATH = 4096;

const Count = v.pipe(Finite, v.integer(), v.minValue(0));
const Path = v.pipe(v.string(), v.maxLength(MAX_PATH));
const EntryKindSchema = v.picklist(['file', 'directory']);

const PlanItemSchema = v.object({
	index: Count,
	action: v.picklist(['make_folder', 'move', 'copy', 'delete', 'create_file']),
	path: Path,
	to: v.optional(Path),
	entry: EntryKindSchema,
	size: v.optional(Count),
	conflict: v.optional(v.object({ existing: EntryKindSchema, keepBothAs: Path })),
	choice: v.optional(v.picklist(['skip', 'keep_both', 'replace'])),
	problem: v.optional(v.string()),
	note: v.optional(v.string()),
	outcome: v.optional(v.picklist(['done', 'skipped', 'failed', 'not_run'])),
	outcomeNote: v.optional(v.string())
});

/** A plan of file changes as its card showed it (tools' `review`). */
export const FilePlanViewSchema = v.object({
	kind: v.literal('file-plan'),
	folder: v.string(),
	summary: v.optional(v.string()),
	items: v.pipe(v.array(PlanItemSchema), v.maxLength(MAX_PLAN_ITEMS)),
	newFolders: v.pipe(v.array(Path), v.maxLength(MAX_PLAN_ITEMS)),
	state: v.picklist(['proposed', 'applying', 'applied', 'stopped', 'cancelled', 'interrupted']),
	done: Count,
	permanent: v.boolean(),
	journalId: v.optional(v.pipe(v.string(), v.maxLength(200))),
	error: v.optional(SerializedErrorSchema)
});

export const ToolCallSchema = v.object({
	id: v.string(),
	name: v.string(),
	args: v.unknown(),
	// An interrupted export can hold a call that never finished: it imports as cancelled.
	status: v.fallback(
		v.picklist(['awaiting', 'running', 'done', 'error', 'denied', 'cancelled']),
		'cancelled'
	),
	startedAt: Timestamp,
	durationMs: v.optional(Finite),
	confirmation: v.optional(v.string()),
	preview: v.optional(v.string()),
	review: v.optional(FilePlanViewSchema),
	output: v.optional(v.string()),
	// The card links only http(s) ones; others are refused here rather than carried along.
	sources: v.optional(
		v.pipe(
			v.array(
				v.object({
					title: v.string(),
					url: v.pipe(v.string(), v.maxLength(MAX_PATH), v.regex(/^https?:\/\//i))
				})
			),
			v.maxLength(100)
		)
	),
	// Figures only: a data: URL of a PNG, never a remote image.
	images: v.optional(v.array(v.pipe(v.string(), v.startsWith('data:image/png;base64,')))),
	error: v.optional(SerializedErrorSchema),
	tainted: v.optional(v.boolean()),
	untrustedFrom: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(500))), v.maxLength(20))),
	gate: v.optional(v.picklist(['side-effect', 'untrusted', 'your-words', 'contained'])),
	untrustedResult: v.optional(v.boolean())
});

/** `true` when A and B have the same keys; otherwise the keys only one of them has. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
	? true
	: { onlyInType: Exclude<keyof A, keyof B>; onlyInSchema: Exclude<keyof B, keyof A> };

// A field added to a record but not to its schema was dropped from backups without a word (a
// call's `review` was): now `npm run check` fails instead. `progress` lives only while a call runs.
const keysAgree: [
	SameKeys<PlanItemView, v.InferOutput<typeof PlanItemSchema>>,
	SameKeys<FilePlanView, v.InferOutput<typeof FilePlanViewSchema>>,
	SameKeys<Omit<ToolCallRecord, 'progress'>, v.InferOutput<typeof ToolCallSchema>>
] = [true, true, true];
void keysAgree;
