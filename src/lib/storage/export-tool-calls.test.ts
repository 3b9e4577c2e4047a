import { describe, expect, it } from 'vitest';
import { memoryFolder } from '$lib/files/memory-fs';
import { applyPlan } from '$lib/files/plan/apply';
import { buildPlan } from '$lib/files/plan/build';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { exportAll } from '$lib/storage/export';
import { importText, message, sampleData } from '$lib/storage/export-fixtures';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import type { FileOperation, FilePlanView, JournalStep } from '$lib/types/file-plan';
import type { ToolCallRecord } from '$lib/types/tools';

const operations: FileOperation[] = [
	{ action: 'move', from: 'cat.jpg', to: 'Images/' },
	{ action: 'move', from: 'notes.txt', to: 'Docs/', if_exists: 'keep_both' },
	{ action: 'delete', path: 'old.zip' },
	{ action: 'move', from: 'gone.txt', to: 'Docs/' }
];

/** A plan as its card shows it after applying: built and applied by the real code. */
async function appliedPlan(): Promise<FilePlanView> {
	const root = await memoryFolder('Downloads', {
		'cat.jpg': 'meow',
		'notes.txt': 'milk',
		'old.zip': 'PK',
		Docs: { 'notes.txt': 'older notes' }
	});
	const plan = await buildPlan(root, { folder: 'Downloads', summary: 'Tidy up', operations });
	const journal: JournalStep[] = [];
	const { view } = await applyPlan(new FolderOps(root), plan, journal, {
		signal: new AbortController().signal,
		planId: 'plan-1',
		now: () => 1_700_000_000_000
	});
	return { ...view, journalId: 'plan-1' };
}

function callWith(review: FilePlanView): ToolCallRecord {
	return {
		id: 'call-1',
		name: 'plan_file_changes',
		args: { folder: 'Downloads', operations },
		status: 'done',
		startedAt: 1_700_000_000_000,
		durationMs: 40,
		preview: 'Applied the plan in "Downloads".',
		review,
		sources: [{ title: 'A page', url: 'https://example.org/a' }]
	};
}

function fileWith(call: Record<string, unknown>): string {
	const data = sampleData(1, 2);
	data.messages[1]!.toolCalls = [call as unknown as ToolCallRecord];
	return JSON.stringify(data);
}

describe('tool calls in a backup', () => {
	it("keep a file plan's review (items, outcomes, conflicts, journal) and sources both ways", async () => {
		const review = await appliedPlan();
		expect(review.items.map((i) => i.outcome)).toEqual(['done', 'done', 'done', 'not_run']);
		expect(review.items[1]?.conflict).toBeDefined();
		const data = sampleData(1, 2);
		data.messages[1] = message('c0-m1', 'c0', {
			parentId: 'c0-m0',
			role: 'assistant',
			toolCalls: [callWith(review)]
		});
		const db = freshDb();
		await importText(db, JSON.stringify(data));
		const stored = await db.messages.get('c0-m1');
		expect(stored?.toolCalls?.[0]?.review).toEqual(review);

		const again = parseExport(JSON.stringify(await exportAll(db)));
		const call = again.messages.find((m) => m.id === 'c0-m1')?.toolCalls?.[0];
		expect(call?.review).toEqual(review);
		expect(call?.sources).toEqual([{ title: 'A page', url: 'https://example.org/a' }]);
	});

	it('refuses a damaged review or a source that is not a web link, naming the place', () => {
		const base = { ...callWith({ kind: 'file-plan' } as FilePlanView), startedAt: 1 };
		const bad: [Record<string, unknown>, RegExp][] = [
			[{ ...base, review: { kind: 'file-plan' } }, /toolCalls\[0\]\.review/],
			[
				{
					...base,
					review: {
						kind: 'file-plan',
						folder: 'D',
						items: [{ index: 0, action: 'explode', path: 'a', entry: 'file' }],
						newFolders: [],
						state: 'applied',
						done: 0,
						permanent: false
					}
				},
				/review\.items\[0\]\.action/
			],
			[
				{ ...base, review: undefined, sources: [{ title: 'x', url: 'javascript:alert(1)' }] },
				/toolCalls\[0\]\.sources\[0\]\.url/
			]
		];
		for (const [call, where] of bad) {
			expect(() => parseExport(fileWith(call))).toThrow(where);
		}
	});
});
