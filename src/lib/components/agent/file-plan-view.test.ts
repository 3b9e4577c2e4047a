import { describe, expect, it } from 'vitest';
import type { FileOperation, FilePlanView, PlanItemView } from '$lib/types/file-plan';
import {
	approvedCall,
	chosenItems,
	firstRows,
	FIRST_ROWS,
	noChoices,
	removesAnything,
	resultTree
} from './file-plan-view';

const operations: FileOperation[] = [
	{ action: 'make_folder', path: 'Images' },
	{ action: 'move', from: 'cat.jpg', to: 'Images/' },
	{ action: 'move', from: 'dog.png', to: 'Images/' },
	{ action: 'move', from: 'a:b.txt', to: 'Docs/a:b.txt' },
	{ action: 'delete', path: 'old.zip' },
	{ action: 'make_folder', path: 'Docs' }
];

const review: FilePlanView = {
	kind: 'file-plan',
	folder: 'Downloads',
	items: [
		{ index: 0, action: 'make_folder', path: 'Images', entry: 'directory' },
		{ index: 1, action: 'move', path: 'cat.jpg', to: 'Images/cat.jpg', entry: 'file' },
		{
			index: 2,
			action: 'move',
			path: 'dog.png',
			to: 'Pics/dog.png',
			entry: 'file',
			conflict: { existing: 'file', keepBothAs: 'Pics/dog (2).png' },
			choice: 'skip'
		},
		{
			index: 3,
			action: 'move',
			path: 'a:b.txt',
			entry: 'file',
			problem: 'The name "a:b.txt" can\'t be used.'
		},
		{ index: 4, action: 'delete', path: 'old.zip', entry: 'file' },
		{
			index: 5,
			action: 'make_folder',
			path: 'Docs',
			entry: 'directory',
			note: 'Already exists: nothing to do.'
		}
	],
	newFolders: ['Pics'],
	state: 'proposed',
	done: 0,
	permanent: false
};

describe('the plan card’s choices', () => {
	it('ticks what can run; refused and nothing-to-do items stay out', () => {
		expect(chosenItems(review, noChoices()).map((i) => i.index)).toEqual([0, 1, 2, 4]);
	});

	it('approves the ticked operations with each conflict’s choice; permanence only when asked', () => {
		const choices = noChoices();
		choices.ticked[1] = false;
		choices.choice[2] = 'keep_both';
		const args = { folder: 'Downloads', operations, delete_permanently: true };
		expect(approvedCall(args, review, choices)).toEqual({
			args: {
				folder: 'Downloads',
				operations: [operations[0], { ...operations[2], if_exists: 'keep_both' }, operations[4]]
			}
		});
		choices.permanent = true;
		expect(approvedCall(args, review, choices)).toMatchObject({
			args: { delete_permanently: true }
		});
		// Permanent is meaningless without anything removed, so it is not sent.
		choices.ticked[4] = false;
		expect(removesAnything(review, choices)).toBe(false);
		expect(approvedCall(args, review, choices)).not.toHaveProperty('args.delete_permanently');
		// Nothing left: no call to approve.
		for (const i of [0, 2]) choices.ticked[i] = false;
		expect(approvedCall(args, review, choices)).toBeNull();
	});

	it('draws the tree the plan leaves, following the person’s choices', () => {
		const choices = noChoices();
		expect(resultTree(review, choices).lines.map((l) => [l.depth, l.name, l.mark])).toEqual([
			[0, 'Images', 'new'],
			[1, 'cat.jpg', 'moved']
		]);
		choices.choice[2] = 'keep_both';
		expect(resultTree(review, choices).lines.map((l) => [l.depth, l.name, l.mark])).toEqual([
			[0, 'Images', 'new'],
			[1, 'cat.jpg', 'moved'],
			[0, 'Pics', 'new'],
			[1, 'dog (2).png', 'moved']
		]);
		choices.choice[2] = 'replace';
		expect(resultTree(review, choices).lines.at(-1)).toMatchObject({
			name: 'dog.png',
			mark: 'replaced'
		});
		expect(resultTree(review, choices, 2)).toMatchObject({ more: 2 });
	});
});

describe('firstRows', () => {
	const item = (index: number, extra: Partial<PlanItemView> = {}): PlanItemView => ({
		index,
		action: 'move',
		path: `f${index}`,
		to: `A/f${index}`,
		entry: 'file',
		...extra
	});

	it('lists a short plan whole', () => {
		const items = Array.from({ length: FIRST_ROWS }, (_, i) => item(i));
		expect(firstRows(items)).toBe(items);
	});

	it('lists the first rows of a long plan and every row that needs a decision or failed', () => {
		const items = Array.from({ length: 1000 }, (_, i) =>
			item(
				i,
				i === 500
					? { conflict: { existing: 'file', keepBothAs: 'A/f500 (2)' } }
					: i === 700
						? { problem: 'There is no "f700".' }
						: i === 900
							? { outcome: 'failed' }
							: {}
			)
		);
		expect(firstRows(items).map((i) => i.index)).toEqual([
			...Array.from({ length: FIRST_ROWS }, (_, i) => i),
			500,
			700,
			900
		]);
	});
});
