import { describe, expect, it } from 'vitest';
import { memoryFolder, readTree, type MemoryTree } from '$lib/files/memory-fs';
import { buildPlan } from '$lib/files/plan/build';
import type { FileOperation } from '$lib/types/file-plan';

const DOWNLOADS: MemoryTree = {
	'cat.jpg': 'meow',
	'Dog.PNG': 'woof',
	'report.pdf': '%PDF',
	'notes.txt': 'remember milk',
	docs: { 'old.txt': 'old' },
	Images: { 'cat.jpg': 'an older cat' }
};

async function planFor(operations: FileOperation[], tree: MemoryTree = DOWNLOADS) {
	const root = await memoryFolder('Downloads', tree);
	const before = await readTree(root);
	const plan = await buildPlan(root, { folder: 'Downloads', operations });
	// Building a plan only reads.
	expect(await readTree(root)).toEqual(before);
	return plan;
}

describe('buildPlan', () => {
	it('plans moves into new and existing folders, each op seeing those before it', async () => {
		const plan = await planFor([
			{ action: 'make_folder', path: 'Documents' },
			{ action: 'move', from: 'report.pdf', to: 'Documents/' },
			{ action: 'move', from: 'notes.txt', to: 'Documents' },
			{ action: 'move', from: 'Dog.PNG', to: 'Pictures/2024/Dog.PNG' }
		]);
		expect(plan.steps.map((s) => [s.action, s.to.join('/')])).toEqual([
			['make_folder', 'Documents'],
			['move', 'Documents/report.pdf'],
			['move', 'Documents/notes.txt'],
			['move', 'Pictures/2024/Dog.PNG']
		]);
		// Missing parents are made on the way, and listed for the card.
		expect(plan.steps[3]!.newFolders).toEqual([['Pictures'], ['Pictures', '2024']]);
		expect(plan.view.newFolders).toEqual(['Pictures', 'Pictures/2024']);
		expect(plan.view.items.every((i) => !i.problem && !i.conflict)).toBe(true);
		expect(plan.view.state).toBe('proposed');
	});

	it('shows a clash as a conflict with a choice; skip by default, never a silent overwrite', async () => {
		const plan = await planFor([
			{ action: 'move', from: 'cat.jpg', to: 'Images/' },
			{ action: 'copy', from: 'cat.jpg', to: 'Images/cat.jpg', if_exists: 'keep_both' },
			{ action: 'create_file', path: 'docs/old.txt', content: 'new', if_exists: 'replace' }
		]);
		const [skip, keep, replace] = plan.view.items;
		expect(skip!.conflict).toEqual({ existing: 'file', keepBothAs: 'Images/cat (2).jpg' });
		expect(skip!.choice).toBe('skip');
		expect(keep!.choice).toBe('keep_both');
		expect(replace!.choice).toBe('replace');
		// Skipped: no step. Kept both: a free numbered name. Replaced: the old one goes first.
		expect(plan.steps.map((s) => s.index)).toEqual([1, 2]);
		expect(plan.steps[0]!.to).toEqual(['Images', 'cat (2).jpg']);
		expect(plan.steps[1]!.replace).toEqual({ path: ['docs', 'old.txt'], entry: 'file' });
	});

	it('treats names differing only in case as the same name (Windows and macOS do)', async () => {
		const plan = await planFor([
			{ action: 'move', from: 'notes.txt', to: 'docs/OLD.txt' },
			{ action: 'move', from: 'cat.jpg', to: 'images/' }
		]);
		expect(plan.view.items[0]!.conflict?.existing).toBe('file');
		// An existing "Images" serves for "images/": no second folder differing only in case.
		expect(plan.view.items[1]!.conflict).toEqual({
			existing: 'file',
			keepBothAs: 'Images/cat (2).jpg'
		});
		expect(plan.view.newFolders).toEqual([]);
	});

	it('plans a case-only rename as a rename of the same file, not a conflict', async () => {
		const plan = await planFor([{ action: 'move', from: 'Dog.PNG', to: 'dog.png' }]);
		expect(plan.view.items[0]!.conflict).toBeUndefined();
		expect(plan.view.items[0]!.note).toMatch(/case/);
		expect(plan.steps[0]).toMatchObject({ caseOnly: true, to: ['dog.png'] });
	});

	it('refuses moving or copying a folder into itself, and says why per item', async () => {
		const plan = await planFor([
			{ action: 'move', from: 'docs', to: 'docs/inner/' },
			{ action: 'copy', from: 'docs', to: 'docs/copy' },
			{ action: 'move', from: 'docs', to: 'docs' },
			{ action: 'move', from: 'notes.txt', to: 'docs/' }
		]);
		expect(plan.view.items[0]!.problem).toMatch(/can't be moved into itself/);
		expect(plan.view.items[1]!.problem).toMatch(/can't be copied into itself/);
		// A folder "moved" onto its own path: nothing to do.
		expect(plan.view.items[2]!.note).toMatch(/Already there/);
		expect(plan.steps.map((s) => s.index)).toEqual([3]);
	});

	it('refuses names the platforms forbid, paths that leave the folder, and the trash', async () => {
		const plan = await planFor([
			{ action: 'make_folder', path: 'CON' },
			{ action: 'move', from: 'notes.txt', to: 'notes:2024.txt' },
			{ action: 'create_file', path: 'trailing.', content: '' },
			{ action: 'move', from: '../etc/passwd', to: 'x' },
			{ action: 'delete', path: '/notes.txt' },
			{ action: 'move', from: 'cat.jpg', to: '.hearth-trash/cat.jpg' },
			{ action: 'create_file', path: `a/${'n'.repeat(300)}.txt`, content: '' },
			{ action: 'make_folder', path: 'fine/folder' }
		]);
		const problems = plan.view.items.map((i) => i.problem ?? '');
		expect(problems[0]).toMatch(/device name/);
		expect(problems[1]).toMatch(/":"/);
		expect(problems[2]).toMatch(/ends in a dot/);
		expect(problems[3]).toMatch(/would leave the shared folder/);
		expect(problems[4]).toMatch(/relative to the shared folder/);
		expect(problems[5]).toMatch(/trash/);
		expect(problems[6]).toMatch(/too long|255/);
		expect(problems[7]).toBe('');
		expect(plan.steps).toHaveLength(1);
	});

	it('knows what earlier items did: a deleted source is gone, a moved one is elsewhere', async () => {
		const plan = await planFor([
			{ action: 'delete', path: 'notes.txt' },
			{ action: 'move', from: 'notes.txt', to: 'docs/' },
			{ action: 'move', from: 'cat.jpg', to: 'a.jpg' },
			{ action: 'move', from: 'a.jpg', to: 'docs/' },
			{ action: 'move', from: 'missing.txt', to: 'docs/' }
		]);
		expect(plan.view.items[1]!.problem).toMatch(/There is no "notes.txt"/);
		expect(plan.view.items[3]!.problem).toBeUndefined();
		expect(plan.steps.at(-1)!.to).toEqual(['docs', 'a.jpg']);
		expect(plan.view.items[4]!.problem).toMatch(/There is no "missing.txt"/);
	});

	it('nested folders: only missing levels are made; existing ones are nothing to do', async () => {
		const plan = await planFor([
			{ action: 'make_folder', path: 'docs/2024/q1' },
			{ action: 'make_folder', path: 'docs' }
		]);
		expect(plan.steps[0]!.newFolders).toEqual([
			['docs', '2024'],
			['docs', '2024', 'q1']
		]);
		expect(plan.view.items[1]!.note).toMatch(/Already exists/);
		expect(plan.steps).toHaveLength(1);
	});

	it('refuses a file too large to write and a file standing where a folder is needed', async () => {
		const plan = await planFor([
			{ action: 'create_file', path: 'big.txt', content: 'x'.repeat(1_000_001) },
			{ action: 'move', from: 'cat.jpg', to: 'notes.txt/cat.jpg' }
		]);
		expect(plan.view.items[0]!.problem).toMatch(/more than/);
		expect(plan.view.items[1]!.problem).toMatch(/"notes.txt" is a file/);
	});
});
