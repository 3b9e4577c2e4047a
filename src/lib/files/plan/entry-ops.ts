// Path-level changes over the handle interfaces (handles.ts), so the browser and the terminal's
// Node adapter share one applier. Moves use the handle's own move() where it has one: in
// Chromium 156 files have it and folders do not (measured), so a folder moves as a new folder
// whose files are moved into it, then the emptied original is removed. Where files lack move()
// too, their bytes are copied and the original deleted.
import type { DirHandle, FileHandle } from '$lib/files/handles';
import { joinPath } from '$lib/files/paths';
import type { EntryKind, Fingerprint } from '$lib/types/file-plan';

export type AnyHandle = FileHandle | DirHandle;

export async function fingerprint(handle: FileHandle): Promise<Fingerprint> {
	const file = await handle.getFile();
	return { size: file.size, lastModified: file.lastModified };
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
	return a.size === b.size && a.lastModified === b.lastModified;
}

/** Nothing there, or not the kind asked for. */
export function isMissing(e: unknown): boolean {
	return e instanceof Error && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
}

function isNotSupported(e: unknown): boolean {
	return e instanceof Error && e.name === 'NotSupportedError';
}

/** A folder's handles by path, so a plan of a thousand moves looks each folder up once. */
export class FolderOps {
	readonly root: DirHandle;
	readonly #dirs = new Map<string, DirHandle>();

	constructor(root: DirHandle) {
		this.root = root;
	}

	async dir(path: readonly string[], create = false): Promise<DirHandle> {
		const key = joinPath(path);
		const known = this.#dirs.get(key);
		if (known) return known;
		let dir = this.root;
		for (let i = 0; i < path.length; i++) {
			const prefix = joinPath(path.slice(0, i + 1));
			const cached = this.#dirs.get(prefix);
			dir = cached ?? (await dir.getDirectoryHandle(path[i]!, { create }));
			this.#dirs.set(prefix, dir);
		}
		return dir;
	}

	/** The entry at `path` (NotFoundError / TypeMismatchError when it is not there as `kind`). */
	async entry(path: readonly string[], kind: EntryKind): Promise<AnyHandle> {
		const parent = await this.dir(path.slice(0, -1));
		const name = path.at(-1)!;
		return kind === 'directory' ? this.dir(path) : parent.getFileHandle(name);
	}

	/** What is at `path` now, if anything (a fresh look: nothing cached is trusted). */
	async probe(path: readonly string[]): Promise<AnyHandle | null> {
		let dir = this.root;
		try {
			for (const name of path.slice(0, -1)) dir = await dir.getDirectoryHandle(name);
		} catch (e) {
			if (isMissing(e)) return null;
			throw e;
		}
		const name = path.at(-1);
		if (name === undefined) return this.root;
		try {
			return await dir.getFileHandle(name);
		} catch (e) {
			if (!isMissing(e)) throw e;
		}
		try {
			return await dir.getDirectoryHandle(name);
		} catch (e) {
			if (isMissing(e)) return null;
			throw e;
		}
	}

	/** Forget cached folders at or under `path` (it moved or went away). */
	forget(path: readonly string[]): void {
		const key = joinPath(path);
		for (const k of [...this.#dirs.keys()]) {
			if (k === key || k.startsWith(`${key}/`) || key === '') this.#dirs.delete(k);
		}
	}

	/** Creates one folder level (its parent must exist). */
	async makeFolder(path: readonly string[]): Promise<DirHandle> {
		return this.dir(path, true);
	}

	/**
	 * Moves `handle` (at `from`) to `to`, which must be free: the caller checked, because
	 * Chromium's move() silently replaces a file. Returns the handle at its new place.
	 */
	async move(
		handle: AnyHandle,
		from: readonly string[],
		to: readonly string[]
	): Promise<AnyHandle> {
		const source = await this.dir(from.slice(0, -1));
		const target = await this.dir(to.slice(0, -1));
		const moved =
			handle.kind === 'file'
				? await moveFile(handle, source, target, to.at(-1)!)
				: await moveFolder(handle, source, target, to.at(-1)!);
		if (handle.kind === 'directory') {
			this.forget(from);
			this.#dirs.set(joinPath(to), moved as DirHandle);
		}
		return moved;
	}

	/** Copies `handle` to `to` (which must be free); a copy that fails half-way is removed. */
	async copy(handle: AnyHandle, to: readonly string[]): Promise<AnyHandle> {
		const target = await this.dir(to.slice(0, -1));
		return handle.kind === 'file'
			? copyFile(handle, target, to.at(-1)!)
			: copyFolder(handle, target, to.at(-1)!);
	}

	async remove(path: readonly string[]): Promise<void> {
		const parent = await this.dir(path.slice(0, -1));
		await parent.removeEntry(path.at(-1)!, { recursive: true });
		this.forget(path);
	}

	async writeNewFile(path: readonly string[], content: string | Blob): Promise<FileHandle> {
		const parent = await this.dir(path.slice(0, -1));
		return writeFile(parent, path.at(-1)!, content);
	}
}

async function writeFile(
	dir: DirHandle,
	name: string,
	content: string | Blob
): Promise<FileHandle> {
	const handle = await dir.getFileHandle(name, { create: true });
	const writable = await handle.createWritable();
	try {
		await writable.write(content);
		await writable.close();
	} catch (e) {
		await writable.abort().catch(() => {});
		await dir.removeEntry(name).catch(() => {});
		throw e;
	}
	return handle;
}

export async function moveFile(
	handle: FileHandle,
	source: DirHandle,
	target: DirHandle,
	name: string
): Promise<FileHandle> {
	if (handle.move) {
		try {
			await handle.move(target, name);
			return handle;
		} catch (e) {
			if (!isNotSupported(e)) throw e;
		}
	}
	const oldName = handle.name;
	const copy = await copyFile(handle, target, name);
	await source.removeEntry(oldName);
	return copy;
}

/**
 * A folder moves whole where it can; otherwise as a new folder that its entries move into, then
 * the emptied original is removed (never recursively: anything that appeared meanwhile stops it).
 * If an entry fails, those already moved go back, so the folder is never left split in two.
 */
async function moveFolder(
	handle: DirHandle,
	source: DirHandle,
	target: DirHandle,
	name: string
): Promise<DirHandle> {
	if (handle.move) {
		try {
			await handle.move(target, name);
			return handle;
		} catch (e) {
			if (!isNotSupported(e)) throw e;
		}
	}
	const oldName = handle.name;
	const made = await target.getDirectoryHandle(name, { create: true });
	const moved: { entry: AnyHandle; name: string }[] = [];
	// Listed first: a folder changing while it is iterated may skip entries.
	const children: [string, AnyHandle][] = [];
	for await (const entry of handle.entries()) children.push(entry);
	try {
		for (const [childName, child] of children) {
			const entry =
				child.kind === 'file'
					? await moveFile(child, handle, made, childName)
					: await moveFolder(child, handle, made, childName);
			moved.push({ entry, name: childName });
		}
		await source.removeEntry(oldName);
	} catch (e) {
		for (const { entry, name: childName } of moved.reverse()) {
			await (
				entry.kind === 'file'
					? moveFile(entry, made, handle, childName)
					: moveFolder(entry, made, handle, childName)
			).catch(() => {});
		}
		await target.removeEntry(name).catch(() => {});
		throw e;
	}
	return made;
}

async function copyFile(handle: FileHandle, target: DirHandle, name: string): Promise<FileHandle> {
	return writeFile(target, name, await handle.getFile());
}

async function copyFolder(handle: DirHandle, target: DirHandle, name: string): Promise<DirHandle> {
	const made = await target.getDirectoryHandle(name, { create: true });
	try {
		for await (const [childName, child] of handle.entries()) {
			if (child.kind === 'file') await copyFile(child, made, childName);
			else await copyFolder(child, made, childName);
		}
	} catch (e) {
		await target.removeEntry(name, { recursive: true }).catch(() => {});
		throw e;
	}
	return made;
}

/**
 * Folders' entries, each folder listed once and kept up to date by the caller as it changes
 * things: undoing a thousand moves reads each folder once instead of looking up every path.
 */
export class Listings {
	readonly #ops: FolderOps;
	readonly #dirs = new Map<string, Map<string, AnyHandle> | null>();
	/** Per listed folder: its entries by lower-cased name, built when a name is looked up so. */
	readonly #folded = new Map<string, Map<string, AnyHandle>>();
	readonly #loading = new Map<string, Promise<Map<string, AnyHandle> | null>>();

	constructor(ops: FolderOps) {
		this.#ops = ops;
	}

	/** A folder's entries by name; null when the folder is not there. */
	async children(dir: readonly string[]): Promise<Map<string, AnyHandle> | null> {
		const key = joinPath(dir);
		if (this.#dirs.has(key)) return this.#dirs.get(key)!;
		// Moves run side by side: they share one listing (two would lose each other's changes).
		let loading = this.#loading.get(key);
		if (!loading) {
			loading = this.#list(dir).finally(() => this.#loading.delete(key));
			this.#loading.set(key, loading);
		}
		return loading;
	}

	async #list(dir: readonly string[]): Promise<Map<string, AnyHandle> | null> {
		let entries: Map<string, AnyHandle> | null = null;
		try {
			const handle = await this.#ops.dir(dir);
			entries = new Map();
			for await (const [name, child] of handle.entries()) entries.set(name, child);
		} catch (e) {
			if (!isMissing(e)) throw e;
		}
		this.#dirs.set(joinPath(dir), entries);
		return entries;
	}

	/** The entry at exactly `path`. */
	async at(path: readonly string[]): Promise<AnyHandle | null> {
		if (path.length === 0) return this.#ops.root;
		return (await this.children(path.slice(0, -1)))?.get(path.at(-1)!) ?? null;
	}

	/** The entry at `path` or at a name differing only in case (the same on Windows and macOS). */
	async taken(path: readonly string[]): Promise<AnyHandle | null> {
		const dir = path.slice(0, -1);
		const children = await this.children(dir);
		if (!children) return null;
		const name = path.at(-1)!;
		const exact = children.get(name);
		if (exact) return exact;
		const key = joinPath(dir);
		let folded = this.#folded.get(key);
		if (!folded) {
			folded = new Map();
			for (const [n, handle] of children) folded.set(n.toLowerCase(), handle);
			this.#folded.set(key, folded);
		}
		return folded.get(name.toLowerCase()) ?? null;
	}

	/** Records a change: `handle` is now at `path` (null: nothing is). */
	set(path: readonly string[], handle: AnyHandle | null): void {
		const key = joinPath(path.slice(0, -1));
		const children = this.#dirs.get(key);
		const name = path.at(-1)!;
		const folded = this.#folded.get(key);
		if (children) {
			const old = children.get(name);
			if (handle) children.set(name, handle);
			else children.delete(name);
			if (folded && handle) folded.set(name.toLowerCase(), handle);
			else if (folded && old && folded.get(name.toLowerCase()) === old) {
				// Another name with the same folded form may still be there.
				folded.delete(name.toLowerCase());
				for (const [n, h] of children) {
					if (n.toLowerCase() === name.toLowerCase()) folded.set(n.toLowerCase(), h);
				}
			}
		}
		if (handle?.kind !== 'file') this.forget(path);
	}

	/** Drops what is known at or under `path` (a folder moved, appeared or went away). */
	forget(path: readonly string[]): void {
		const key = joinPath(path);
		for (const k of [...this.#dirs.keys()]) {
			if (k === key || k.startsWith(`${key}/`)) {
				this.#dirs.delete(k);
				this.#folded.delete(k);
			}
		}
		this.#ops.forget(path);
	}
}
