// Each shared folder's hidden trash, ".hearth-trash": a deleted entry moves into its own box
// (".hearth-trash/<id>/<name>") beside a note of where it was and when (".hearth-trash/<id>.json").
// The note lives on the disk with the file, so the trash still makes sense if Hearth's own data
// is cleared, and the terminal reads the same trash. Notes come from the disk: they are checked.
import type { DirHandle } from '$lib/files/handles';
import { numberedName, TRASH_DIR } from '$lib/files/names';
import { type AnyHandle, type FolderOps, isMissing } from '$lib/files/plan/entry-ops';
import { joinPath, splitPath } from '$lib/files/paths';
import { HearthError } from '$lib/types/errors';
import type { EntryKind } from '$lib/types/file-plan';

export interface TrashInfo {
	id: string;
	/** Where it was, relative to the shared folder. */
	path: string;
	entry: EntryKind;
	trashedAt: number;
	/** Bytes (files). */
	size?: number;
	/** The plan that deleted it. */
	planId?: string;
}

export interface TrashItem extends TrashInfo {
	/** Its box still holds it (someone may have emptied part of the trash by hand). */
	present: boolean;
}

const NOTE = '.json';

/** Ids sort by time and are valid names everywhere. */
export function newTrashId(now: number): string {
	const random = Math.floor(Math.random() * 36 ** 6)
		.toString(36)
		.padStart(6, '0');
	return `${now.toString(36)}-${random}`;
}

/** Moves the entry at `path` into the trash; returns its note. */
export async function moveToTrash(
	ops: FolderOps,
	handle: AnyHandle,
	path: readonly string[],
	meta: { id: string; now: number; planId?: string }
): Promise<TrashInfo> {
	const name = path.at(-1);
	if (!name) throw new HearthError('path_rejected', 'The shared folder itself cannot be deleted.');
	const info: TrashInfo = {
		id: meta.id,
		path: joinPath(path),
		entry: handle.kind,
		trashedAt: meta.now,
		...(handle.kind === 'file' ? { size: (await handle.getFile()).size } : {}),
		...(meta.planId ? { planId: meta.planId } : {})
	};
	await ops.makeFolder([TRASH_DIR]);
	await ops.makeFolder([TRASH_DIR, meta.id]);
	await ops.writeNewFile([TRASH_DIR, `${meta.id}${NOTE}`], JSON.stringify(info));
	try {
		await ops.move(handle, path, [TRASH_DIR, meta.id, name]);
	} catch (e) {
		await ops.remove([TRASH_DIR, `${meta.id}${NOTE}`]).catch(() => {});
		await ops.remove([TRASH_DIR, meta.id]).catch(() => {});
		throw e;
	}
	return info;
}

function readNote(text: string, id: string): TrashInfo | null {
	try {
		const raw = JSON.parse(text) as Partial<TrashInfo>;
		if (raw.id !== id || typeof raw.path !== 'string') return null;
		if (raw.entry !== 'file' && raw.entry !== 'directory') return null;
		splitPath(raw.path); // a note that points outside the folder is ignored
		return {
			id,
			path: raw.path,
			entry: raw.entry,
			trashedAt: typeof raw.trashedAt === 'number' ? raw.trashedAt : 0,
			...(typeof raw.size === 'number' ? { size: raw.size } : {}),
			...(typeof raw.planId === 'string' ? { planId: raw.planId } : {})
		};
	} catch {
		return null;
	}
}

async function trashDir(root: DirHandle): Promise<DirHandle | null> {
	try {
		return await root.getDirectoryHandle(TRASH_DIR);
	} catch (e) {
		if (isMissing(e)) return null;
		throw e;
	}
}

/** What is in the folder's trash, newest first. A box without a readable note is still listed. */
export async function listTrash(root: DirHandle): Promise<TrashItem[]> {
	const trash = await trashDir(root);
	if (!trash) return [];
	const notes = new Map<string, TrashInfo>();
	const boxes = new Map<string, DirHandle>();
	for await (const [name, handle] of trash.entries()) {
		if (handle.kind === 'directory') boxes.set(name, handle);
		else if (name.endsWith(NOTE)) {
			const id = name.slice(0, -NOTE.length);
			const note = readNote(await (await handle.getFile()).text(), id);
			if (note) notes.set(id, note);
		}
	}
	const items: TrashItem[] = [];
	for (const [id, box] of boxes) {
		const note = notes.get(id);
		const inside: [string, AnyHandle][] = [];
		for await (const entry of box.entries()) inside.push(entry);
		const [name, handle] = inside[0] ?? [];
		const present = note
			? inside.some(([n]) => n === note.path.split('/').at(-1))
			: handle !== undefined;
		if (!note && !handle) continue;
		items.push(
			note
				? { ...note, present }
				: { id, path: name!, entry: handle!.kind, trashedAt: 0, present: true }
		);
	}
	return items.sort((a, b) => b.trashedAt - a.trashedAt || b.id.localeCompare(a.id));
}

/**
 * Puts a trashed entry back where it was. With `exact` (undo), a taken place is an error;
 * otherwise it comes back beside what took its place, as "name (2)". Returns where it went.
 */
export async function restoreFromTrash(
	ops: FolderOps,
	id: string,
	options: { exact?: boolean } = {}
): Promise<string> {
	const item = (await listTrash(ops.root)).find((i) => i.id === id);
	if (!item || !item.present) {
		throw new HearthError('file_not_found', 'That item is no longer in the trash.');
	}
	return (await restoreTrashed(ops, item, options)).path;
}

/**
 * The same for an item whose note is already known (undo knows it from its journal), without
 * reading the whole trash. Returns where it went and its handle there.
 */
export async function restoreTrashed(
	ops: FolderOps,
	item: Pick<TrashInfo, 'id' | 'path' | 'entry'>,
	options: { exact?: boolean } = {}
): Promise<{ path: string; handle: AnyHandle }> {
	const path = splitPath(item.path);
	const name = path.at(-1)!;
	const handle = await ops.entry([TRASH_DIR, item.id, name], item.entry);
	let target = path;
	if (await ops.probe(path)) {
		if (options.exact) {
			throw new HearthError(
				'file_exists',
				`"${item.path}" can't come back from the trash: something else has that name now.`
			);
		}
		for (let n = 2; await ops.probe(target); n++) {
			target = [...path.slice(0, -1), numberedName(name, n)];
		}
	}
	for (let i = 1; i < target.length; i++) await ops.makeFolder(target.slice(0, i));
	const moved = await ops.move(handle, [TRASH_DIR, item.id, name], target);
	await ops.remove([TRASH_DIR, item.id]).catch(() => {});
	await ops.remove([TRASH_DIR, `${item.id}${NOTE}`]).catch(() => {});
	return { path: joinPath(target), handle: moved };
}

/** Where a trashed entry waits in its box. */
export function trashedPath(id: string, path: string): string[] {
	return [TRASH_DIR, id, path.split('/').at(-1) ?? ''];
}

/** Deletes everything in the folder's trash for good; returns how many items went. */
export async function emptyTrash(root: DirHandle): Promise<number> {
	const count = (await listTrash(root)).length;
	try {
		await root.removeEntry(TRASH_DIR, { recursive: true });
	} catch (e) {
		if (!isMissing(e)) throw e;
	}
	return count;
}
