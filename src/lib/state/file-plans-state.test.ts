// A reload in the middle of an apply: the page dies with moves under way and the journal saved
// some steps back. On load the card's plan is rebuilt from the journal and the folder (each item
// done or not, exactly as on the disk), and Undo takes back what was applied.
import { describe, expect, it } from 'vitest';
import { createFolderAccess } from '$lib/files/access';
import { memoryFolder, readTree, type MemoryTree } from '$lib/files/memory-fs';
import { memoryJournal } from '$lib/files/plan/journal';
import { FilePlansState } from '$lib/state/file-plans.svelte';
import { createFilePlanTool } from '$lib/tools/file-plan';
import type { ToolContext } from '$lib/tools/types';
import type { GrantedFolder } from '$lib/types/agent-data';
import type { FileOperation, FilePlanView } from '$lib/types/file-plan';

const FILES = 40;
const name = (i: number) => `f${String(i).padStart(2, '0')}.txt`;

function tree(): MemoryTree {
	const files: MemoryTree = { 'old.zip': 'zip' };
	for (let i = 0; i < FILES; i++) files[name(i)] = `file ${i}`;
	return files;
}

const OPERATIONS: FileOperation[] = [
	{ action: 'make_folder', path: 'Docs' },
	{ action: 'create_file', path: 'Docs/readme.txt', content: 'hello' },
	{ action: 'delete', path: 'old.zip' },
	...Array.from({ length: FILES }, (_, i) => ({
		action: 'move' as const,
		from: name(i),
		to: i % 2 ? 'Odd/' : 'Even/'
	}))
];

/** Moves that complete before the page goes away; the next ones never return. */
const MOVES_BEFORE_RELOAD = 24;

async function interruptedApply() {
	let clock = 1_000;
	// Each read of the clock is 300 ms: the tool saves its journal every 4th step or so.
	const now = () => (clock += 300);
	let moves = 0;
	let reloaded = false;
	const root = await memoryFolder('Downloads', tree(), {
		now: () => 1,
		hang: (file) => !reloaded && file.startsWith('f') && ++moves > MOVES_BEFORE_RELOAD
	});
	const before = await readTree(root);
	const folder: GrantedFolder = {
		id: 'f1',
		name: 'Downloads',
		handle: root as unknown as FileSystemDirectoryHandle,
		kind: 'granted',
		addedAt: 1,
		writable: true
	};
	const access = createFolderAccess({ list: async () => [folder], scratch: async () => null });
	const journal = memoryJournal();
	// The page dies before its last journal writes reach the database: once 10 moves have
	// started, the applying plan's saves are lost (recovery's own save goes through).
	const save = journal.save.bind(journal);
	journal.save = async (entry) => {
		if (entry.state !== 'applying' || moves <= 10 || reloaded) await save(entry);
	};
	const tool = createFilePlanTool({ access, journal, now, newId: () => 'plan-1' });
	let card: FilePlanView | undefined;
	const ctx: ToolContext = {
		signal: new AbortController().signal,
		onOutput: () => {},
		onProgress: () => {},
		onReview: (review: FilePlanView) => void (card = structuredClone(review))
	} as unknown as ToolContext;
	// Never settles: the page went away under it.
	void tool.run({ folder: 'Downloads', operations: OPERATIONS }, ctx);
	await new Promise((r) => setTimeout(r, 50));
	reloaded = true;
	return { root, before, access, journal, card: card!, now };
}

describe('FilePlansState after a reload in the middle of an apply', () => {
	it('rebuilds each item’s outcome from the journal and the folder, then undoes what was applied', async () => {
		const { root, before, access, journal, card, now } = await interruptedApply();
		expect(card.state).toBe('applying');
		const saved = (await journal.get('plan-1'))!;
		expect(saved.state).toBe('applying');
		// The journal's last save is behind the disk: some moves are only on the disk.
		const savedMoves = saved.steps.filter((s) => s.kind === 'moved').length;
		expect(savedMoves).toBeGreaterThan(0);
		expect(savedMoves).toBeLessThan(MOVES_BEFORE_RELOAD);

		// The reloaded page: a new state over the same journal and folder.
		const plans = new FilePlansState({ access, journal, now });
		await plans.load('plan-1', card);
		const view = plans.recovered('plan-1')!;
		expect(view.state).toBe('interrupted');
		const outcomes = view.items.map((i) => i.outcome);
		expect(outcomes.slice(0, 3)).toEqual(['done', 'done', 'done']);
		expect(outcomes.slice(3)).toEqual([
			...Array(MOVES_BEFORE_RELOAD).fill('done'),
			...Array(FILES - MOVES_BEFORE_RELOAD).fill('not_run')
		]);
		expect(view.done).toBe(3 + MOVES_BEFORE_RELOAD);
		expect(view.items.at(-1)?.outcomeNote).toMatch(/interrupted before it/);
		expect(plans.view('plan-1').status).toBe('available');
		const entry = (await journal.get('plan-1'))!;
		expect(entry.state).toBe('interrupted');
		expect(entry.steps.filter((s) => s.kind === 'moved')).toHaveLength(MOVES_BEFORE_RELOAD);

		await plans.undo('plan-1');
		expect(plans.view('plan-1')).toEqual({ status: 'undone' });
		// The trashed file came back; its emptied trash folder stays (as after any undo).
		expect(await readTree(root)).toEqual({ ...before, '.hearth-trash': {} });
		// The card keeps the outcomes it recovered.
		expect(plans.recovered('plan-1')?.done).toBe(3 + MOVES_BEFORE_RELOAD);
	});

	it('a second load reads the recovered journal; undo still refuses a file changed since', async () => {
		const { root, access, journal, card, now } = await interruptedApply();
		await new FilePlansState({ access, journal, now }).load('plan-1', card);
		const plans = new FilePlansState({ access, journal, now });
		await plans.load('plan-1', card);
		expect(plans.recovered('plan-1')?.done).toBe(3 + MOVES_BEFORE_RELOAD);
		// f21.txt was moved after the journal's last save: recovery read its size and date.
		const moved = await (await root.getDirectoryHandle('Odd')).getFileHandle(name(21));
		const w = await moved.createWritable();
		await w.write('changed by hand');
		await w.close();
		await plans.undo('plan-1');
		expect(plans.view('plan-1')).toMatchObject({
			status: 'available',
			error: expect.stringMatching(/"Odd\/f21.txt" was changed since the plan/)
		});
	});

	it('an apply still running (its card says so) is left alone', async () => {
		const { access, journal, now } = await interruptedApply();
		const plans = new FilePlansState({ access, journal, now });
		await plans.load('plan-1');
		expect(plans.recovered('plan-1')).toBeUndefined();
		expect((await journal.get('plan-1'))?.state).toBe('applying');
	});
});
