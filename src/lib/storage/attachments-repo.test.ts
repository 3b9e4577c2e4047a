import { describe, expect, it } from 'vitest';
import {
	AttachmentRepository,
	MAX_ATTACHMENT_BYTES,
	safeName
} from '$lib/storage/attachments-repo';
import { ChatRepository } from '$lib/storage/chat-repo';
import { freshDb } from '$lib/storage/test-db';
import type { HearthError } from '$lib/types/errors';

describe('AttachmentRepository', () => {
	it('keeps files per conversation, and a deleted conversation takes them along until undo', async () => {
		const db = freshDb();
		const repo = new AttachmentRepository(db);
		const chats = new ChatRepository(db);
		const c = await chats.createConversation({ title: 'Data' });
		await repo.add(c.id, [new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' })]);
		await repo.add('other', [new File(['x'], 'x.txt')]);
		const listed = await repo.list(c.id);
		expect(listed.map((a) => [a.name, a.size])).toEqual([['table.csv', 8]]);
		expect(await listed[0]!.data.text()).toBe('a,b\n1,2\n');

		const deleted = await chats.deleteConversation(c.id);
		expect(await repo.list(c.id)).toEqual([]);
		await chats.restoreConversation(deleted!);
		expect((await repo.list(c.id)).map((a) => a.name)).toEqual(['table.csv']);
	});

	it('refuses a file over the limit by name and stores none of the batch', async () => {
		const db = freshDb();
		const repo = new AttachmentRepository(db);
		const big = new File([new Uint8Array(MAX_ATTACHMENT_BYTES + 1)], 'huge.bin');
		const error = await repo
			.add('c', [new File(['ok'], 'ok.txt'), big])
			.catch((e: HearthError) => e);
		expect((error as HearthError).code).toBe('content_too_large');
		expect((error as HearthError).message).toContain('huge.bin');
		expect(await repo.list('c')).toEqual([]);
	});

	it('names are plain file names', () => {
		expect(safeName('../../etc/passwd')).toBe('passwd');
		expect(safeName('C:\\Users\\me\\data.csv')).toBe('data.csv');
		expect(safeName('..')).toBe('file');
		expect(safeName('a\u0000b.txt')).toBe('ab.txt');
	});
});
