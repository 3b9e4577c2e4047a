// Plans in words, for the card and the model: "3 folders to make, 27 items to move". Tiny and
// pure: the card loads it without the tool.
import type { FileAction, PlanItemView } from '$lib/types/file-plan';

const NOUNS: Record<FileAction, [string, string, string, string]> = {
	make_folder: ['folder', 'folders', 'made', 'to make'],
	move: ['item', 'items', 'moved', 'to move'],
	copy: ['item', 'items', 'copied', 'to copy'],
	delete: ['item', 'items', 'deleted', 'to delete'],
	create_file: ['file', 'files', 'created', 'to create']
};

/** "3 folders made, 27 items moved" (done) or "3 folders to make, …" (planned). */
export function countLine(
	items: readonly Pick<PlanItemView, 'action'>[],
	tense: 'done' | 'planned' = 'done'
): string {
	const counts = new Map<FileAction, number>();
	for (const item of items) counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
	return [...counts]
		.map(([action, n]) => {
			const [one, many, done, planned] = NOUNS[action];
			return `${n} ${n === 1 ? one : many} ${tense === 'done' ? done : planned}`;
		})
		.join(', ');
}

/** One item in words: `Move "cat.jpg" → "Images/cat.jpg"`. */
export function itemText(item: Pick<PlanItemView, 'action' | 'path' | 'to' | 'entry'>): string {
	switch (item.action) {
		case 'make_folder':
			return `Make folder "${item.path}"`;
		case 'create_file':
			return `Create "${item.path}"`;
		case 'delete':
			return `Delete ${item.entry === 'directory' ? 'folder ' : ''}"${item.path}"`;
		case 'move':
			return `Move "${item.path}" → "${item.to ?? ''}"`;
		case 'copy':
			return `Copy "${item.path}" → "${item.to ?? ''}"`;
	}
}
