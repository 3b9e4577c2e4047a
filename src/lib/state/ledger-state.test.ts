import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNetFetch } from '$lib/net/ledger';
import type { LedgerEntry } from '$lib/net/types';
import { LedgerState, totalsByHost } from '$lib/state/ledger.svelte';
import { freshDb } from '$lib/storage/test-db';

function entry(i: number, host: string, extra: Partial<LedgerEntry> = {}): LedgerEntry {
	return {
		at: 1000 + i,
		purpose: `p${i}`,
		method: 'GET',
		url: `https://${host}/${i}`,
		host,
		bytesSent: 1,
		bytesReceived: 10 * i,
		outcome: 'ok',
		...extra
	};
}

/** Resolves once `check` holds, polling the state (liveQuery delivers asynchronously). */
async function until(check: () => boolean, ms = 2000): Promise<void> {
	const start = Date.now();
	while (!check()) {
		if (Date.now() - start > ms) throw new Error('timed out waiting for the ledger state');
		await new Promise((r) => setTimeout(r, 10));
	}
}

// liveQuery stays silent unless Dexie saw a global IndexedDB when it loaded (Node has none):
// give it one, as a browser would. The database itself is still freshDb()'s own.
beforeAll(() => {
	Dexie.dependencies.indexedDB ??= new IDBFactory();
	Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;
});

describe('totalsByHost', () => {
	it('sums requests, blocked requests and bytes per host, most bytes first', () => {
		const totals = totalsByHost([
			entry(1, 'a.test'),
			entry(5, 'b.test'),
			entry(2, 'a.test', { outcome: 'blocked', bytesSent: 0, bytesReceived: 0 })
		]);
		expect(totals).toEqual([
			{ host: 'b.test', requests: 1, blocked: 0, bytesSent: 1, bytesReceived: 50 },
			{ host: 'a.test', requests: 2, blocked: 1, bytesSent: 1, bytesReceived: 10 }
		]);
	});
});

describe('LedgerState', () => {
	it('shows pages newest first, totals, live updates and clear', async () => {
		const db = freshDb();
		await db.ledger.bulkAdd([1, 2, 3, 4, 5].map((i) => entry(i, i % 2 ? 'odd.test' : 'even.test')));
		const ledger = new LedgerState({ db, pageSize: 2 });
		const stop = ledger.start();
		await until(() => ledger.loaded);
		expect(ledger.entries.map((e) => e.purpose)).toEqual(['p5', 'p4']);
		expect(ledger.count).toBe(5);
		expect(ledger.pages).toBe(3);
		expect(ledger.totalReceived).toBe(150);
		expect(ledger.hosts.map((h) => h.host)).toEqual(['odd.test', 'even.test']);

		ledger.setPage(2);
		await until(() => ledger.entries[0]?.purpose === 'p1');
		expect(ledger.entries).toHaveLength(1);
		ledger.setPage(9);
		expect(ledger.page).toBe(2);

		const net = createNetFetch({ db, offlineOnly: () => true });
		await net('https://blocked.test/x', {}, { purpose: 'search', tool: 'web_search' }).catch(
			() => {}
		);
		await until(() => ledger.count === 6);
		expect(ledger.hosts.find((h) => h.host === 'blocked.test')?.blocked).toBe(1);

		await ledger.clear();
		await until(() => ledger.count === 0);
		expect(ledger.page).toBe(0);
		expect(ledger.entries).toEqual([]);
		stop();
	});
});
