// The files tools in the terminal: the browser's File System Access handles (the slice in
// files/handles.ts), over node:fs, for the folders config.yaml allows. The tools' own path checks
// run first (files/paths.ts refuses ".."); these handles refuse again what could leave a folder:
// names with separators, "." and "..", and symbolic links (one could point anywhere).
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { FolderAccess } from '$lib/files/access';
import { createFolderAccess } from '$lib/files/access';
import type { DirHandle, FileHandle, FsWritable } from '$lib/files/handles';
import type { GrantedFolder } from '$lib/types/agent-data';

function checkName(name: string): void {
	if (
		name === '' ||
		name === '.' ||
		name === '..' ||
		name.includes('/') ||
		name.includes('\\') ||
		name.includes('\0')
	) {
		throw new TypeError(`Name is not allowed: "${name}"`);
	}
}

const notFound = (name: string) =>
	new DOMException(`"${name}" could not be found.`, 'NotFoundError');
const mismatch = (name: string) =>
	new DOMException(`"${name}" exists but is not of the requested type.`, 'TypeMismatchError');
const linked = (name: string) =>
	new DOMException(
		`"${name}" is a symbolic link; Hearth does not follow links out of a shared folder.`,
		'NotAllowedError'
	);

/** What is at `full`, without following a link; null when nothing is. */
async function kindAt(full: string): Promise<'file' | 'directory' | 'link' | 'other' | null> {
	try {
		const s = await lstat(full);
		if (s.isSymbolicLink()) return 'link';
		return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw e;
	}
}

function errnoToDom(e: unknown, name: string): unknown {
	const code = (e as NodeJS.ErrnoException).code;
	if (code === 'EACCES' || code === 'EPERM') {
		return new DOMException(`Permission denied: "${name}".`, 'NotAllowedError');
	}
	if (code === 'ENOENT') return notFound(name);
	return e;
}

/** Writes go to a temporary file renamed over the target on close: whole or not at all. */
class NodeWritable implements FsWritable {
	readonly #target: string;
	readonly #temporary: string;
	#chunks: Buffer[] = [];
	#state: 'open' | 'closed' | 'aborted' = 'open';

	constructor(target: string, initial: Buffer) {
		this.#target = target;
		this.#temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}`);
		if (initial.length) this.#chunks.push(initial);
	}

	async write(data: string | Blob | BufferSource): Promise<void> {
		if (this.#state !== 'open') throw new TypeError('The stream is closed.');
		if (typeof data === 'string') this.#chunks.push(Buffer.from(data, 'utf8'));
		else if (data instanceof Blob) this.#chunks.push(Buffer.from(await data.arrayBuffer()));
		else if (ArrayBuffer.isView(data)) {
			this.#chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
		} else this.#chunks.push(Buffer.from(data));
	}

	async close(): Promise<void> {
		if (this.#state !== 'open') throw new TypeError('The stream is closed.');
		this.#state = 'closed';
		const handle = await open(this.#temporary, 'wx', 0o644);
		try {
			await handle.writeFile(Buffer.concat(this.#chunks));
			await handle.sync();
		} finally {
			await handle.close();
		}
		try {
			await rename(this.#temporary, this.#target);
		} catch (e) {
			await rm(this.#temporary, { force: true });
			throw e;
		}
	}

	async abort(): Promise<void> {
		this.#state = 'aborted';
		this.#chunks = [];
	}
}

class NodeFileHandle implements FileHandle {
	readonly kind = 'file' as const;
	readonly name: string;
	readonly #full: string;

	constructor(full: string) {
		this.#full = full;
		this.name = path.basename(full);
	}

	async getFile(): Promise<File> {
		if ((await kindAt(this.#full)) === 'link') throw linked(this.name);
		try {
			const data = await readFile(this.#full);
			const { mtimeMs } = await lstat(this.#full);
			return new File([data], this.name, { lastModified: mtimeMs });
		} catch (e) {
			throw errnoToDom(e, this.name);
		}
	}

	async createWritable(options: { keepExistingData?: boolean } = {}): Promise<FsWritable> {
		const initial = options.keepExistingData
			? await readFile(this.#full).catch(() => Buffer.alloc(0))
			: Buffer.alloc(0);
		return new NodeWritable(this.#full, initial);
	}
}

class NodeDirHandle implements DirHandle {
	readonly kind = 'directory' as const;
	readonly name: string;
	readonly #full: string;

	constructor(full: string) {
		this.#full = full;
		this.name = path.basename(full);
	}

	async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<DirHandle> {
		checkName(name);
		const full = path.join(this.#full, name);
		const kind = await kindAt(full);
		if (kind === 'link') throw linked(name);
		if (kind === null) {
			if (!options.create) throw notFound(name);
			await mkdir(full).catch((e: unknown) => {
				throw errnoToDom(e, name);
			});
		} else if (kind !== 'directory') throw mismatch(name);
		return new NodeDirHandle(full);
	}

	async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<FileHandle> {
		checkName(name);
		const full = path.join(this.#full, name);
		const kind = await kindAt(full);
		if (kind === 'link') throw linked(name);
		if (kind === null) {
			if (!options.create) throw notFound(name);
			const handle = await open(full, 'wx', 0o644).catch((e: unknown) => {
				throw errnoToDom(e, name);
			});
			await handle.close();
		} else if (kind !== 'file') throw mismatch(name);
		return new NodeFileHandle(full);
	}

	async *entries(): AsyncIterable<[string, DirHandle | FileHandle]> {
		const items = await readdir(this.#full, { withFileTypes: true }).catch((e: unknown) => {
			throw errnoToDom(e, this.name);
		});
		for (const item of items.sort((a, b) => a.name.localeCompare(b.name))) {
			// Links are left out: listing one would invite reading through it.
			if (item.isDirectory())
				yield [item.name, new NodeDirHandle(path.join(this.#full, item.name))];
			else if (item.isFile())
				yield [item.name, new NodeFileHandle(path.join(this.#full, item.name))];
		}
	}
}

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
		if (!real || (await kindAt(real)) !== 'directory') {
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
			handle: new NodeDirHandle(real) as unknown as FileSystemDirectoryHandle,
			addedAt: options.now?.() ?? Date.now(),
			writable: options.writable
		});
	}
	const access = createFolderAccess({ list: async () => granted, scratch: async () => null });
	return { access, granted, missing };
}
