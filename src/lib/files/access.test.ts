import { describe, expect, it } from 'vitest';
import { createFolderAccess, ensurePermission, type FolderSource } from '$lib/files/access';
import type { DirHandle } from '$lib/files/handles';
import { MemoryDirectoryHandle } from '$lib/files/memory-fs';
import type { GrantedFolder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';

// Which folder a files tool gets, and when the browser's permission stops it: each refusal with
// the words the model relays to the user. folders.test.ts covers the store and the common paths.

function folder(name: string, handle?: MemoryDirectoryHandle, writable = false): GrantedFolder {
	return {
		id: name,
		name,
		handle: handle as unknown as FileSystemDirectoryHandle | undefined,
		kind: 'granted',
		addedAt: 1,
		writable
	};
}

function source(folders: GrantedFolder[], scratch: DirHandle | null = null): FolderSource {
	return { list: async () => folders, scratch: async () => scratch };
}

async function refusal(p: Promise<unknown>): Promise<[string, string]> {
	const e = await p.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(HearthError);
	return [(e as HearthError).code, (e as HearthError).message];
}

describe('createFolderAccess: which folder', () => {
	it('prefers the folder named exactly, then one that differs only in case', async () => {
		const lower = new MemoryDirectoryHandle('docs');
		const upper = new MemoryDirectoryHandle('Docs');
		const access = createFolderAccess(source([folder('docs', lower), folder('Docs', upper)]));
		expect((await access.open('Docs', 'read')).root).toBe(upper);
		expect((await access.open('docs', 'read')).root).toBe(lower);
		expect((await access.open('DOCS', 'read')).root).toBe(lower);
	});

	it('names every shared folder when the one asked for is not there', async () => {
		const access = createFolderAccess(
			source([folder('Docs', new MemoryDirectoryHandle('Docs')), folder('Work', undefined)])
		);
		expect(await refusal(access.open('Photos', 'read'))).toEqual([
			'file_not_found',
			'No shared folder is named "Photos". Shared folders: "Docs", "Work".'
		]);
	});

	it('says how to share one when none is shared', async () => {
		expect(await refusal(createFolderAccess(source([])).open('Docs', 'read'))).toEqual([
			'file_not_found',
			'No folders are shared with Hearth. The user can share one in the tools section of the settings.'
		]);
	});

	it('says where to allow changes to a read-only folder', async () => {
		const access = createFolderAccess(source([folder('Docs', new MemoryDirectoryHandle('Docs'))]));
		expect(await refusal(access.open('Docs', 'readwrite'))).toEqual([
			'permission_denied',
			'"Docs" is shared read-only. The user can allow changes to it under Folders.'
		]);
	});

	it('refuses a stored folder that lost its handle', async () => {
		const access = createFolderAccess(source([folder('Docs', undefined)]));
		expect(await refusal(access.open('Docs', 'read'))).toEqual([
			'file_not_found',
			'"Docs" has no folder behind it.'
		]);
	});

	it('refuses the scratch space when it went away between listing and opening', async () => {
		let offered: DirHandle | null = new MemoryDirectoryHandle('scratch');
		const access = createFolderAccess({
			list: async () => [],
			scratch: async () => {
				const now = offered;
				offered = null;
				return now;
			}
		});
		expect(await refusal(access.open('scratch', 'readwrite'))).toEqual([
			'not_supported',
			'The scratch space is not available here.'
		]);
	});
});

describe('ensurePermission', () => {
	it('asks again only when the browser says prompt, and for the mode needed', async () => {
		const granted = new MemoryDirectoryHandle('A');
		await ensurePermission(granted, 'A', 'readwrite');
		expect(granted.requests).toBe(0);

		const denied = new MemoryDirectoryHandle('B');
		denied.permission.read = 'denied';
		denied.answer = 'granted';
		expect((await refusal(ensurePermission(denied, 'B', 'read')))[0]).toBe('permission_denied');
		expect(denied.requests).toBe(0);

		const lapsed = new MemoryDirectoryHandle('C');
		lapsed.permission.readwrite = 'prompt';
		await ensurePermission(lapsed, 'C', 'readwrite');
		expect(lapsed.requests).toBe(1);
		expect(lapsed.permission).toEqual({ read: 'granted', readwrite: 'granted' });
	});

	it('says which right the browser withdrew, with the remedy', async () => {
		const handle = new MemoryDirectoryHandle('Docs');
		handle.permission = { read: 'prompt', readwrite: 'prompt' };
		handle.answer = 'denied';
		expect(await refusal(ensurePermission(handle, 'Docs', 'read'))).toEqual([
			'permission_denied',
			'The browser no longer lets Hearth read "Docs". The user can allow it again under Folders.'
		]);
		expect(await refusal(ensurePermission(handle, 'Docs', 'readwrite', 'Pick it again.'))).toEqual([
			'permission_denied',
			'The browser no longer lets Hearth change "Docs". Pick it again.'
		]);
	});

	it('stays refused when asking again needs a user action it does not have', async () => {
		const handle = new MemoryDirectoryHandle('Docs');
		handle.permission.read = 'prompt';
		handle.requestPermission = async () => {
			throw new DOMException('User activation is required.', 'SecurityError');
		};
		expect((await refusal(ensurePermission(handle, 'Docs', 'read')))[0]).toBe('permission_denied');
	});

	it('trusts a handle that has no permission model (the scratch space)', async () => {
		const plain = new MemoryDirectoryHandle('scratch');
		Object.assign(plain, { queryPermission: undefined });
		await expect(ensurePermission(plain, 'scratch', 'readwrite')).resolves.toBeUndefined();
	});
});
