// Model downloads go through the privacy ledger when the store is given a NetFetch: one entry
// per file, purpose "model download: <id>", bytes as stored, and never blocked by offline-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import { ModelStore } from '$lib/engine/model-store';
import { createNetFetch } from '$lib/net/ledger';
import { freshDb } from '$lib/storage/test-db';
import { startMlcFixture, type MlcFixture } from '../../../tests/fixtures/mlc-fixture.js';

const REPO = 'Fixture-0.1B-Instruct-q4f32_1-MLC';
const LIB = 'Fixture-0.1B-Instruct-q4f32_1_cs1k-webgpu.wasm';

let fixture: MlcFixture;
beforeAll(async () => {
	fixture = await startMlcFixture({ shards: 3, shardBytes: 32 * 1024 });
});
afterAll(async () => {
	await fixture?.close();
});

describe('model downloads in the ledger', () => {
	it('records every file fetched, with its bytes, even while offline-only is on', async () => {
		const db = freshDb();
		const net = createNetFetch({ db, offlineOnly: () => true });
		const store = new ModelStore({ caches: new MemoryCacheStorage(), net });
		const spec = {
			id: REPO,
			modelUrl: fixture.modelUrl(REPO),
			modelLibUrl: fixture.libUrl(LIB),
			contextWindow: 4096,
			requiredFeatures: [],
			vramMB: 100
		};
		const stored = await store.download(spec, () => {});
		await net.idle();
		const entries = await db.ledger.toArray();
		expect(entries.length).toBe(fixture.requests.length);
		expect(new Set(entries.map((e) => e.purpose))).toEqual(new Set([`model download: ${REPO}`]));
		expect(entries.every((e) => e.outcome === 'ok' && e.tool === undefined)).toBe(true);
		const received = entries.reduce((sum, e) => sum + e.bytesReceived, 0);
		expect(received).toBe(stored.bytesStored);
		expect(entries.some((e) => e.url.endsWith('params_shard_2.bin'))).toBe(true);
	});
});
