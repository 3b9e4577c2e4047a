import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDb, SCHEMA_V1 } from '$lib/storage/db';
import type { Conversation, Message } from '$lib/types/chat';

describe('schema upgrades', () => {
	it('v1 → v5 keeps every row, backfills the search words and adds the agent, knowledge and image tables', async () => {
		const indexedDB = new IDBFactory();
		const v1 = new Dexie('hearth', { indexedDB, IDBKeyRange });
		v1.version(1).stores(SCHEMA_V1);
		const conversation: Conversation = {
			id: 'c1',
			title: 'Sourdough starter schedule',
			createdAt: 1,
			updatedAt: 2,
			pinned: 1,
			mode: 'chat',
			leafId: 'm2'
		};
		const messages: Message[] = [
			{
				id: 'm1',
				conversationId: 'c1',
				parentId: null,
				role: 'user',
				content: 'How often should I feed it?',
				status: 'done',
				createdAt: 1,
				updatedAt: 1
			},
			{
				id: 'm2',
				conversationId: 'c1',
				parentId: 'm1',
				role: 'assistant',
				content: 'Twice a day at room temperature.',
				status: 'interrupted',
				createdAt: 2,
				updatedAt: 2,
				usage: { promptTokens: 5, completionTokens: 7 }
			}
		];
		await v1.table('conversations').add(conversation);
		await v1.table('messages').bulkAdd(messages);
		await v1.table('settings').put({ key: 'settings', value: { temperature: 0.2 } });
		v1.close();

		const v2 = createDb('hearth', { indexedDB, IDBKeyRange });
		await v2.open();
		expect(v2.verno).toBe(9);
		expect(await v2.documents.count()).toBe(0);
		expect(await v2.images.where('messageId').equals('m2').count()).toBe(0);
		expect(await v2.memories.where('status').equals('kept').count()).toBe(0);
		expect(await v2.ledger.count()).toBe(0);
		expect(await v2.reminders.where('status').equals('scheduled').count()).toBe(0);
		expect(await v2.folders.count()).toBe(0);
		const c = await v2.conversations.get('c1');
		expect(c).toMatchObject({ ...conversation, titleWords: ['sourdough', 'starter', 'schedule'] });
		const m2 = await v2.messages.get('m2');
		expect(m2).toMatchObject({
			...messages[1],
			words: ['twice', 'day', 'at', 'room', 'temperature']
		});
		expect(await v2.messages.where('words').equals('feed').primaryKeys()).toEqual(['m1']);
		expect((await v2.settings.get('settings'))?.value).toEqual({ temperature: 0.2 });
		v2.close();
	});
});
