// Test-only: an in-memory File System Access API (the browser's, which we don't own), faithful to
// the spec where the files tool relies on it: names checked (TypeError), NotFoundError and
// TypeMismatchError DOMExceptions, {create}, entries(), getFile(), and createWritable() writing
// to a swap copy that replaces the file only on close() (abort() discards it).
import type { DirHandle, FileHandle, FsMode, FsWritable } from '$lib/files/handles';

export type MemoryTree = { [name: string]: string | Uint8Array | MemoryTree };

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
	readonly name: string;
	#data: Uint8Array;
	#lastModified: number;
	readonly #now: () => number;

	constructor(name: string, data: Uint8Array, now: () => number) {
		this.name = name;
		this.#data = data;
		this.#now = now;
		this.#lastModified = now();
	}

	async getFile(): Promise<File> {
		return new File([this.#data as Uint8Array<ArrayBuffer>], this.name, {
			lastModified: this.#lastModified
		});
	}

	async createWritable(options: { keepExistingData?: boolean } = {}): Promise<FsWritable> {
		const initial = options.keepExistingData ? this.#data.slice() : new Uint8Array();
		return new MemoryWritable(initial, (data) => {
			this.#data = data;
			this.#lastModified = this.#now();
		});
	}

	/** Test helper: set the modification time. */
	touch(at: number): void {
		this.#lastModified = at;
	}
}

export class MemoryDirectoryHandle implements DirHandle {
	readonly kind = 'directory' as const;
	readonly name: string;
	readonly #children = new Map<string, MemoryDirectoryHandle | MemoryFileHandle>();
	readonly #now: () => number;
	/** What queryPermission answers, per mode; requestPermission turns 'prompt' into `answer`. */
	permission: Record<FsMode, PermissionState> = { read: 'granted', readwrite: 'granted' };
	answer: PermissionState = 'granted';
	requests = 0;

	constructor(name: string, now: () => number = Date.now) {
		this.name = name;
		this.#now = now;
	}

	async getDirectoryHandle(
		name: string,
		options: { create?: boolean } = {}
	): Promise<MemoryDirectoryHandle> {
		checkName(name);
		const child = this.#children.get(name);
		if (child instanceof MemoryDirectoryHandle) return child;
		if (child) throw mismatch();
		if (!options.create) throw notFound();
		const dir = new MemoryDirectoryHandle(name, this.#now);
		this.#children.set(name, dir);
		return dir;
	}

	async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryFileHandle> {
		checkName(name);
		const child = this.#children.get(name);
		if (child instanceof MemoryFileHandle) return child;
		if (child) throw mismatch();
		if (!options.create) throw notFound();
		const file = new MemoryFileHandle(name, new Uint8Array(), this.#now);
		this.#children.set(name, file);
		return file;
	}

	async *entries(): AsyncGenerator<[string, MemoryDirectoryHandle | MemoryFileHandle]> {
		// A snapshot, as browsers iterate: entries added during iteration may or may not appear.
		for (const entry of [...this.#children]) yield entry;
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

/** Builds a folder from a plain object: strings and bytes are files, objects are folders. */
export async function memoryFolder(
	name: string,
	tree: MemoryTree,
	now: () => number = Date.now
): Promise<MemoryDirectoryHandle> {
	const root = new MemoryDirectoryHandle(name, now);
	await fill(root, tree);
	return root;
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
