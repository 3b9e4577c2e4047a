import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDb, declareSchema, SCHEMA_V1 } from '$lib/storage/db';

// v9 (evals and metrics) only adds tables: a database from before it keeps every row, and tables
// that other work declares at v6-v8 are still created when it merges after v9 shipped. (Their
// upgrade functions would not run on a database already at v9: data migrations belong in v10+.)

describe('schema v9', () => {
	it('opens a v5 database with its conversations, memories and images intact, and empty metrics, feedback and eval tables', async () => {
		const indexedDB = new IDBFactory();
		const old = new Dexie('hearth', { indexedDB, IDBKeyRange });
		// The v5 schema as it shipped, written out: v1 + search words + agent + knowledge + images.
		old.version(5).stores({
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
		await old.open();
		await old.table('conversations').add({
			id: 'c1',
			title: 'Tea',
			createdAt: 1,
			updatedAt: 1,
			pinned: 0,
			mode: 'chat',
			leafId: 'm1',
			titleWords: ['tea']
		});
		await old.table('messages').add({
			id: 'm1',
			conversationId: 'c1',
			parentId: null,
			role: 'user',
			content: 'Green or black?',
			status: 'done',
			createdAt: 1,
			updatedAt: 1,
			words: ['green', 'or', 'black']
		});
		await old.table('memories').add({
			id: 'mem1',
			text: 'Likes green tea',
			kind: 'preference',
			status: 'kept',
			origin: 'explicit',
			createdAt: 1,
			updatedAt: 1
		});
		await old.table('ledger').add({
			at: 1,
			purpose: 'x',
			method: 'GET',
			url: 'https://a/',
			host: 'a',
			bytesSent: 0,
			bytesReceived: 0,
			outcome: 'ok'
		});
		old.close();

		const db = createDb('hearth', { indexedDB, IDBKeyRange });
		await db.open();
		expect(db.verno).toBe(9);
		expect(await db.conversations.get('c1')).toMatchObject({ title: 'Tea' });
		expect(await db.messages.where('words').equals('green').primaryKeys()).toEqual(['m1']);
		expect(await db.memories.get('mem1')).toMatchObject({ text: 'Likes green tea' });
		expect(await db.ledger.count()).toBe(1);
		expect(await db.metrics.count()).toBe(0);
		expect(await db.metricDays.where('day').above('2000').count()).toBe(0);
		expect(await db.feedback.where('conversationId').equals('c1').count()).toBe(0);
		expect(await db.evalSets.count()).toBe(0);
		expect(await db.evalRuns.orderBy('startedAt').count()).toBe(0);
		db.close();
	});

	it('a table other work declares at v6-v8, merged after v9 shipped, is still created', async () => {
		const indexedDB = new IDBFactory();
		const shipped = createDb('hearth', { indexedDB, IDBKeyRange });
		await shipped.open();
		await shipped.evalSets.add({ id: 's', name: 'Mine', version: 1, cases: [] });
		shipped.close();

		// The later code: this schema plus a v6 table. The database is already at 9, so Dexie
		// sees the missing table and adds it (it raises the stored version itself).
		const later = new Dexie('hearth', { indexedDB, IDBKeyRange });
		declareSchema(later);
		later.version(6).stores({ drafts: 'id, conversationId' });
		await later.open();
		await later.table('drafts').add({ id: 'd1', conversationId: 'c1' });
		expect(await later.table('drafts').count()).toBe(1);
		expect(await later.table('evalSets').get('s')).toMatchObject({ name: 'Mine' });
		later.close();
	});
});
