import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import {
	canGrantFolders,
	folderPermission,
	grantFolder,
	hasScratch,
	listFolders,
	reauthorizeFolder,
	removeFolder,
	setFolderWritable,
	uniqueFolderName,
	type FolderEnv
} from '$lib/files/folders';
import { createFolderAccess, dexieFolderSource } from '$lib/files/access';
import { MemoryDirectoryHandle } from '$lib/files/memory-fs';
import type { GrantedFolder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';

function folder(
	name: string,
	handle: MemoryDirectoryHandle | undefined,
	writable = false
): GrantedFolder {
	return {
		id: name,
		name,
		handle: handle as unknown as FileSystemDirectoryHandle,
		kind: 'granted',
		addedAt: 1,
		writable
	};
}

async function rejects(p: Promise<unknown>): Promise<HearthError> {
	const e = await p.catch((err: unknown) => err);
	expect(e).toBeInstanceOf(HearthError);
	return e as HearthError;
}

describe('folder store', () => {
	it('stores a picked folder read-only, names it uniquely, and forgets it on remove', async () => {
		const db = freshDb();
		// IndexedDB keeps real handles; the memory one can't be cloned, so the picker hands over
		// plain data here and the store's bookkeeping is what is tested.
		const picked = { kind: 'directory', name: 'Docs' };
		const env = { showDirectoryPicker: async () => picked } as unknown as FolderEnv;
		let n = 0;
		const ids = { newId: () => `f${++n}`, now: () => n * 10 };
		const first = await grantFolder(db, env, ids);
		expect(first).toMatchObject({ id: 'f1', name: 'Docs', kind: 'granted', writable: false });
		const second = await grantFolder(db, env, ids);
		expect(second?.name).toBe('Docs (2)');
		await setFolderWritable(db, 'f1', true);
		expect((await listFolders(db)).map((f) => [f.name, f.writable])).toEqual([
			['Docs', true],
			['Docs (2)', false]
		]);
		await removeFolder(db, 'f1');
		expect((await listFolders(db)).map((f) => f.id)).toEqual(['f2']);
	});

	it('returns null when the user cancels the picker and says when there is no picker', async () => {
		const abort = new DOMException('The user aborted a request.', 'AbortError');
		const env: FolderEnv = { showDirectoryPicker: async () => Promise.reject(abort) };
		expect(await grantFolder(freshDb(), env)).toBeNull();
		expect((await rejects(grantFolder(freshDb(), {}))).code).toBe('not_supported');
	});

	it('offers the scratch space only where folders cannot be shared', () => {
		const storage = { getDirectory: async () => new MemoryDirectoryHandle('') };
		expect(hasScratch({ storage })).toBe(true);
		expect(
			hasScratch({ storage, showDirectoryPicker: async () => new MemoryDirectoryHandle('x') })
		).toBe(false);
		expect(canGrantFolders({})).toBe(false);
		expect(uniqueFolderName('Scratch', [])).toBe('Scratch (2)');
	});

	it('reads and re-asks permission on a stored handle', async () => {
		const handle = new MemoryDirectoryHandle('Docs');
		handle.permission.readwrite = 'prompt';
		const f = folder('Docs', handle);
		expect(await folderPermission(f, 'readwrite')).toBe('prompt');
		expect(await reauthorizeFolder(f, 'readwrite')).toBe(true);
		expect(await folderPermission(f, 'readwrite')).toBe('granted');
	});
});

describe('folder access', () => {
	const source = (folders: GrantedFolder[], scratch: MemoryDirectoryHandle | null = null) => ({
		list: async () => folders,
		scratch: async () => scratch
	});

	it('opens only shared folders, by name, case-insensitively', async () => {
		const docs = new MemoryDirectoryHandle('Docs');
		const access = createFolderAccess(source([folder('Docs', docs)]));
		expect((await access.open('docs', 'read')).root).toBe(docs);
		const e = await rejects(access.open('Photos', 'read'));
		expect([e.code, e.message]).toEqual([
			'file_not_found',
			'No shared folder is named "Photos". Shared folders: "Docs".'
		]);
	});

	it('refuses writes to read-only folders and when the browser withdrew permission', async () => {
		const docs = new MemoryDirectoryHandle('Docs');
		const access = createFolderAccess(source([folder('Docs', docs, false)]));
		expect((await rejects(access.open('Docs', 'readwrite'))).code).toBe('permission_denied');

		const lapsed = new MemoryDirectoryHandle('Work');
		lapsed.permission.read = 'prompt';
		lapsed.answer = 'denied';
		const work = createFolderAccess(source([folder('Work', lapsed, true)]));
		const e = await rejects(work.open('Work', 'read'));
		expect(e.code).toBe('permission_denied');
		expect(e.message).toMatch(/no longer lets Hearth read "Work"/);
		expect(lapsed.requests).toBe(1);
	});

	it('adds the scratch space when offered, writable and without a prompt', async () => {
		const scratch = new MemoryDirectoryHandle('scratch');
		const access = createFolderAccess(source([], scratch));
		expect((await access.folders()).map((f) => [f.name, f.kind, f.writable])).toEqual([
			['scratch', 'scratch', true]
		]);
		expect((await access.open('scratch', 'readwrite')).root).toBe(scratch);
	});

	it('reads the database through dexieFolderSource, with the scratch space from storage', async () => {
		const db = freshDb();
		await db.folders.add({ id: 'a', name: 'Plain', kind: 'granted', addedAt: 1, writable: false });
		const scratchParent = new MemoryDirectoryHandle('');
		const access = createFolderAccess(
			dexieFolderSource(db, { storage: { getDirectory: async () => scratchParent } })
		);
		expect((await access.folders()).map((f) => f.name)).toEqual(['Plain', 'scratch']);
		await access.open('scratch', 'readwrite');
		expect((await scratchParent.getDirectoryHandle('scratch')).name).toBe('scratch');
		// A row without a handle (shouldn't happen) is a clear error, not a crash.
		expect((await rejects(access.open('Plain', 'read'))).code).toBe('file_not_found');
	});
});
