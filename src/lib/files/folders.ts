import type { HearthDb } from '$lib/storage/db';
import type { GrantedFolder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';
import type { DirHandle, FsMode } from '$lib/files/handles';

/** The browser APIs folders come from: the real ones by default, fakes in tests. */
export interface FolderEnv {
	showDirectoryPicker?: (options: { mode: 'readwrite'; id?: string }) => Promise<DirHandle>;
	/** navigator.storage, for the origin-private scratch space. */
	storage?: { getDirectory(): Promise<DirHandle> };
}

export function browserFolderEnv(): FolderEnv {
	const w = typeof window === 'undefined' ? undefined : (window as unknown as FolderEnv);
	const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
	return {
		showDirectoryPicker: w?.showDirectoryPicker?.bind(w),
		storage: storage?.getDirectory ? { getDirectory: () => storage.getDirectory() } : undefined
	};
}

export const SCRATCH_ID = 'scratch';
export const SCRATCH_NAME = 'scratch';

/** Whether this browser can share a real folder (Chromium on desktop; not Firefox, Safari, Android). */
export function canGrantFolders(env: FolderEnv): boolean {
	return typeof env.showDirectoryPicker === 'function';
}

/**
 * Hearth's own space in the origin-private file system, offered only where real folders can't be
 * shared. Its files live inside the browser: other apps can't see them.
 */
export function hasScratch(env: FolderEnv): boolean {
	return !canGrantFolders(env) && env.storage !== undefined;
}

export const SCRATCH_FOLDER: GrantedFolder = {
	id: SCRATCH_ID,
	name: SCRATCH_NAME,
	kind: 'scratch',
	addedAt: 0,
	writable: true
};

export async function scratchRoot(env: FolderEnv): Promise<DirHandle> {
	if (!env.storage)
		throw new HearthError('not_supported', 'This browser has no private file space.');
	const root = await env.storage.getDirectory();
	return root.getDirectoryHandle(SCRATCH_NAME, { create: true });
}

/** The folders the user shared, oldest first. They are the whole whitelist of the files tool. */
export async function listFolders(db: HearthDb): Promise<GrantedFolder[]> {
	const rows = await db.folders.toArray();
	return rows.filter((f) => f.kind === 'granted').sort((a, b) => a.addedAt - b.addedAt);
}

/** "Docs", then "Docs (2)": tools name folders, so names must be unique (and not "scratch"). */
export function uniqueFolderName(name: string, taken: readonly string[]): string {
	const lower = new Set([...taken, SCRATCH_NAME].map((n) => n.toLowerCase()));
	if (!lower.has(name.toLowerCase())) return name;
	for (let i = 2; ; i++) {
		const candidate = `${name} (${i})`;
		if (!lower.has(candidate.toLowerCase())) return candidate;
	}
}

async function sameFolder(
	rows: GrantedFolder[],
	handle: DirHandle
): Promise<GrantedFolder | undefined> {
	for (const row of rows) {
		const stored = row.handle as DirHandle | undefined;
		if (stored?.isSameEntry && (await stored.isSameEntry(handle))) return row;
	}
	return undefined;
}

/**
 * Asks the user to pick a folder (call from a click) and stores it, read-only until they turn
 * writing on. Picking an already shared folder returns that one. Null when the user cancels.
 */
export async function grantFolder(
	db: HearthDb,
	env: FolderEnv,
	options: { now?: () => number; newId?: () => string } = {}
): Promise<GrantedFolder | null> {
	if (!env.showDirectoryPicker) {
		throw new HearthError('not_supported', "This browser can't share folders with web apps.");
	}
	let handle: DirHandle;
	try {
		handle = await env.showDirectoryPicker({ mode: 'readwrite', id: 'hearth-folders' });
	} catch (e) {
		if (e instanceof Error && e.name === 'AbortError') return null;
		throw new HearthError('permission_denied', "The folder couldn't be shared.", { cause: e });
	}
	const rows = await listFolders(db);
	const existing = await sameFolder(rows, handle);
	if (existing) return existing;
	const folder: GrantedFolder = {
		id: (options.newId ?? (() => crypto.randomUUID()))(),
		name: uniqueFolderName(
			handle.name,
			rows.map((r) => r.name)
		),
		// Stored as is: IndexedDB keeps handles (structured clone), permission is asked again on use.
		handle: handle as unknown as FileSystemDirectoryHandle,
		kind: 'granted',
		addedAt: (options.now ?? Date.now)(),
		writable: false
	};
	await db.folders.add(folder);
	return folder;
}

export async function removeFolder(db: HearthDb, id: string): Promise<void> {
	await db.folders.delete(id);
}

export async function setFolderWritable(
	db: HearthDb,
	id: string,
	writable: boolean
): Promise<void> {
	await db.folders.update(id, { writable });
}

export type FolderPermission = PermissionState | 'unknown';

/** The browser's current answer for a folder, without prompting (for the settings list). */
export async function folderPermission(
	folder: GrantedFolder,
	mode: FsMode
): Promise<FolderPermission> {
	const handle = folder.handle as DirHandle | undefined;
	if (folder.kind === 'scratch') return 'granted';
	if (!handle?.queryPermission) return 'unknown';
	try {
		return await handle.queryPermission({ mode });
	} catch {
		return 'unknown';
	}
}

/** Asks the browser again (call from a click: browsers prompt only on a user action). */
export async function reauthorizeFolder(folder: GrantedFolder, mode: FsMode): Promise<boolean> {
	const handle = folder.handle as DirHandle | undefined;
	if (!handle?.requestPermission) return folder.kind === 'scratch';
	try {
		return (await handle.requestPermission({ mode })) === 'granted';
	} catch {
		return false;
	}
}
