// The files tools in the terminal: the folders config.yaml allows, as the browser's File System
// Access handles over node:fs (files/node-handles.ts, which file plans use too). The tools' own
// path checks run first (files/paths.ts refuses ".."); the handles refuse again what could leave
// a folder: names with separators, "." and "..", and symbolic links (one could point anywhere).
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { FolderAccess } from '$lib/files/access';
import { createFolderAccess } from '$lib/files/access';
import type { GrantedFolder } from '$lib/types/agent-data';
import { nodeFolder } from './files/node-handles';

/** `~` and `~/…` are the home folder, as in a shell; everything else is resolved from `cwd`. */
export function expandFolder(folder: string, cwd: string, home = homedir()): string {
	if (folder === '~') return home;
	if (folder.startsWith('~/')) return path.join(home, folder.slice(2));
	return path.resolve(cwd, folder);
}

/**
 * The folders config.yaml's `files.allowed_folders` names, as the files tools see them: each by
 * its folder name (a number added when two share one), writable when `files.writable` is on.
 * A folder that does not exist is left out (and named in `missing`).
 */
export async function nodeFolderAccess(
	folders: readonly string[],
	options: { writable: boolean; cwd: string; now?: () => number }
): Promise<{ access: FolderAccess; granted: GrantedFolder[]; missing: string[] }> {
	const granted: GrantedFolder[] = [];
	const missing: string[] = [];
	const names = new Set<string>();
	for (const folder of folders) {
		const full = expandFolder(folder, options.cwd);
		const real = await realpath(full).catch(() => null);
		const handle = real ? await nodeFolder(real).catch(() => null) : null;
		if (!real || !handle) {
			missing.push(full);
			continue;
		}
		let name = path.basename(real) || real;
		for (let n = 2; names.has(name.toLowerCase()); n++) name = `${path.basename(real)}-${n}`;
		names.add(name.toLowerCase());
		granted.push({
			id: real,
			name,
			kind: 'granted',
			// The browser's type names its own handle; ours has the same shape (handles.ts).
			handle: handle as unknown as FileSystemDirectoryHandle,
			addedAt: options.now?.() ?? Date.now(),
			writable: options.writable
		});
	}
	const access = createFolderAccess({ list: async () => granted, scratch: async () => null });
	return { access, granted, missing };
}
