import { mkdtemp, mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTree, type MemoryTree } from '$lib/files/memory-fs';
import { applyPlan } from '$lib/files/plan/apply';
import { buildPlan } from '$lib/files/plan/build';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { undoPlan } from '$lib/files/plan/undo';
import { listTrash } from '$lib/files/trash';
import type { FileOperation, JournalEntry, JournalStep } from '$lib/types/file-plan';
import { HearthError } from '$lib/types/errors';
import { nodeFolder } from './node-handles';

// The same plans, applier, undo and trash as the browser's, over a real folder on disk.

let dir: string;
let outside: string;

beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-plan-'));
	outside = await mkdtemp(path.join(tmpdir(), 'hearth-outside-'));
});

afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
	await rm(outside, { recursive: true, force: true });
});

async function make(tree: MemoryTree, at = dir): Promise<void> {
	for (const [name, value] of Object.entries(tree)) {
		if (typeof value === 'string' || value instanceof Uint8Array) {
			await writeFile(path.join(at, name), value);
		} else {
			await mkdir(path.join(at, name));
			await make(value, path.join(at, name));
		}
	}
}

async function visible(): Promise<MemoryTree> {
	const tree = await readTree(await nodeFolder(dir));
	delete tree['.hearth-trash'];
	return tree;
}

async function apply(operations: FileOperation[]) {
	const ops = new FolderOps(await nodeFolder(dir));
	const plan = await buildPlan(ops.root, { folder: 'Downloads', operations });
	const steps: JournalStep[] = [];
	const result = await applyPlan(ops, plan, steps, {
		signal: new AbortController().signal,
		planId: 'plan-1',
		now: Date.now
	});
	const entry: JournalEntry = {
		id: 'plan-1',
		folderId: 'f1',
		folder: 'Downloads',
		appliedAt: Date.now(),
		state: result.state,
		steps,
		undone: 0
	};
	return { plan, result, entry };
}

const DOWNLOADS: MemoryTree = {
	'cat.jpg': 'meow',
	'report.pdf': '%PDF-1.7',
	'notes.txt': 'remember milk',
	'old.log': 'noise',
	Images: { 'cat.jpg': 'an older cat' },
	Project: { src: { 'main.py': 'print(1)' } }
};

describe('node handles under the plan applier', () => {
	it('organises, trashes, moves a folder whole, and one undo puts everything back', async () => {
		await make(DOWNLOADS);
		const before = await visible();
		const { result, entry } = await apply([
			{ action: 'make_folder', path: 'Documents/2026' },
			{ action: 'move', from: 'report.pdf', to: 'Documents/2026/' },
			{ action: 'move', from: 'notes.txt', to: 'Documents/notes.txt' },
			{ action: 'move', from: 'cat.jpg', to: 'Images/', if_exists: 'keep_both' },
			{ action: 'move', from: 'Project', to: 'Code/Project' },
			{ action: 'copy', from: 'Code/Project/src/main.py', to: 'main-copy.py' },
			{ action: 'delete', path: 'old.log' },
			{ action: 'create_file', path: 'Code/README.md', content: '# Code\n' }
		]);
		expect(result.state).toBe('applied');
		expect(await visible()).toEqual({
			Documents: { '2026': { 'report.pdf': '%PDF-1.7' }, 'notes.txt': 'remember milk' },
			Images: { 'cat.jpg': 'an older cat', 'cat (2).jpg': 'meow' },
			Code: { Project: { src: { 'main.py': 'print(1)' } }, 'README.md': '# Code\n' },
			'main-copy.py': 'print(1)'
		});
		const trash = await listTrash(await nodeFolder(dir));
		expect(trash.map((t) => t.path)).toEqual(['old.log']);

		const undone = await undoPlan(new FolderOps(await nodeFolder(dir)), entry);
		expect(undone.undone).toBe(entry.steps.length);
		expect(await visible()).toEqual(before);
	});

	it('refuses the undo, naming the file, when it was edited on disk since; nothing moves', async () => {
		await make(DOWNLOADS);
		const { entry } = await apply([{ action: 'move', from: 'notes.txt', to: 'Docs/' }]);
		const after = await visible();
		const moved = path.join(dir, 'Docs', 'notes.txt');
		await writeFile(moved, 'remember milk and eggs');
		const later = new Date(Date.now() + 5_000);
		await utimes(moved, later, later);
		const refused = await undoPlan(new FolderOps(await nodeFolder(dir)), entry).then(
			() => null,
			(e: unknown) => e
		);
		expect(refused).toBeInstanceOf(HearthError);
		expect((refused as HearthError).message).toContain('Docs/notes.txt');
		expect(await visible()).toEqual({ ...after, Docs: { 'notes.txt': 'remember milk and eggs' } });
	});

	it('never follows a symbolic link out of the shared folder', async () => {
		await make({ 'a.txt': 'a' });
		await writeFile(path.join(outside, 'secret.txt'), 'secret');
		await symlink(outside, path.join(dir, 'escape'));
		await symlink(path.join(outside, 'secret.txt'), path.join(dir, 'secret.txt'));
		// Not listed, so not seen by a plan either.
		expect(await visible()).toEqual({ 'a.txt': 'a' });
		const { plan, result } = await apply([
			{ action: 'delete', path: 'escape' },
			{ action: 'move', from: 'secret.txt', to: 'kept/' }
		]);
		expect(plan.view.items.every((i) => i.problem)).toBe(true);
		expect(result.view.items.every((i) => i.outcome !== 'done')).toBe(true);
		expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
		const root = await nodeFolder(dir);
		await expect(root.getDirectoryHandle('escape')).rejects.toThrow(/symbolic link/);
		await expect(root.removeEntry('escape')).rejects.toMatchObject({ name: 'NotFoundError' });
	});

	it('reports the browser’s errors: missing, wrong kind, a folder not empty', async () => {
		await make({ f: 'x', d: { inner: 'y' } });
		const root = await nodeFolder(dir);
		await expect(root.getFileHandle('nope')).rejects.toMatchObject({ name: 'NotFoundError' });
		await expect(root.getFileHandle('d')).rejects.toMatchObject({ name: 'TypeMismatchError' });
		await expect(root.getDirectoryHandle('f')).rejects.toMatchObject({
			name: 'TypeMismatchError'
		});
		await expect(root.removeEntry('d')).rejects.toMatchObject({
			name: 'InvalidModificationError'
		});
		await expect(root.getFileHandle('../x', { create: true })).rejects.toThrow(TypeError);
		// A write lands whole on close, never before.
		const file = await root.getFileHandle('f');
		const w = await file.createWritable();
		await w.write('new');
		expect(await readFile(path.join(dir, 'f'), 'utf8')).toBe('x');
		await w.close();
		expect(await readFile(path.join(dir, 'f'), 'utf8')).toBe('new');
		expect(Object.keys(await readTree(root)).sort()).toEqual(['d', 'f']);
	});
});
