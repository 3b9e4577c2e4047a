import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createDb, type HearthDb } from '$lib/storage/db';

/** A fresh, isolated in-memory database for a Node test. */
export async function freshDb(): Promise<HearthDb> {
	const db = createDb(`test-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
	await db.open();
	return db;
}
