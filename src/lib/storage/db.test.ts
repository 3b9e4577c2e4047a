import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDb, SCHEMA_V1 } from '$lib/storage/db';
import type { Conversation, Message } from '$lib/types/chat';

describe('schema upgrades', () => {
	it('v1 → v6 keeps every row, backfills the search words and adds the agent, knowledge and image tables', async () => {
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

	it('v5 → current adds the GGUF models table (v6) and keeps the v5 data', async () => {
		const indexedDB = new IDBFactory();
		// Version 5 as it shipped (frozen here: db.ts only ever adds versions after it).
		const v5 = new Dexie('hearth', { indexedDB, IDBKeyRange });
		v5.version(5).stores({
			...SCHEMA_V1,
			conversations: 'id, updatedAt, [pinned+updatedAt], *titleWords',
			messages: 'id, conversationId, [conversationId+createdAt], status, *words',
			ledger: '++id, at',
			reminders: 'id, dueAt, status',
			folders: 'id',
			attachments: 'id, conversationId',
			collections: 'id, name',
			documents: 'id, collectionId, hash, [collectionId+path], updatedAt',
			chunks: 'id, documentId, collectionId, hash',
			vectors: '[model+key], key, model',
			memories: 'id, status, updatedAt',
			images: 'id, conversationId, messageId'
		});
		await v5.table('settings').put({ key: 'settings', value: { webModel: 'gguf:qwen2.5-0.5b' } });
		await v5.table('memories').put({ id: 'mem1', status: 'kept', updatedAt: 3, text: 'x' });
		v5.close();

		const v6 = createDb('hearth', { indexedDB, IDBKeyRange });
		await v6.open();
		expect(v6.verno).toBe(9);
		expect((await v6.settings.get('settings'))?.value).toEqual({ webModel: 'gguf:qwen2.5-0.5b' });
		expect(await v6.memories.count()).toBe(1);
		await v6.ggufModels.put({
			id: 'gguf:hf:ggml-org/models:tinyllamas/stories260K.gguf',
			name: 'stories260K',
			source: { kind: 'hf', repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf' },
			addedAt: 5
		});
		expect((await v6.ggufModels.orderBy('addedAt').first())?.name).toBe('stories260K');
		v6.close();
	});

	it('v5 → current keeps the data and adds the journal of file plans (undo)', async () => {
		const indexedDB = new IDBFactory();
		// The schema as v5 shipped it, declared whole.
		const v5 = new Dexie('hearth', { indexedDB, IDBKeyRange });
		v5.version(5).stores({
			conversations: 'id, updatedAt, [pinned+updatedAt], *titleWords',
			messages: 'id, conversationId, [conversationId+createdAt], status, *words',
			settings: 'key',
			ledger: '++id, at',
			reminders: 'id, dueAt, status',
			folders: 'id',
			attachments: 'id, conversationId',
			collections: 'id, name',
			documents: 'id, collectionId, hash, [collectionId+path], updatedAt',
			chunks: 'id, documentId, collectionId, hash',
			vectors: '[model+key], key, model',
			memories: 'id, status, updatedAt',
			images: 'id, conversationId, messageId'
		});
		await v5
			.table('folders')
			.add({ id: 'f1', name: 'Downloads', kind: 'granted', addedAt: 1, writable: true });
		await v5
			.table('reminders')
			.add({ id: 'r1', text: 'tea', dueAt: 5, createdAt: 1, status: 'scheduled' });
		v5.close();

		const v8 = createDb('hearth', { indexedDB, IDBKeyRange });
		await v8.open();
		expect(v8.verno).toBe(9);
		expect(await v8.folders.get('f1')).toMatchObject({ name: 'Downloads', writable: true });
		expect(await v8.reminders.where('status').equals('scheduled').count()).toBe(1);
		await v8.filePlans.put({
			id: 'p1',
			folderId: 'f1',
			folder: 'Downloads',
			appliedAt: 10,
			state: 'applied',
			steps: [{ kind: 'made_folder', path: 'Images' }],
			undone: 0
		});
		expect(await v8.filePlans.where('appliedAt').below(11).primaryKeys()).toEqual(['p1']);
		v8.close();
	});
});
