// Test-only: an in-memory File System Access API (the browser's, which we don't own), faithful to
// the spec where the files tools rely on it: names checked (TypeError), NotFoundError and
// TypeMismatchError DOMExceptions, {create}, entries(), getFile(), createWritable() writing
// to a swap copy that replaces the file only on close() (abort() discards it), removeEntry(), and
// Chromium's file move(), which silently replaces a file already at the destination. Options
// make it case-insensitive (as Windows and macOS disks are), take move() away (as browsers
// without it), or fail chosen operations (a disk error half-way through a plan).
import type { DirHandle, FileHandle, FsMode, FsWritable } from '$lib/files/handles';

export type MemoryTree = { [name: string]: string | Uint8Array | MemoryTree };

export type MemoryOp = 'move' | 'remove' | 'create' | 'write';

export interface MemoryFsOptions {
	now?: () => number;
	/** Names differing only in case are the same entry (Windows, macOS). */
	caseInsensitive?: boolean;
	/** Files have move() (Chromium); false: like a browser without it. Default true. */
	fileMove?: boolean;
	/** Folders have move() (Chromium 156 has none; the terminal's adapter would). Default false. */
	dirMove?: boolean;
	/** An error to throw for an operation on the entry named `name`, or undefined to let it run. */
	fail?: (op: MemoryOp, name: string) => Error | undefined;
	/** True: this move never happens and never returns (the page went away under it). */
	hang?: (name: string) => boolean;
}

interface Shared {
	now: () => number;
	fold: (name: string) => string;
	options: MemoryFsOptions;
}

function sharedOf(options: MemoryFsOptions): Shared {
	return {
		now: options.now ?? Date.now,
		fold: options.caseInsensitive ? (n) => n.toLowerCase() : (n) => n,
		options
	};
}

function maybeFail(shared: Shared, op: MemoryOp, name: string): void {
	const error = shared.options.fail?.(op, name);
	if (error) throw error;
}

/**
 * An own property IndexedDB does not clone (structured clone copies enumerable ones only): a
 * stored handle keeps its data, as a real one does, and not a function (DataCloneError) or the
 * whole folder tree through its parent.
 */
function hidden(target: object, key: string, value: unknown): void {
	Object.defineProperty(target, key, {
		value,
		writable: true,
		enumerable: false,
		configurable: true
	});
}

function checkName(name: string): void {
	if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
		throw new TypeError(`Name is not allowed: "${name}"`);
	}
}

const notFound = () =>
	new DOMException('A requested file or directory could not be found.', 'NotFoundError');
const mismatch = () =>
	new DOMException(
		'The path supplied exists, but was not an entry of requested type.',
		'TypeMismatchError'
	);

class MemoryWritable implements FsWritable {
	#chunks: Uint8Array[] = [];
	#state: 'open' | 'closed' | 'aborted' = 'open';
	readonly #commit: (data: Uint8Array) => void;

	constructor(initial: Uint8Array, commit: (data: Uint8Array) => void) {
		if (initial.length) this.#chunks.push(initial);
		this.#commit = commit;
	}

	async write(data: string | Blob | BufferSource): Promise<void> {
		if (this.#state !== 'open') throw new TypeError('The stream is closed.');
		if (typeof data === 'string') this.#chunks.push(new TextEncoder().encode(data));
		else if (data instanceof Blob) this.#chunks.push(new Uint8Array(await data.arrayBuffer()));
		else if (ArrayBuffer.isView(data)) {
			this.#chunks.push(
				new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
			);
		} else this.#chunks.push(new Uint8Array(data.slice(0)));
	}

	async close(): Promise<void> {
		if (this.#state !== 'open') throw new TypeError('The stream is closed.');
		this.#state = 'closed';
		const size = this.#chunks.reduce((n, c) => n + c.length, 0);
		const all = new Uint8Array(size);
		let at = 0;
		for (const c of this.#chunks) {
			all.set(c, at);
			at += c.length;
		}
		this.#commit(all);
	}

	async abort(): Promise<void> {
		this.#state = 'aborted';
		this.#chunks = [];
	}
}

export class MemoryFileHandle implements FileHandle {
	readonly kind = 'file' as const;
	/** Plain data, as a real handle's name: IndexedDB keeps it when the handle is stored. */
	name: string;
	#data: Uint8Array;
	#lastModified: number;
	readonly #shared: Shared;
	/** The folder holding it (moves re-parent it; the handle follows the file, as Chromium's). */
	declare parent: MemoryDirectoryHandle | null;
	declare move?: (destination: DirHandle, newName: string) => Promise<void>;

	constructor(name: string, data: Uint8Array, shared: Shared) {
		this.name = name;
		this.#data = data;
		this.#shared = shared;
		this.#lastModified = shared.now();
		hidden(this, 'parent', null);
		if (shared.options.fileMove !== false) {
			hidden(this, 'move', (destination: DirHandle, newName: string) =>
				moveEntry(this, destination, newName, shared)
			);
		}
	}

	/** Internal: a move renamed it. */
	rename(name: string): void {
		this.name = name;
	}

	async getFile(): Promise<File> {
		return new File([this.#data as Uint8Array<ArrayBuffer>], this.name, {
			lastModified: this.#lastModified
		});
	}

	async createWritable(options: { keepExistingData?: boolean } = {}): Promise<FsWritable> {
		maybeFail(this.#shared, 'write', this.name);
		const initial = options.keepExistingData ? this.#data.slice() : new Uint8Array();
		return new MemoryWritable(initial, (data) => {
			this.#data = data;
			this.#lastModified = this.#shared.now();
		});
	}

	/** Test helper: set the modification time. */
	touch(at: number): void {
		this.#lastModified = at;
	}
}

type MemoryEntry = MemoryDirectoryHandle | MemoryFileHandle;

export class MemoryDirectoryHandle implements DirHandle {
	readonly kind = 'directory' as const;
	/** Plain data, as a real handle's name: IndexedDB keeps it when the handle is stored. */
	name: string;
	/** Keyed by the folded name (lower case when case-insensitive); each entry keeps its own. */
	readonly #children = new Map<string, MemoryEntry>();
	readonly #shared: Shared;
	declare parent: MemoryDirectoryHandle | null;
	/** What queryPermission answers, per mode; requestPermission turns 'prompt' into `answer`. */
	permission: Record<FsMode, PermissionState> = { read: 'granted', readwrite: 'granted' };
	answer: PermissionState = 'granted';
	requests = 0;
	declare move?: (destination: DirHandle, newName: string) => Promise<void>;

	constructor(name: string, options: MemoryFsOptions | (() => number) = {}, shared?: Shared) {
		this.name = name;
		this.#shared = shared ?? sharedOf(typeof options === 'function' ? { now: options } : options);
		hidden(this, 'parent', null);
		if (this.#shared.options.dirMove) {
			const own = this.#shared;
			hidden(this, 'move', (destination: DirHandle, newName: string) =>
				moveEntry(this, destination, newName, own)
			);
		}
	}

	/** Internal: a move renamed it. */
	rename(name: string): void {
		this.name = name;
	}

	/** Internal (moves): the child under `name` in this folder's case rules. */
	childNamed(name: string): MemoryEntry | undefined {
		return this.#children.get(this.#shared.fold(name));
	}

	/** Internal (moves): puts `entry` here under its own name, replacing what was there. */
	adopt(entry: MemoryEntry): void {
		entry.parent?.release(entry);
		this.#children.set(this.#shared.fold(entry.name), entry);
		entry.parent = this;
	}

	/** Internal (moves): drops `entry` from this folder. */
	release(entry: MemoryEntry): void {
		if (this.#children.get(this.#shared.fold(entry.name)) === entry) {
			this.#children.delete(this.#shared.fold(entry.name));
		}
		entry.parent = null;
	}

	async getDirectoryHandle(
		name: string,
		options: { create?: boolean } = {}
	): Promise<MemoryDirectoryHandle> {
		checkName(name);
		const child = this.childNamed(name);
		if (child instanceof MemoryDirectoryHandle) return child;
		if (child) throw mismatch();
		if (!options.create) throw notFound();
		maybeFail(this.#shared, 'create', name);
		const dir = new MemoryDirectoryHandle(name, {}, this.#shared);
		this.adopt(dir);
		return dir;
	}

	async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryFileHandle> {
		checkName(name);
		const child = this.childNamed(name);
		if (child instanceof MemoryFileHandle) return child;
		if (child) throw mismatch();
		if (!options.create) throw notFound();
		maybeFail(this.#shared, 'create', name);
		const file = new MemoryFileHandle(name, new Uint8Array(), this.#shared);
		this.adopt(file);
		return file;
	}

	async *entries(): AsyncGenerator<[string, MemoryEntry]> {
		// A snapshot, as browsers iterate: entries added during iteration may or may not appear.
		for (const entry of [...this.#children.values()]) yield [entry.name, entry];
	}

	async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
		checkName(name);
		const child = this.childNamed(name);
		if (!child) throw notFound();
		maybeFail(this.#shared, 'remove', name);
		if (child instanceof MemoryDirectoryHandle && !options.recursive && child.#children.size > 0) {
			throw new DOMException('The directory is not empty.', 'InvalidModificationError');
		}
		this.release(child);
	}

	async isSameEntry(other: { readonly kind: string; readonly name: string }): Promise<boolean> {
		return other === this;
	}

	async queryPermission({ mode }: { mode: FsMode }): Promise<PermissionState> {
		return this.permission[mode];
	}

	async requestPermission({ mode }: { mode: FsMode }): Promise<PermissionState> {
		this.requests++;
		if (this.permission[mode] === 'prompt') this.permission[mode] = this.answer;
		return this.permission[mode];
	}
}

/**
 * Chromium's move(): the entry goes to `destination` as `newName`; a FILE already there is
 * replaced without a word (measured in Chromium 156), a folder there is an error.
 */
async function moveEntry(
	entry: MemoryEntry,
	destination: DirHandle,
	newName: string,
	shared: Shared
): Promise<void> {
	checkName(newName);
	if (!(destination instanceof MemoryDirectoryHandle)) {
		throw new DOMException('Not the same file system.', 'InvalidModificationError');
	}
	maybeFail(shared, 'move', entry.name);
	if (shared.options.hang?.(entry.name)) await new Promise<never>(() => {});
	if (!entry.parent) throw notFound();
	for (let d: MemoryDirectoryHandle | null = destination; d; d = d.parent) {
		if (d === entry) throw new DOMException('Cannot move into itself.', 'InvalidModificationError');
	}
	const there = destination.childNamed(newName);
	if (there && there !== entry) {
		if (there.kind === 'directory' || entry.kind === 'directory') throw mismatch();
		destination.release(there);
	}
	entry.parent.release(entry);
	entry.rename(newName);
	destination.adopt(entry);
}

/** Builds a folder from a plain object: strings and bytes are files, objects are folders. */
export async function memoryFolder(
	name: string,
	tree: MemoryTree,
	options: MemoryFsOptions | (() => number) = {}
): Promise<MemoryDirectoryHandle> {
	const root = new MemoryDirectoryHandle(name, options);
	await fill(root, tree);
	return root;
}

/** The folder as a plain object again (files as text), to compare whole trees in tests. */
export async function readTree(dir: DirHandle): Promise<MemoryTree> {
	const out: MemoryTree = {};
	for await (const [name, handle] of dir.entries()) {
		out[name] =
			handle.kind === 'directory' ? await readTree(handle) : await (await handle.getFile()).text();
	}
	return out;
}

async function fill(dir: MemoryDirectoryHandle, tree: MemoryTree): Promise<void> {
	for (const [name, value] of Object.entries(tree)) {
		if (typeof value === 'string' || value instanceof Uint8Array) {
			const file = await dir.getFileHandle(name, { create: true });
			const w = await file.createWritable();
			await w.write(typeof value === 'string' ? value : (value as Uint8Array<ArrayBuffer>));
			await w.close();
		} else await fill(await dir.getDirectoryHandle(name, { create: true }), value);
	}
}
