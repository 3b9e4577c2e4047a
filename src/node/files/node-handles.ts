// The File System Access handle shapes (lib/files/handles.ts) over Node's file system, so the
// terminal's file tools, plans, undo and trash run the same code as the browser's. Errors are
// the DOMExceptions the browser throws (NotFoundError, TypeMismatchError,
// InvalidModificationError), because the shared code reads their names.
//
// Symbolic links are invisible: a link inside a shared folder can point anywhere, and following
// one would let a plan move or delete what was never shared. They are neither listed nor opened,
// and a name taken by one reads as missing (creating over it fails on the link's own check).
import { randomUUID } from 'node:crypto';
import { openAsBlob, type Dirent } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DirHandle, FileHandle, FsWritable } from '$lib/files/handles';

const notFound = (what: string) =>
	new DOMException(`"${what}" could not be found.`, 'NotFoundError');
const mismatch = (what: string) =>
	new DOMException(`"${what}" exists, but is not of the requested kind.`, 'TypeMismatchError');
const linked = (what: string) =>
	new DOMException(
		`"${what}" is a symbolic link, which Hearth does not follow.`,
		'NotAllowedError'
	);

function checkName(name: string): void {
	if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
		throw new TypeError(`Name is not allowed: "${name}"`);
	}
}

function code(e: unknown): string | undefined {
	return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Node's error as the browser would report it. */
function asDom(e: unknown, what: string): unknown {
	switch (code(e)) {
		case 'ENOENT':
			return notFound(what);
		case 'ENOTDIR':
		case 'EISDIR':
			return mismatch(what);
		case 'ENOTEMPTY':
		case 'EEXIST':
			return new DOMException(`"${what}" is not empty.`, 'InvalidModificationError');
		case 'EACCES':
		case 'EPERM':
			return new DOMException(`No permission for "${what}".`, 'NotAllowedError');
		default:
			return e;
	}
}

type Kind = 'file' | 'directory' | 'link' | 'other' | null;

async function kindAt(at: string): Promise<Kind> {
	try {
		const stat = await lstat(at);
		if (stat.isSymbolicLink()) return 'link';
		if (stat.isFile()) return 'file';
		if (stat.isDirectory()) return 'directory';
		return 'other';
	} catch (e) {
		if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
		throw e;
	}
}

/** A handle knows its place; a move updates it (as a browser handle follows its entry). */
abstract class NodeEntry {
	#path: string;

	constructor(at: string) {
		this.#path = at;
	}

	get path(): string {
		return this.#path;
	}

	get name(): string {
		return path.basename(this.#path);
	}

	async isSameEntry(other: { readonly kind: string; readonly name: string }): Promise<boolean> {
		return other instanceof NodeEntry && other.path === this.#path;
	}

	/** Like Chromium's: a file already at the destination is replaced without asking. */
	async move(destination: DirHandle, newName: string): Promise<void> {
		checkName(newName);
		if (!(destination instanceof NodeDirHandle)) {
			throw new DOMException('Moves stay on this file system.', 'NotSupportedError');
		}
		const to = path.join(destination.path, newName);
		try {
			await rename(this.#path, to);
		} catch (e) {
			throw asDom(e, newName);
		}
		this.#path = to;
	}
}

class NodeWritable implements FsWritable {
	readonly #chunks: Uint8Array[] = [];
	readonly #target: string;
	#open = true;

	constructor(target: string, initial: Uint8Array) {
		this.#target = target;
		if (initial.length) this.#chunks.push(initial);
	}

	async write(data: string | Blob | BufferSource): Promise<void> {
		if (!this.#open) throw new TypeError('The stream is closed.');
		if (typeof data === 'string') this.#chunks.push(new TextEncoder().encode(data));
		else if (data instanceof Blob) this.#chunks.push(new Uint8Array(await data.arrayBuffer()));
		else if (ArrayBuffer.isView(data)) {
			this.#chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
		} else this.#chunks.push(new Uint8Array(data).slice());
	}

	/** Written beside the file and renamed over it: a reader never sees half a file. */
	async close(): Promise<void> {
		if (!this.#open) throw new TypeError('The stream is closed.');
		this.#open = false;
		const swap = path.join(
			path.dirname(this.#target),
			`.${path.basename(this.#target)}.${randomUUID()}.swap`
		);
		try {
			await writeFile(swap, this.#chunks, { flag: 'wx' });
			await rename(swap, this.#target);
		} catch (e) {
			await unlink(swap).catch(() => {});
			throw asDom(e, path.basename(this.#target));
		}
	}

	async abort(): Promise<void> {
		this.#open = false;
	}
}

export class NodeFileHandle extends NodeEntry implements FileHandle {
	readonly kind = 'file' as const;

	async getFile(): Promise<File> {
		if ((await kindAt(this.path)) !== 'file') throw notFound(this.name);
		try {
			const stat = await lstat(this.path);
			const blob = await openAsBlob(this.path);
			return new File([blob], this.name, { lastModified: Math.floor(stat.mtimeMs) });
		} catch (e) {
			throw asDom(e, this.name);
		}
	}

	async createWritable(options: { keepExistingData?: boolean } = {}): Promise<FsWritable> {
		const initial = options.keepExistingData
			? new Uint8Array(await (await this.getFile()).arrayBuffer())
			: new Uint8Array();
		return new NodeWritable(this.path, initial);
	}
}

export class NodeDirHandle extends NodeEntry implements DirHandle {
	readonly kind = 'directory' as const;

	async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<DirHandle> {
		checkName(name);
		const at = path.join(this.path, name);
		const kind = await kindAt(at);
		if (kind === 'directory') return new NodeDirHandle(at);
		if (kind === 'link') throw linked(name);
		if (kind !== null) throw mismatch(name);
		if (!options.create) throw notFound(name);
		try {
			await mkdir(at);
		} catch (e) {
			if (code(e) !== 'EEXIST') throw asDom(e, name);
			if ((await kindAt(at)) !== 'directory') throw mismatch(name);
		}
		return new NodeDirHandle(at);
	}

	async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<FileHandle> {
		checkName(name);
		const at = path.join(this.path, name);
		const kind = await kindAt(at);
		if (kind === 'file') return new NodeFileHandle(at);
		if (kind === 'link') throw linked(name);
		if (kind !== null) throw mismatch(name);
		if (!options.create) throw notFound(name);
		try {
			await writeFile(at, '', { flag: 'wx' });
		} catch (e) {
			if (code(e) !== 'EEXIST') throw asDom(e, name);
			if ((await kindAt(at)) !== 'file') throw mismatch(name);
		}
		return new NodeFileHandle(at);
	}

	async *entries(): AsyncIterable<[string, DirHandle | FileHandle]> {
		let names: Dirent[];
		try {
			names = await readdir(this.path, { withFileTypes: true });
		} catch (e) {
			throw asDom(e, this.name);
		}
		for (const entry of names) {
			const at = path.join(this.path, entry.name);
			if (entry.isDirectory()) yield [entry.name, new NodeDirHandle(at)];
			else if (entry.isFile()) yield [entry.name, new NodeFileHandle(at)];
		}
	}

	async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
		checkName(name);
		const at = path.join(this.path, name);
		const kind = await kindAt(at);
		if (kind === null || kind === 'link') throw notFound(name);
		try {
			if (kind !== 'directory') await unlink(at);
			else if (options.recursive) await rm(at, { recursive: true });
			else await rmdir(at);
		} catch (e) {
			throw asDom(e, name);
		}
	}
}

/** The folder at `at` (absolute), as a handle. */
export async function nodeFolder(at: string): Promise<NodeDirHandle> {
	const resolved = path.resolve(at);
	const kind = await kindAt(resolved);
	if (kind === 'link') throw linked(resolved);
	if (kind === null) throw notFound(resolved);
	if (kind !== 'directory') throw mismatch(resolved);
	return new NodeDirHandle(resolved);
}
