import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createFolderAccess } from '$lib/files/access';
import { MAX_VISITED, READ_MAX_BYTES } from '$lib/files/operations';
import {
	memoryFolder,
	type MemoryDirectoryHandle,
	type MemoryFileHandle
} from '$lib/files/memory-fs';
import { createFileTools } from '$lib/tools/files';
import type { GrantedFolder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';
import type { ToolContext } from '$lib/tools/types';

const ctx = {} as ToolContext;
const NOW = Date.UTC(2025, 2, 3, 12);

async function setup(writable = true) {
	const docs = await memoryFolder(
		'Docs',
		{
			'todo.md': '# Todo\n- milk\n',
			notes: { 'a.txt': 'alpha', 'b.md': 'beta', deep: { 'report-01.md': 'r1' } },
			'photo.png': new Uint8Array([137, 80, 78, 71, 0, 0, 0, 13]),
			'latin1.txt': new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
			node_modules: { 'skip.md': 'never found' }
		},
		() => NOW
	);
	const folders: GrantedFolder[] = [
		{
			id: 'd',
			name: 'Docs',
			handle: docs as unknown as FileSystemDirectoryHandle,
			kind: 'granted',
			addedAt: 1,
			writable
		}
	];
	const access = createFolderAccess({ list: async () => folders, scratch: async () => null });
	const [list, find, read, write, create] = createFileTools({
		access,
		now: () => NOW,
		timeZone: 'UTC'
	});
	return { docs, list, find, read, write, create };
}

async function rejects(p: Promise<unknown>): Promise<HearthError> {
	const e = await p.catch((err: unknown) => err);
	expect(e).toBeInstanceOf(HearthError);
	return e as HearthError;
}

async function text(dir: MemoryDirectoryHandle, ...path: string[]): Promise<string> {
	let d = dir;
	const name = path.pop()!;
	for (const p of path) d = await d.getDirectoryHandle(p);
	return (await (await d.getFileHandle(name)).getFile()).text();
}

describe('file tools', () => {
	it('lists the shared folders, then a folder, folders first', async () => {
		const { list } = await setup();
		expect((await list.run({}, ctx)).content).toBe('"Docs": shared by the user, read and write');
		const r = await list.run({ folder: 'Docs', path: 'notes/' }, ctx);
		expect(r.untrusted).toBe(true);
		expect(r.content.split('\n')).toEqual([
			'"notes" in "Docs" holds 3 entries:',
			'notes/deep/',
			'notes/a.txt (5 B, modified 2025-03-03T12:00Z)',
			'notes/b.md (4 B, modified 2025-03-03T12:00Z)'
		]);
		expect((await rejects(list.run({ folder: 'Docs', path: 'nope' }, ctx))).message).toBe(
			'There is no "nope" in "Docs".'
		);
	});

	it('finds files by glob, substring, extension and date, skipping node_modules', async () => {
		const { docs, find } = await setup();
		const paths = async (args: Parameters<typeof find.run>[0]) =>
			(await find.run(args, ctx)).content.split('\n').slice(1);
		expect(await paths({ folder: 'Docs', name: 'report-??.md' })).toEqual([
			'notes/deep/report-01.md (2 B, modified 2025-03-03T12:00Z)'
		]);
		expect((await paths({ folder: 'Docs', extension: '.md' })).map((l) => l.split(' ')[0])).toEqual(
			['todo.md', 'notes/b.md', 'notes/deep/report-01.md']
		);
		expect((await paths({ folder: 'Docs', name: 'A.T' })).map((l) => l.split(' ')[0])).toEqual([
			'notes/a.txt'
		]);
		const old = (await docs.getFileHandle('todo.md')) as MemoryFileHandle;
		old.touch(Date.UTC(2024, 0, 1));
		const recent = await find.run(
			{ folder: 'Docs', name: 'todo', modifiedAfter: '2025-01-01' },
			ctx
		);
		expect(recent.content).toBe('No matching files in "Docs".');
		const before = await paths({ folder: 'Docs', modifiedBefore: '2025-01-01' });
		expect(before.map((l) => l.split(' ')[0])).toEqual(['todo.md']);
		const limited = await find.run({ folder: 'Docs', limit: 1 }, ctx);
		expect(limited.content).toMatch(/More may exist/);
	});

	it('stops a search after a bounded number of entries', async () => {
		const many: Record<string, string> = {};
		for (let i = 0; i < MAX_VISITED + 10; i++) many[`f${i}.log`] = '';
		const big = await memoryFolder('Big', { ...many, 'wanted.md': 'x' });
		const access = createFolderAccess({
			list: async () => [
				{
					id: 'b',
					name: 'Big',
					handle: big as unknown as FileSystemDirectoryHandle,
					kind: 'granted',
					addedAt: 1,
					writable: false
				}
			],
			scratch: async () => null
		});
		const [, find] = createFileTools({ access, now: () => NOW });
		expect((await find.run({ folder: 'Big', extension: 'md' }, ctx)).content).toMatch(
			/stopped early/
		);
	});

	it('reads text as untrusted, and refuses binary, non-UTF-8 and oversized files plainly', async () => {
		const { docs, read } = await setup();
		const r = await read.run({ folder: 'Docs', path: 'notes/a.txt' }, ctx);
		expect([r.content, r.untrusted]).toEqual(['alpha', true]);
		const png = await rejects(read.run({ folder: 'Docs', path: 'photo.png' }, ctx));
		expect([png.code, png.message]).toEqual([
			'content_unreadable',
			'"photo.png" is a binary file (an image, archive or program), not text.'
		]);
		expect((await rejects(read.run({ folder: 'Docs', path: 'latin1.txt' }, ctx))).message).toMatch(
			/isn't UTF-8/
		);
		const w = await (await docs.getFileHandle('big.txt', { create: true })).createWritable();
		await w.write('x'.repeat(READ_MAX_BYTES + 1));
		await w.close();
		const big = await rejects(read.run({ folder: 'Docs', path: 'big.txt' }, ctx));
		expect([big.code, big.message]).toEqual([
			'content_too_large',
			'"big.txt" is 256 KB; Hearth reads text files up to 256 KB.'
		]);
		expect((await rejects(read.run({ folder: 'Docs', path: 'notes' }, ctx))).code).toBe(
			'file_not_found'
		);
	});

	it('rejects escaping paths before touching the folder', async () => {
		const { read, write } = await setup();
		for (const path of ['../x', '/etc/passwd', 'notes\\a.txt', 'a\u0000b', 'notes//a.txt']) {
			expect((await rejects(read.run({ folder: 'Docs', path }, ctx))).code).toBe('path_rejected');
			expect((await rejects(write.run({ folder: 'Docs', path, content: 'x' }, ctx))).code).toBe(
				'path_rejected'
			);
		}
	});

	it('create_file refuses to overwrite; write_file replaces; both create folders as needed', async () => {
		const { docs, write, create } = await setup();
		expect(create.sideEffect && write.sideEffect).toBe(true);
		const exists = await rejects(
			create.run({ folder: 'Docs', path: 'todo.md', content: 'gone?' }, ctx)
		);
		expect(exists.code).toBe('file_exists');
		expect(await text(docs, 'todo.md')).toBe('# Todo\n- milk\n');
		const made = await create.run(
			{ folder: 'Docs', path: 'new/dir/plan.md', content: 'Plan' },
			ctx
		);
		expect(made.content).toBe('Created "new/dir/plan.md" in "Docs" (4 B).');
		expect(await text(docs, 'new', 'dir', 'plan.md')).toBe('Plan');
		const replaced = await write.run({ folder: 'Docs', path: 'todo.md', content: 'short' }, ctx);
		expect(replaced.content).toBe('Replaced "todo.md" in "Docs" (5 B).');
		expect(await text(docs, 'todo.md')).toBe('short');
		expect(
			write.describe(
				v.parse(write.schema, { folder: 'Docs', path: 'todo.md', content: '# Shopping\nmilk' })
			)
		).toBe(
			'Replace "todo.md" in "Docs" with 15 B of text starting "# Shopping" (created if missing). The old contents will be lost.'
		);
	});

	it('refuses writes to a read-only folder', async () => {
		const { docs, write } = await setup(false);
		const e = await rejects(write.run({ folder: 'Docs', path: 'todo.md', content: 'x' }, ctx));
		expect(e.code).toBe('permission_denied');
		expect(await text(docs, 'todo.md')).toBe('# Todo\n- milk\n');
	});
});
