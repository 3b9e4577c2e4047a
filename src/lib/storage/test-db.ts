import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createDb, type HearthDb } from '$lib/storage/db';

/** A fresh, isolated in-memory database for a Node test (Dexie opens it on first use). */
export function freshDb(): HearthDb {
	return createDb(`test-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
}
