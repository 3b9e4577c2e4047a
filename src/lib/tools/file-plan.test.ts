// plan_file_changes through the real agent loop: the plan on its card before the yes, an edited
// yes (items left out, a conflict decided), refusals, cancel and a failure half-way, then undo.
import { describe, expect, it } from 'vitest';
import { ScriptedEngine } from '$lib/agent/scripted-engine';
import { agentInput, collect } from '$lib/agent/test-tools';
import { runAgent, type AgentRunInput } from '$lib/agent/loop';
import { createFolderAccess } from '$lib/files/access';
import {
	memoryFolder,
	readTree,
	type MemoryFsOptions,
	type MemoryTree
} from '$lib/files/memory-fs';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { memoryJournal } from '$lib/files/plan/journal';
import { undoPlan } from '$lib/files/plan/undo';
import { listTrash } from '$lib/files/trash';
import { createFilePlanTool } from '$lib/tools/file-plan';
import type { AnyTool } from '$lib/tools/types';
import type { GrantedFolder } from '$lib/types/agent-data';
import type { FileOperation, FilePlanView } from '$lib/types/file-plan';
import type { ToolCallRecord, ToolDecision } from '$lib/types/tools';

const DOWNLOADS: MemoryTree = {
	'cat.jpg': 'meow',
	'dog.png': 'woof',
	'report.pdf': '%PDF',
	'old.zip': 'zip',
	Images: { 'cat.jpg': 'an older cat' }
};

const PLAN: FileOperation[] = [
	{ action: 'make_folder', path: 'Documents' },
	{ action: 'move', from: 'report.pdf', to: 'Documents/' },
	{ action: 'move', from: 'cat.jpg', to: 'Images/' },
	{ action: 'move', from: 'dog.png', to: 'Images/' },
	{ action: 'delete', path: 'old.zip' }
];

async function setUp(options: { writable?: boolean; fs?: MemoryFsOptions } = {}) {
	let clock = 10_000;
	const root = await memoryFolder('Downloads', DOWNLOADS, { now: () => ++clock, ...options.fs });
	const folder: GrantedFolder = {
		id: 'f1',
		name: 'Downloads',
		handle: root as unknown as FileSystemDirectoryHandle,
		kind: 'granted',
		addedAt: 1,
		writable: options.writable ?? true
	};
	const journal = memoryJournal();
	const tool = createFilePlanTool({
		access: createFolderAccess({ list: async () => [folder], scratch: async () => null }),
		journal,
		now: () => ++clock,
		newId: () => 'plan-1'
	}) as unknown as AnyTool;
	return { root, journal, tool, before: await readTree(root) };
}

function engineFor(args: unknown) {
	return new ScriptedEngine('native', [
		{ calls: [{ name: 'plan_file_changes', args, id: 'p' }] },
		{ text: 'Done.' }
	]);
}

/** Runs one answer whose model proposes `args`; `answer` decides on the card as it is shown. */
async function propose(
	tool: AnyTool,
	args: unknown,
	answer: (record: ToolCallRecord) => ToolDecision,
	overrides: Partial<AgentRunInput> = {}
) {
	const engine = engineFor(args);
	const shown: ToolCallRecord[] = [];
	const input = agentInput(engine, [tool], {
		confirm: async (record) => {
			shown.push(structuredClone(record));
			return answer(record);
		},
		...overrides
	});
	const out = await collect(runAgent(input));
	const toModel = engine.requests[1]?.messages.at(-1)?.content ?? '';
	return { out, shown, card: out.cards.get('p')!, toModel };
}

const outcomes = (review: FilePlanView | undefined) => review?.items.map((i) => i.outcome);

describe('plan_file_changes', () => {
	it('shows the whole plan before anything changes; the model cannot choose permanent deletion', async () => {
		const { root, tool, before } = await setUp();
		let treeWhenAsked: MemoryTree | undefined;
		const { shown, card } = await propose(
			tool,
			{ folder: 'Downloads', operations: PLAN, delete_permanently: true },
			() => {
				treeWhenAsked = undefined;
				return false;
			}
		);
		treeWhenAsked = await readTree(root);
		const asked = shown[0]!;
		expect(asked.status).toBe('awaiting');
		expect(asked.args).not.toHaveProperty('delete_permanently');
		expect(asked.review?.permanent).toBe(false);
		expect(asked.review?.items.map((i) => i.action)).toEqual([
			'make_folder',
			'move',
			'move',
			'move',
			'delete'
		]);
		expect(asked.review?.items[2]!.conflict).toEqual({
			existing: 'file',
			keepBothAs: 'Images/cat (2).jpg'
		});
		expect(asked.confirmation).toMatch(/1 folder to make, 3 items to move, 1 item to delete/);
		expect(card.status).toBe('denied');
		expect(treeWhenAsked).toEqual(before);
	});

	it('runs the edited plan: an item left out, a conflict decided; the card shows what ran', async () => {
		const { root, tool, journal } = await setUp();
		const { card, toModel } = await propose(
			tool,
			{ folder: 'Downloads', operations: PLAN },
			(record) => {
				const args = record.args as { folder: string; operations: FileOperation[] };
				// Leave the delete out; keep both cats.
				const operations = args.operations
					.filter((o) => o.action !== 'delete')
					.map((o) =>
						o.action === 'move' && o.from === 'cat.jpg'
							? { ...o, if_exists: 'keep_both' as const }
							: o
					);
				return { args: { ...args, operations } };
			}
		);
		expect(card.status).toBe('done');
		expect((card.args as { operations: unknown[] }).operations).toHaveLength(4);
		expect(card.review?.state).toBe('applied');
		expect(outcomes(card.review)).toEqual(['done', 'done', 'done', 'done']);
		expect(card.review?.journalId).toBe('plan-1');
		expect(await readTree(root)).toEqual({
			'old.zip': 'zip',
			Documents: { 'report.pdf': '%PDF' },
			Images: { 'cat.jpg': 'an older cat', 'cat (2).jpg': 'meow', 'dog.png': 'woof' }
		});
		expect(toModel).toContain('Applied the plan in "Downloads": 1 folder made, 3 items moved.');
		expect(toModel).toContain('undo');
		const entry = await journal.get('plan-1');
		expect(entry?.state).toBe('applied');
		expect(entry?.steps.map((s) => s.kind)).toEqual(['made_folder', 'moved', 'moved', 'moved']);
	});

	it('a plain yes runs the plan as shown: the delete goes to the trash, the clash is skipped', async () => {
		const { root, tool } = await setUp();
		const { card } = await propose(tool, { folder: 'Downloads', operations: PLAN }, () => true);
		expect(outcomes(card.review)).toEqual(['done', 'done', 'skipped', 'done', 'done']);
		expect((await readTree(root))['cat.jpg']).toBe('meow');
		expect((await listTrash(root)).map((t) => t.path)).toEqual(['old.zip']);
	});

	it('refuses an edit that breaks the schema, and runs nothing', async () => {
		const { root, tool, before } = await setUp();
		const { card, toModel } = await propose(
			tool,
			{ folder: 'Downloads', operations: PLAN },
			() => ({
				args: { folder: 'Downloads', operations: [] }
			})
		);
		expect(card.status).toBe('error');
		expect(card.error?.code).toBe('tool_invalid_args');
		expect(toModel).toMatch(/did not run.*at least one operation/);
		expect(await readTree(root)).toEqual(before);
	});

	it('a read-only folder fails on its card without asking', async () => {
		const { tool } = await setUp({ writable: false });
		const { shown, card } = await propose(
			tool,
			{ folder: 'Downloads', operations: PLAN },
			() => true
		);
		expect(shown).toHaveLength(0);
		expect(card.status).toBe('error');
		expect(card.error?.message).toMatch(/read-only/);
	});

	it('after untrusted text the plan still waits for the yes, and its card says so', async () => {
		const { tool } = await setUp();
		const { shown } = await propose(tool, { folder: 'Downloads', operations: PLAN }, () => false, {
			tainted: true
		});
		expect(shown[0]).toMatchObject({ status: 'awaiting', tainted: true });
	});

	it('a failure half-way stops the card with each item’s outcome; the model hears what was done', async () => {
		const broken = new DOMException('Device busy.', 'NoModificationAllowedError');
		const { root, tool, journal, before } = await setUp({
			fs: { fail: (op, name) => (op === 'move' && name === 'dog.png' ? broken : undefined) }
		});
		const { card, toModel } = await propose(
			tool,
			{ folder: 'Downloads', operations: PLAN },
			() => true
		);
		expect(card.status).toBe('error');
		expect(card.review?.state).toBe('stopped');
		expect(outcomes(card.review)).toEqual(['done', 'done', 'skipped', 'failed', 'not_run']);
		expect(toModel).toMatch(/stopped after 2 of 5 items/);
		expect(toModel).toMatch(/failed: Move "dog.png".*locked or in use/);
		expect(toModel).toMatch(/not_run: Delete "old.zip"/);
		const entry = (await journal.get('plan-1'))!;
		expect(entry.state).toBe('stopped');
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('cancel stops between steps; the card and the model get what was done', async () => {
		let cancel = () => {};
		let moves = 0;
		const { root, tool, journal } = await setUp({
			fs: { fail: (op) => (op === 'move' && ++moves === 2 ? (cancel(), undefined) : undefined) }
		});
		const engine = engineFor({ folder: 'Downloads', operations: PLAN });
		const run = runAgent(agentInput(engine, [tool]));
		cancel = () => run.cancelCall('p');
		const out = await collect(run);
		const card = out.cards.get('p')!;
		expect(card.status).toBe('cancelled');
		expect(card.review?.state).toBe('cancelled');
		// The move under way when Cancel was pressed finishes; nothing after it starts.
		expect(outcomes(card.review)).toEqual(['done', 'done', 'skipped', 'done', 'not_run']);
		const toModel = engine.requests[1]?.messages.at(-1)?.content ?? '';
		expect(toModel).toMatch(/cancelled this call part-way.*after 3 of 5 items/s);
		expect((await journal.get('plan-1'))?.state).toBe('cancelled');
		expect(await readTree(root)).toMatchObject({
			'old.zip': 'zip',
			Documents: { 'report.pdf': '%PDF' },
			Images: { 'dog.png': 'woof' }
		});
	});
});
