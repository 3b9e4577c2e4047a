// Lists the files of a granted folder for indexing: depth first, skipping folders that are never
// what a person means (.git, node_modules), within the same depth limit as the files tool.
import type { DirHandle, FileHandle } from '$lib/files/handles';
import { MAX_DEPTH } from '$lib/files/operations';
import { joinPath } from '$lib/files/paths';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.svelte-kit', '__pycache__', '.venv']);

export interface WalkedFile {
	/** "root/sub/file.md": the root folder's name first, so two folders in one collection differ. */
	path: string;
	handle: FileHandle;
}

export async function walkFolder(root: DirHandle, signal?: AbortSignal): Promise<WalkedFile[]> {
	const out: WalkedFile[] = [];
	const visit = async (dir: DirHandle, path: string[]) => {
		const entries: [string, DirHandle | FileHandle][] = [];
		for await (const entry of dir.entries()) entries.push(entry);
		entries.sort(([a], [b]) => a.localeCompare(b));
		for (const [name, handle] of entries) {
			signal?.throwIfAborted();
			if (handle.kind === 'file') out.push({ path: joinPath([...path, name]), handle });
			else if (!SKIPPED_DIRS.has(name) && path.length <= MAX_DEPTH) {
				await visit(handle, [...path, name]);
			}
		}
	};
	await visit(root, [root.name]);
	return out;
}
