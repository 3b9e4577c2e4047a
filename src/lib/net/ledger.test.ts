import { describe, expect, it } from 'vitest';
import { bodySize, createNetFetch } from '$lib/net/ledger';
import { useFixture } from '$lib/net/test-context';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';
import { ARTICLE_SENTENCE, startPageFixture } from '../../../tests/fixtures/page-fixture.js';

const site = useFixture(() => startPageFixture());

function setup(options: { offline?: boolean; maxEntries?: number } = {}) {
	const db = freshDb();
	let offline = options.offline ?? false;
	// The ledger's clock, moved by the test: durations come out exact.
	const clock = { now: 1_000 };
	const net = createNetFetch({
		db,
		offlineOnly: () => offline,
		now: () => clock.now,
		...(options.maxEntries ? { maxEntries: options.maxEntries } : {})
	});
	return { db, net, clock, setOffline: (v: boolean) => (offline = v) };
}

describe('createNetFetch', () => {
	it('records purpose, tool, method, host, status and the bytes actually read', async () => {
		const { db, net, clock } = setup();
		const response = await net(
			`${site().url}/article`,
			{},
			{ purpose: 'read a page', tool: 'fetch_page' }
		);
		clock.now += 42; // the body takes its time: the duration runs to its end
		const body = await response.text();
		expect(body).toContain(ARTICLE_SENTENCE);
		await net.idle();
		const [entry] = await db.ledger.toArray();
		expect(entry).toMatchObject({
			purpose: 'read a page',
			tool: 'fetch_page',
			method: 'GET',
			url: `${site().url}/article`,
			host: new URL(site().url).host,
			bytesSent: 0,
			bytesReceived: new TextEncoder().encode(body).length,
			status: 200,
			outcome: 'ok',
			at: 1_000,
			durationMs: 42
		});
	});

	it('counts what was read when the reader stops early, and keeps the final URL', async () => {
		const { db, net, clock } = setup();
		const response = await net(`${site().url}/huge`, {}, { purpose: 'big page' });
		expect(response.url).toBe(`${site().url}/huge`);
		clock.now += 7;
		const reader = (response.body as ReadableStream<Uint8Array>).getReader();
		let read = 0;
		while (read < 200_000) {
			const { done, value } = await reader.read();
			if (done) break;
			read += value.byteLength;
		}
		await reader.cancel();
		await net.idle();
		const [entry] = await db.ledger.toArray();
		expect(entry?.bytesReceived).toBe(read);
		expect(entry?.bytesReceived).toBeLessThan(1_000_000);
		expect(entry?.durationMs).toBe(7);
	});

	it('records bytes sent and HTTP errors', async () => {
		const { db, net } = setup();
		const response = await net(
			`${site().url}/nowhere`,
			{ method: 'post', body: 'héllo' },
			{ purpose: 'test' }
		);
		await response.text();
		await net.idle();
		const [entry] = await db.ledger.toArray();
		expect(entry).toMatchObject({ method: 'POST', bytesSent: 6, status: 404, outcome: 'error' });
	});

	it('records a request that never reached the server, and rethrows the original error', async () => {
		const { db, net } = setup();
		await expect(net('http://127.0.0.1:1/', {}, { purpose: 'refused' })).rejects.toThrow(TypeError);
		await net.idle();
		const [entry] = await db.ledger.toArray();
		expect(entry?.outcome).toBe('error');
		expect(entry?.error?.code).toBe('network_failed');
	});

	it('records an aborted request as aborted', async () => {
		const { db, net } = setup();
		const controller = new AbortController();
		const pending = net(`${site().url}/slow`, { signal: controller.signal }, { purpose: 'slow' });
		const response = await pending;
		const reading = response.text();
		controller.abort();
		await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
		await net.idle();
		const [entry] = await db.ledger.toArray();
		expect(entry?.outcome).toBe('error');
		expect(entry?.error?.code).toBe('aborted');
	});

	it('blocks tool requests while offline-only is on, records them, and lets downloads through', async () => {
		const { db, net, setOffline } = setup({ offline: true });
		const before = site().requests.length;
		const blocked = net(`${site().url}/article`, {}, { purpose: 'web search', tool: 'web_search' });
		await expect(blocked).rejects.toSatisfy(
			(e) =>
				e instanceof HearthError && e.code === 'network_blocked' && /Offline only/.test(e.message)
		);
		expect(site().requests.length).toBe(before);

		const download = await net(`${site().url}/plain.txt`, {}, { purpose: 'model download: X' });
		await download.text();
		setOffline(false);
		const allowed = await net(`${site().url}/plain.txt`, {}, { purpose: 'p', tool: 'fetch_page' });
		await allowed.text();
		await net.idle();
		const entries = await db.ledger.orderBy('id').toArray();
		expect(entries.map((e) => e.outcome)).toEqual(['blocked', 'ok', 'ok']);
		expect(entries[0]).toMatchObject({ tool: 'web_search', bytesReceived: 0 });
		expect(entries[0]?.error?.code).toBe('network_blocked');
	});

	it('keeps only the newest entries', async () => {
		const { db, net } = setup({ maxEntries: 3 });
		for (let i = 0; i < 5; i++) {
			await (await net(`${site().url}/plain.txt?i=${i}`, {}, { purpose: `p${i}` })).text();
		}
		await net.idle();
		const kept = await db.ledger.orderBy('id').toArray();
		expect(kept.map((e) => e.purpose)).toEqual(['p2', 'p3', 'p4']);
	});
});

describe('bodySize', () => {
	it('measures the bodies it can know', () => {
		expect(bodySize(undefined)).toBe(0);
		expect(bodySize('ab€')).toBe(5);
		expect(bodySize(new URLSearchParams({ q: 'a b' }))).toBe(5);
		expect(bodySize(new Uint8Array(7))).toBe(7);
		expect(bodySize(new ArrayBuffer(9))).toBe(9);
		expect(bodySize(new Blob(['12345']))).toBe(5);
	});
});
