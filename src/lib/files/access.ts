import type { HearthDb } from '$lib/storage/db';
import type { GrantedFolder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';
import type { DirHandle, FileHandle, FsMode } from '$lib/files/handles';
import {
	type FolderEnv,
	hasScratch,
	listFolders,
	SCRATCH_FOLDER,
	scratchRoot
} from '$lib/files/folders';

/** Where the folders come from: the database and the browser, or plain lists in tests. */
export interface FolderSource {
	list(): Promise<GrantedFolder[]>;
	/** The scratch space's root, or null where it isn't offered. */
	scratch(): Promise<DirHandle | null>;
}

export function dexieFolderSource(db: HearthDb, env: FolderEnv): FolderSource {
	return {
		list: () => listFolders(db),
		scratch: async () => (hasScratch(env) ? scratchRoot(env) : null)
	};
}

export interface OpenedFolder {
	folder: GrantedFolder;
	root: DirHandle;
}

/** What the files tools use: the list of folders, and a folder opened with its permission checked. */
export interface FolderAccess {
	folders(): Promise<GrantedFolder[]>;
	open(name: string, mode: FsMode): Promise<OpenedFolder>;
	/** The same by id (undo and the trash find their folder again even if it was renamed). */
	openById(id: string, mode: FsMode): Promise<OpenedFolder>;
}

export function createFolderAccess(source: FolderSource): FolderAccess {
	async function folders(): Promise<GrantedFolder[]> {
		const granted = await source.list();
		return (await source.scratch()) ? [...granted, SCRATCH_FOLDER] : granted;
	}

	async function openFolder(folder: GrantedFolder, mode: FsMode): Promise<OpenedFolder> {
		if (mode === 'readwrite' && !folder.writable) {
			throw new HearthError(
				'permission_denied',
				`"${folder.name}" is shared read-only. The user can allow changes to it under Folders.`
			);
		}
		if (folder.kind === 'scratch') {
			const root = await source.scratch();
			if (!root) throw new HearthError('not_supported', 'The scratch space is not available here.');
			return { folder, root };
		}
		const root = folder.handle as DirHandle | undefined;
		if (!root) throw new HearthError('file_not_found', `"${folder.name}" has no folder behind it.`);
		await ensurePermission(root, folder.name, mode);
		return { folder, root };
	}

	return {
		folders,
		async open(name, mode) {
			const all = await folders();
			const folder =
				all.find((f) => f.name === name) ??
				all.find((f) => f.name.toLowerCase() === name.toLowerCase());
			if (!folder) {
				const names = all.map((f) => `"${f.name}"`).join(', ');
				throw new HearthError(
					'file_not_found',
					names
						? `No shared folder is named "${name}". Shared folders: ${names}.`
						: 'No folders are shared with Hearth. The user can share one in the tools section of the settings.'
				);
			}
			return openFolder(folder, mode);
		},
		async openById(id, mode) {
			const folder = (await folders()).find((f) => f.id === id);
			if (!folder) {
				throw new HearthError(
					'file_not_found',
					'That folder is no longer shared with Hearth. Share it again under Folders.'
				);
			}
			return openFolder(folder, mode);
		}
	};
}

/**
 * Browsers forget folder permission between visits. Asking again only works right after a user
 * action (the tool's confirmation counts in Chromium for a few seconds); otherwise the user
 * re-allows it under Folders.
 */
export async function ensurePermission(
	root: DirHandle | FileHandle,
	name: string,
	mode: FsMode,
	remedy = 'The user can allow it again under Folders.'
): Promise<void> {
	if (!root.queryPermission) return;
	let state = await root.queryPermission({ mode });
	if (state === 'prompt' && root.requestPermission) {
		try {
			state = await root.requestPermission({ mode });
		} catch {
			// No user activation: stays 'prompt'.
		}
	}
	if (state !== 'granted') {
		throw new HearthError(
			'permission_denied',
			`The browser no longer lets Hearth ${mode === 'read' ? 'read' : 'change'} "${name}". ${remedy}`
		);
	}
}
