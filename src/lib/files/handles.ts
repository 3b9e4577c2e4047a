// The slice of the File System Access API the files tool uses. Real handles (and stored ones read
// back from IndexedDB) fit these shapes; so does the in-memory one the tests use (memory-fs.ts).

export type FsMode = 'read' | 'readwrite';

export interface FsWritable {
	write(data: string | Blob | BufferSource): Promise<void>;
	close(): Promise<void>;
	abort(reason?: unknown): Promise<void>;
}

export interface FileHandle {
	readonly kind: 'file';
	readonly name: string;
	getFile(): Promise<File>;
	createWritable(options?: { keepExistingData?: boolean }): Promise<FsWritable>;
	queryPermission?(descriptor: { mode: FsMode }): Promise<PermissionState>;
	requestPermission?(descriptor: { mode: FsMode }): Promise<PermissionState>;
	/**
	 * Chromium (and the terminal's adapter): moves or renames the file in place, keeping its
	 * bytes and modification time. It REPLACES an existing file of that name without asking, so
	 * callers check first. Absent: copy then delete (see files/plan/entry-ops.ts).
	 */
	move?(destination: DirHandle, newName: string): Promise<void>;
}

export interface DirHandle {
	readonly kind: 'directory';
	readonly name: string;
	getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirHandle>;
	getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
	entries(): AsyncIterable<[string, DirHandle | FileHandle]>;
	/** Deletes a child; a non-empty folder only with `recursive` (InvalidModificationError otherwise). */
	removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
	// Typed loosely so the DOM's FileSystemHandle parameter fits.
	isSameEntry?(other: { readonly kind: string; readonly name: string }): Promise<boolean>;
	/** Chromium only (not in TypeScript's DOM types yet); absent means "no prompt needed" (OPFS). */
	queryPermission?(descriptor: { mode: FsMode }): Promise<PermissionState>;
	requestPermission?(descriptor: { mode: FsMode }): Promise<PermissionState>;
	/** Not in Chromium 156 for folders (measured); the terminal's adapter may have it. */
	move?(destination: DirHandle, newName: string): Promise<void>;
}
