// Recovery of an apply cut off between two journal saves: the steps the journal missed are read
// off the disk, half-done ones are marked failed, and undo takes back exactly what is there.
import { describe, expect, it } from 'vitest';
import { memoryFolder, readTree } from '$lib/files/memory-fs';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { recoverApply } from '$lib/files/plan/recover';
import { undoPlan } from '$lib/files/plan/undo';
import { moveToTrash } from '$lib/files/trash';
import type { JournalEntry, PlannedStep } from '$lib/types/file-plan';

function entry(plan: PlannedStep[]): JournalEntry {
	return {
		id: 'p1',
		folderId: 'f1',
		folder: 'Downloads',
		appliedAt: 1,
		state: 'applying',
		steps: [],
		undone: 0,
		plan
	};
}

describe('recoverApply', () => {
	it('a case-only rename stopped at its temporary name is failed, and undo gives the old name back', async () => {
		const root = await memoryFolder('Downloads', { '.hearth-renaming-abc': 'pic' });
		const journal = entry([
			{
				index: 0,
				action: 'move',
				from: 'photo.JPG',
				to: 'photo.jpg',
				entry: 'file',
				newFolders: [],
				caseOnly: true
			}
		]);
		const ops = new FolderOps(root);
		const found = await recoverApply(ops, journal, false);
		expect(found.done).toEqual([]);
		expect(found.failed[0]?.note).toMatch(/half-way through the rename.*".hearth-renaming-abc"/);
		expect(journal.state).toBe('interrupted');
		await undoPlan(new FolderOps(root), journal);
		expect(await readTree(root)).toEqual({ 'photo.JPG': 'pic' });
	});

	it('a new file cut off mid-write is failed and removed by undo; one written whole is done', async () => {
		const root = await memoryFolder('P', { 'a.txt': 'hello', 'b.txt': '' });
		const journal = entry([
			{
				index: 0,
				action: 'create_file',
				from: 'a.txt',
				to: 'a.txt',
				entry: 'file',
				newFolders: [],
				size: 5
			},
			{
				index: 1,
				action: 'create_file',
				from: 'b.txt',
				to: 'b.txt',
				entry: 'file',
				newFolders: [],
				size: 9
			},
			{
				index: 2,
				action: 'create_file',
				from: 'c.txt',
				to: 'c.txt',
				entry: 'file',
				newFolders: [],
				size: 1
			}
		]);
		const found = await recoverApply(new FolderOps(root), journal, false);
		expect(found.done).toEqual([0]);
		expect(found.failed.map((f) => f.index)).toEqual([1]);
		expect(found.failed[0]?.note).toMatch(/"b.txt" was being written/);
		await undoPlan(new FolderOps(root), journal);
		expect(await readTree(root)).toEqual({});
	});

	it('a delete the journal missed is found in the trash by its plan, and undo restores it', async () => {
		const root = await memoryFolder('P', { 'old.zip': 'zip', 'keep.txt': 'k' });
		const ops = new FolderOps(root);
		// The applier got this far before the page went away; the journal never heard of it.
		await moveToTrash(ops, await ops.entry(['old.zip'], 'file'), ['old.zip'], {
			id: 't1',
			now: 5,
			planId: 'p1'
		});
		const journal = entry([
			{ index: 0, action: 'delete', from: 'old.zip', to: 'old.zip', entry: 'file', newFolders: [] },
			{
				index: 1,
				action: 'delete',
				from: 'keep.txt',
				to: 'keep.txt',
				entry: 'file',
				newFolders: []
			}
		]);
		const found = await recoverApply(new FolderOps(root), journal, false);
		expect(found).toEqual({ done: [0], failed: [] });
		expect(journal.steps).toEqual([
			{ kind: 'trashed', path: 'old.zip', entry: 'file', trashId: 't1' }
		]);
		await undoPlan(new FolderOps(root), journal);
		expect((await readTree(root))['old.zip']).toBe('zip');
	});
});
