import { createDb, type HearthDb } from '$lib/storage/db';

export interface OpenedDatabase {
	db: HearthDb;
	/** True when the browser refused IndexedDB and nothing will survive a reload. */
	memoryOnly: boolean;
	/** Why IndexedDB could not be used, for the banner. */
	reason?: string;
}

/**
 * Opens the on-device database. When the browser has no usable IndexedDB (some private modes,
 * blocked storage), falls back to an in-memory IndexedDB so the app still chats, just without
 * saving; the fallback is loaded only in that case.
 */
export async function openDatabase(): Promise<OpenedDatabase> {
	try {
		if (typeof indexedDB === 'undefined') throw new Error('This browser exposes no IndexedDB.');
		const db = createDb();
		await db.open();
		return { db, memoryOnly: false };
	} catch (e) {
		const reason = e instanceof Error ? e.message : String(e);
		const { IDBFactory, IDBKeyRange } = await import('fake-indexeddb');
		const db = createDb('hearth-memory', { indexedDB: new IDBFactory(), IDBKeyRange });
		await db.open();
		return { db, memoryOnly: true, reason };
	}
}

/** Asks the browser not to evict Hearth's data under storage pressure. Never throws. */
export async function requestPersistence(): Promise<boolean> {
	try {
		if (!navigator.storage?.persist) return false;
		if (await navigator.storage.persisted()) return true;
		return await navigator.storage.persist();
	} catch {
		return false;
	}
}
