import { describe, expect, it } from 'vitest';
import {
	memoryFolder,
	readTree,
	type MemoryFsOptions,
	type MemoryTree
} from '$lib/files/memory-fs';
import { applyPlan } from '$lib/files/plan/apply';
import { buildPlan } from '$lib/files/plan/build';
import { FolderOps } from '$lib/files/plan/entry-ops';
import type { JournalEntry, JournalStep } from '$lib/types/file-plan';
import { undoPlan } from '$lib/files/plan/undo';
import { listTrash } from '$lib/files/trash';
import { HearthError } from '$lib/types/errors';
import type { FileOperation } from '$lib/types/file-plan';

const DOWNLOADS: MemoryTree = {
	'cat.jpg': 'meow',
	'dog.png': 'woof',
	'report.pdf': '%PDF-1.7',
	'notes.txt': 'remember milk',
	'song.mp3': 'la la',
	Images: { 'cat.jpg': 'an older cat' }
};

const BY_TYPE: FileOperation[] = [
	{ action: 'make_folder', path: 'Documents' },
	{ action: 'move', from: 'report.pdf', to: 'Documents/' },
	{ action: 'move', from: 'notes.txt', to: 'Documents/' },
	{ action: 'move', from: 'dog.png', to: 'Images/' },
	{ action: 'move', from: 'song.mp3', to: 'Music/' }
];

let clock = 1_000;
const now = () => ++clock;

async function setUp(tree: MemoryTree = DOWNLOADS, options: MemoryFsOptions = {}) {
	const root = await memoryFolder('Downloads', tree, { now, ...options });
	return { root, ops: new FolderOps(root), before: await readTree(root) };
}

async function apply(
	ops: FolderOps,
	operations: FileOperation[],
	options: { permanent?: boolean; signal?: AbortSignal; onStep?: (done: number) => void } = {}
) {
	const plan = await buildPlan(ops.root, {
		folder: 'Downloads',
		operations,
		permanent: options.permanent
	});
	const journal: JournalStep[] = [];
	const result = await applyPlan(ops, plan, journal, {
		signal: options.signal ?? new AbortController().signal,
		planId: 'plan-1',
		now,
		onStep: (done) => options.onStep?.(done)
	});
	const entry: JournalEntry = {
		id: 'plan-1',
		folderId: 'f1',
		folder: 'Downloads',
		appliedAt: now(),
		state: result.state,
		steps: journal,
		undone: 0
	};
	return { plan, result, entry };
}

/** The tree without Hearth's trash (the trash is checked on its own). */
async function visible(root: FolderOps['root']): Promise<MemoryTree> {
	const tree = await readTree(root);
	delete tree['.hearth-trash'];
	return tree;
}

async function refusal(work: Promise<unknown>): Promise<HearthError> {
	try {
		await work;
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		return e as HearthError;
	}
	throw new Error('it was not refused');
}

describe('applyPlan and undoPlan', () => {
	it('organises by type, then one undo puts everything back', async () => {
		const { root, ops, before } = await setUp();
		const { result, entry } = await apply(ops, BY_TYPE);
		expect(result.state).toBe('applied');
		expect(result.view.items.map((i) => i.outcome)).toEqual([
			'done',
			'done',
			'done',
			'done',
			'done'
		]);
		expect(await readTree(root)).toEqual({
			'cat.jpg': 'meow',
			Documents: { 'report.pdf': '%PDF-1.7', 'notes.txt': 'remember milk' },
			Images: { 'cat.jpg': 'an older cat', 'dog.png': 'woof' },
			Music: { 'song.mp3': 'la la' }
		});
		const undone = await undoPlan(new FolderOps(root), entry);
		expect(undone.undone).toBe(entry.steps.length);
		expect(await readTree(root)).toEqual(before);
	});

	it('works the same without move() (copy then delete), on a case-insensitive disk', async () => {
		const { root, ops, before } = await setUp(DOWNLOADS, {
			fileMove: false,
			caseInsensitive: true
		});
		const { result, entry } = await apply(ops, [
			...BY_TYPE,
			{ action: 'move', from: 'Images', to: 'Pictures' }
		]);
		expect(result.state).toBe('applied');
		expect(await readTree(root)).toMatchObject({
			Pictures: { 'cat.jpg': 'an older cat', 'dog.png': 'woof' }
		});
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('moves a whole folder without folder move() (Chromium 156 has none) and with it', async () => {
		for (const dirMove of [false, true]) {
			const tree = { Projects: { site: { 'index.html': '<p>', css: { 'a.css': 'a{}' } } } };
			const { root, ops, before } = await setUp(tree, { dirMove });
			const { entry } = await apply(ops, [
				{ action: 'move', from: 'Projects/site', to: 'Archive/' }
			]);
			expect(await readTree(root)).toEqual({
				Projects: {},
				Archive: { site: { 'index.html': '<p>', css: { 'a.css': 'a{}' } } }
			});
			await undoPlan(new FolderOps(root), entry);
			expect(await readTree(root)).toEqual(before);
		}
	});

	it('conflicts: skip keeps the old, keep both numbers the new, replace trashes the old; undo restores', async () => {
		const { root, ops, before } = await setUp();
		const { result, entry } = await apply(ops, [
			{ action: 'copy', from: 'cat.jpg', to: 'Images/', if_exists: 'skip' },
			{ action: 'copy', from: 'cat.jpg', to: 'Images/', if_exists: 'keep_both' },
			{ action: 'move', from: 'cat.jpg', to: 'Images/', if_exists: 'replace' }
		]);
		expect(result.view.items.map((i) => i.outcome)).toEqual(['skipped', 'done', 'done']);
		expect(result.view.items[2]!.outcomeNote).toMatch(/old one is in the trash/);
		expect(await visible(root)).toEqual({
			'dog.png': 'woof',
			'report.pdf': '%PDF-1.7',
			'notes.txt': 'remember milk',
			'song.mp3': 'la la',
			Images: { 'cat.jpg': 'meow', 'cat (2).jpg': 'meow' }
		});
		const trash = await listTrash(root);
		expect(trash).toMatchObject([
			{ path: 'Images/cat.jpg', entry: 'file', size: 12, present: true }
		]);
		await undoPlan(new FolderOps(root), entry);
		expect(await visible(root)).toEqual(before);
		expect(await listTrash(root)).toEqual([]);
	});

	it('renames by case only on a disk that ignores case, and back', async () => {
		const { root, ops, before } = await setUp({ 'Photo.JPG': 'pixels' }, { caseInsensitive: true });
		const { result, entry } = await apply(ops, [
			{ action: 'move', from: 'Photo.JPG', to: 'photo.jpg' }
		]);
		expect(result.state).toBe('applied');
		expect(await readTree(root)).toEqual({ 'photo.jpg': 'pixels' });
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('a failure half-way stops, reports what was and was not done, and undo takes back the done part', async () => {
		const broken = new DOMException('The disk is unhappy.', 'InvalidStateError');
		const { root, ops, before } = await setUp(DOWNLOADS, {
			fail: (op, name) => (op === 'move' && name === 'dog.png' ? broken : undefined)
		});
		const { result, entry } = await apply(ops, BY_TYPE);
		expect(result.state).toBe('stopped');
		expect(result.view.items.map((i) => i.outcome)).toEqual([
			'done',
			'done',
			'done',
			'failed',
			'not_run'
		]);
		expect(result.view.items[3]!.outcomeNote).toMatch(/dog.png.*unhappy/);
		expect(result.view.error?.code).toBe('tool_failed');
		expect(result.view.done).toBe(3);
		// Nothing after the failure ran; what ran is in the journal.
		expect(await readTree(root)).toMatchObject({ 'dog.png': 'woof', 'song.mp3': 'la la' });
		expect(entry.steps.map((s) => s.kind)).toEqual(['made_folder', 'moved', 'moved']);
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('cancel starts nothing new; moves under way finish; the steps done are undoable', async () => {
		const { root, ops, before } = await setUp();
		const stop = new AbortController();
		const { result, entry } = await apply(ops, BY_TYPE, {
			signal: stop.signal,
			onStep: (done) => done === 2 && stop.abort()
		});
		expect(result.state).toBe('cancelled');
		// The three moves into existing folders were under way together when the cancel came;
		// the move into a new folder had not started.
		expect(result.view.items.map((i) => i.outcome)).toEqual([
			'done',
			'done',
			'done',
			'done',
			'not_run'
		]);
		expect(entry.steps.map((s) => s.kind)).toEqual(['made_folder', 'moved', 'moved', 'moved']);
		expect(await readTree(root)).toMatchObject({ 'song.mp3': 'la la' });
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('cancel before a step that runs alone stops there', async () => {
		const { root, ops, before } = await setUp();
		const stop = new AbortController();
		const { result, entry } = await apply(ops, BY_TYPE, {
			signal: stop.signal,
			onStep: (done) => done === 1 && stop.abort()
		});
		expect(result.state).toBe('cancelled');
		expect(result.view.items.map((i) => i.outcome)).toEqual([
			'done',
			'not_run',
			'not_run',
			'not_run',
			'not_run'
		]);
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('many moves at once: a failure among them is reported exactly, and undo takes back the rest', async () => {
		const files = Object.fromEntries(
			Array.from({ length: 40 }, (_, i) => [`f${i}.txt`, `text ${i}`])
		);
		const broken = new DOMException('The disk is unhappy.', 'InvalidStateError');
		const { root, ops, before } = await setUp(
			{ ...files, A: {}, B: {} },
			{ fail: (op, name) => (op === 'move' && name === 'f17.txt' ? broken : undefined) }
		);
		const operations: FileOperation[] = [
			...Array.from({ length: 40 }, (_, i) => ({
				action: 'move' as const,
				from: `f${i}.txt`,
				to: i % 2 ? 'A/' : 'B/'
			})),
			// Chained through one path: must wait for the move before it.
			{ action: 'move', from: 'A/f1.txt', to: 'B/f1.txt' }
		];
		const { result, entry } = await apply(ops, operations);
		expect(result.state).toBe('stopped');
		const outcomes = result.view.items.map((i) => i.outcome);
		expect(outcomes[17]).toBe('failed');
		expect(result.view.error?.message).toMatch(/f17.txt.*unhappy/);
		// Nothing started after the failure: at most the moves already under way finished.
		const done = outcomes.flatMap((o, i) => (o === 'done' ? [i] : []));
		expect(done.length).toBeLessThan(17 + 8);
		expect(outcomes.slice(0, 17).every((o) => o === 'done')).toBe(true);
		expect(outcomes.at(-1)).toBe('not_run');
		// The journal holds exactly the done items, and the folder agrees with it.
		expect(entry.steps.map((s) => (s.kind === 'moved' ? s.from : '')).sort()).toEqual(
			done.map((i) => `f${i}.txt`).sort()
		);
		const tree = await readTree(root);
		for (let i = 0; i < 40; i++) {
			const where = done.includes(i) ? (tree[i % 2 ? 'A' : 'B'] as MemoryTree) : tree;
			expect(where[`f${i}.txt`]).toBe(`text ${i}`);
		}
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('chained moves of one file run in order, never at once', async () => {
		const { root, ops } = await setUp({ 'a.txt': 'A', 'b.txt': 'B', Done: {} });
		const { result, entry } = await apply(ops, [
			{ action: 'move', from: 'a.txt', to: 'Done/' },
			{ action: 'move', from: 'b.txt', to: 'a.txt' },
			{ action: 'move', from: 'Done/a.txt', to: 'b.txt' }
		]);
		expect(result.state).toBe('applied');
		expect(await readTree(root)).toEqual({ 'a.txt': 'B', 'b.txt': 'A', Done: {} });
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual({ 'a.txt': 'A', 'b.txt': 'B', Done: {} });
	});

	it('undo is refused, naming the file, when a file changed since; nothing is touched', async () => {
		const { root, ops } = await setUp();
		const { entry } = await apply(ops, BY_TYPE);
		const moved = await (await root.getDirectoryHandle('Documents')).getFileHandle('notes.txt');
		const w = await moved.createWritable();
		await w.write('remember milk and eggs');
		await w.close();
		const after = await readTree(root);
		const error = await refusal(undoPlan(new FolderOps(root), entry));
		expect(error.code).toBe('file_changed');
		expect(error.message).toContain('"Documents/notes.txt"');
		expect(await readTree(root)).toEqual(after);
		expect(entry.undone).toBe(0);
	});

	it('undo is refused when only the date changed, or when something new took an old place', async () => {
		const { root, ops } = await setUp();
		const { entry } = await apply(ops, BY_TYPE);
		const images = await root.getDirectoryHandle('Images');
		(await images.getFileHandle('dog.png')).touch(5);
		expect((await refusal(undoPlan(new FolderOps(root), entry))).message).toContain(
			'"Images/dog.png"'
		);

		const second = await setUp();
		const { entry: other } = await apply(second.ops, BY_TYPE);
		await second.root.getFileHandle('report.pdf', { create: true });
		const error = await refusal(undoPlan(new FolderOps(second.root), other));
		expect(error.code).toBe('file_exists');
		expect(error.message).toContain('"report.pdf"');
	});

	it('chained moves and a folder the person filled since: undone in order, the folder kept', async () => {
		const { root, ops } = await setUp();
		const { entry } = await apply(ops, [
			{ action: 'move', from: 'cat.jpg', to: 'kitty.jpg' },
			{ action: 'move', from: 'kitty.jpg', to: 'Pets/kitty.jpg' },
			{ action: 'make_folder', path: 'Empty/Inner' }
		]);
		await (await root.getDirectoryHandle('Empty')).getFileHandle('mine.txt', { create: true });
		const result = await undoPlan(new FolderOps(root), entry);
		expect(result.kept).toEqual(['Empty']);
		const tree = await readTree(root);
		expect(tree['cat.jpg']).toBe('meow');
		expect(tree.Pets).toBeUndefined();
		expect(tree.Empty).toEqual({ 'mine.txt': '' });
	});

	it('deletes go to the trash; undo brings them back; permanent deletes cannot come back', async () => {
		const { root, ops, before } = await setUp();
		const { entry } = await apply(ops, [
			{ action: 'delete', path: 'notes.txt' },
			{ action: 'delete', path: 'Images' }
		]);
		const trash = await listTrash(root);
		expect(trash.map((t) => [t.path, t.entry, t.present])).toEqual([
			['Images', 'directory', true],
			['notes.txt', 'file', true]
		]);
		await undoPlan(new FolderOps(root), entry);
		expect(await visible(root)).toEqual(before);

		const { root: root2, ops: ops2 } = await setUp();
		const { result, entry: gone } = await apply(ops2, [{ action: 'delete', path: 'notes.txt' }], {
			permanent: true
		});
		expect(result.view.items[0]!.outcomeNote).toMatch(/for good/);
		expect(await listTrash(root2)).toEqual([]);
		expect((await undoPlan(new FolderOps(root2), gone)).lost).toEqual(['notes.txt']);
		expect((await readTree(root2))['notes.txt']).toBeUndefined();
	});

	it('creates a project skeleton with starter files; undo removes exactly what it made', async () => {
		const { root, ops, before } = await setUp({ 'keep.txt': 'mine' });
		const { result, entry } = await apply(ops, [
			{ action: 'make_folder', path: 'flask-app/templates' },
			{ action: 'make_folder', path: 'flask-app/static' },
			{ action: 'create_file', path: 'flask-app/app.py', content: 'from flask import Flask\n' },
			{ action: 'create_file', path: 'flask-app/requirements.txt', content: 'flask\n' },
			{ action: 'create_file', path: 'flask-app/templates/index.html', content: '<h1>Hi</h1>\n' }
		]);
		expect(result.state).toBe('applied');
		expect(await readTree(root)).toEqual({
			'keep.txt': 'mine',
			'flask-app': {
				templates: { 'index.html': '<h1>Hi</h1>\n' },
				static: {},
				'app.py': 'from flask import Flask\n',
				'requirements.txt': 'flask\n'
			}
		});
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('an undo that stopped half-way resumes where it stopped', async () => {
		let failing = false;
		const { root, ops, before } = await setUp(DOWNLOADS, {
			fail: (op, name) =>
				failing && op === 'move' && name === 'report.pdf'
					? new DOMException('busy', 'NoModificationAllowedError')
					: undefined
		});
		const { entry } = await apply(ops, BY_TYPE);
		failing = true;
		const error = await refusal(undoPlan(new FolderOps(root), entry));
		expect(error.message).toMatch(/Undo stopped at "Documents\/report.pdf".*press Undo again/);
		expect(entry.undone).toBeGreaterThan(0);
		failing = false;
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});

	it('an undo of many moves that fails among them keeps an exact count and resumes', async () => {
		let failing = false;
		const files = Object.fromEntries(
			Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, `text ${i}`])
		);
		const { root, ops, before } = await setUp(
			{ ...files, A: {} },
			{
				fail: (op, name) =>
					failing && op === 'move' && name === 'f12.txt'
						? new DOMException('busy', 'NoModificationAllowedError')
						: undefined
			}
		);
		const { entry } = await apply(
			ops,
			Array.from({ length: 30 }, (_, i) => ({ action: 'move', from: `f${i}.txt`, to: 'A/' }))
		);
		failing = true;
		const error = await refusal(undoPlan(new FolderOps(root), entry));
		expect(error.message).toMatch(/Undo stopped at "A\/f12.txt"/);
		// The steps counted as taken back (from the end of the journal) are exactly those back.
		const tree = await readTree(root);
		const back = entry.steps.slice(entry.steps.length - entry.undone);
		expect(back.length).toBeGreaterThan(0);
		for (const step of back) expect(tree[step.kind === 'moved' ? step.from : '']).toBeDefined();
		const notBack = entry.steps.slice(0, entry.steps.length - entry.undone);
		expect(notBack.length).toBe(30 - Object.keys(tree).filter((n) => n !== 'A').length);
		failing = false;
		await undoPlan(new FolderOps(root), entry);
		expect(await readTree(root)).toEqual(before);
	});
});
