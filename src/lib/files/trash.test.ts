import { describe, expect, it } from 'vitest';
import { memoryFolder, readTree } from '$lib/files/memory-fs';
import { applyPlan } from '$lib/files/plan/apply';
import { buildPlan } from '$lib/files/plan/build';
import { FolderOps } from '$lib/files/plan/entry-ops';
import type { JournalStep } from '$lib/types/file-plan';
import { undoPlan } from '$lib/files/plan/undo';
import { emptyTrash, listTrash, moveToTrash, restoreFromTrash } from '$lib/files/trash';
import { HearthError } from '$lib/types/errors';

async function folder() {
	const root = await memoryFolder('Docs', {
		'a.txt': 'alpha',
		notes: { 'b.md': 'beta', deep: { 'c.md': 'gamma' } }
	});
	return { root, ops: new FolderOps(root) };
}

async function trash(
	ops: FolderOps,
	path: string[],
	kind: 'file' | 'directory',
	id: string,
	at: number
) {
	return moveToTrash(ops, await ops.entry(path, kind), path, { id, now: at });
}

describe('the trash', () => {
	it('keeps what was where and when, newest first, hidden in the folder', async () => {
		const { root, ops } = await folder();
		await trash(ops, ['a.txt'], 'file', 't1', 100);
		await trash(ops, ['notes', 'deep'], 'directory', 't2', 200);
		expect(await listTrash(root)).toEqual([
			{ id: 't2', path: 'notes/deep', entry: 'directory', trashedAt: 200, present: true },
			{ id: 't1', path: 'a.txt', entry: 'file', trashedAt: 100, size: 5, present: true }
		]);
		const tree = await readTree(root);
		expect(tree['a.txt']).toBeUndefined();
		expect(tree['.hearth-trash']).toMatchObject({
			t1: { 'a.txt': 'alpha' },
			t2: { deep: { 'c.md': 'gamma' } }
		});
	});

	it('restores an item where it was, or beside what took its place', async () => {
		const { root, ops } = await folder();
		await trash(ops, ['notes', 'b.md'], 'file', 't1', 100);
		await trash(ops, ['a.txt'], 'file', 't2', 200);
		await root.getFileHandle('a.txt', { create: true });
		expect(await restoreFromTrash(ops, 't1')).toBe('notes/b.md');
		expect(await restoreFromTrash(ops, 't2')).toBe('a (2).txt');
		expect(await listTrash(root)).toEqual([]);
		const tree = await readTree(root);
		expect(tree['a (2).txt']).toBe('alpha');
		expect(tree.notes).toMatchObject({ 'b.md': 'beta' });
		expect(tree['.hearth-trash']).toEqual({});
		// Undo needs the exact place: a taken one is an error, not a rename.
		await trash(ops, ['a (2).txt'], 'file', 't3', 300);
		await root.getFileHandle('a (2).txt', { create: true });
		await expect(restoreFromTrash(ops, 't3', { exact: true })).rejects.toMatchObject({
			code: 'file_exists'
		});
	});

	it('empties for good; an undo that needed a trashed file then names it', async () => {
		const { root, ops } = await folder();
		const plan = await buildPlan(root, {
			folder: 'Docs',
			operations: [{ action: 'delete', path: 'notes/b.md' }]
		});
		const journal: JournalStep[] = [];
		await applyPlan(ops, plan, journal, {
			signal: new AbortController().signal,
			planId: 'p',
			now: () => 5
		});
		expect(await emptyTrash(root)).toBe(1);
		expect(await listTrash(root)).toEqual([]);
		expect((await readTree(root))['.hearth-trash']).toBeUndefined();
		const entry = {
			id: 'p',
			folderId: 'f',
			folder: 'Docs',
			appliedAt: 5,
			state: 'applied' as const,
			steps: journal,
			undone: 0
		};
		const error = await undoPlan(new FolderOps(root), entry).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).message).toContain('"notes/b.md" is no longer in the trash');
	});

	it('ignores notes that point outside the folder, and lists a box without a note by its content', async () => {
		const { root, ops } = await folder();
		await ops.makeFolder(['.hearth-trash']);
		await ops.makeFolder(['.hearth-trash', 'evil']);
		await ops.writeNewFile(['.hearth-trash', 'evil', 'x.txt'], 'x');
		await ops.writeNewFile(
			['.hearth-trash', 'evil.json'],
			JSON.stringify({ id: 'evil', path: '../../etc/passwd', entry: 'file', trashedAt: 1 })
		);
		expect(await listTrash(root)).toEqual([
			{ id: 'evil', path: 'x.txt', entry: 'file', trashedAt: 0, present: true }
		]);
	});
});
