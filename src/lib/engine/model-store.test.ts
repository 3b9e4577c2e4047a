// The model store against a real HTTP server (the MLC fixture); the in-memory Cache Storage is
// the only double, because Node has none.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import { ModelStore } from '$lib/engine/model-store';
import type { DownloadProgress } from '$lib/engine/model-store';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError } from '$lib/types/errors';
import { startMlcFixture } from '../../../tests/fixtures/mlc-fixture.js';
import type { MlcFixture } from '../../../tests/fixtures/mlc-fixture.js';

const REPO = 'Fixture-0.1B-Instruct-q4f32_1-MLC';
const LIB = 'Fixture-0.1B-Instruct-q4f32_1_cs1k-webgpu.wasm';
const SHARDS = 6;
const SHARD_BYTES = 64 * 1024;

let fixture: MlcFixture;
let caches: MemoryCacheStorage;
let store: ModelStore;
let spec: WebModelSpec;

function specFor(repo: string, lib = LIB): WebModelSpec {
	return {
		id: repo,
		modelUrl: fixture.modelUrl(repo),
		modelLibUrl: fixture.libUrl(lib),
		contextWindow: 4096,
		requiredFeatures: [],
		vramMB: 100
	};
}

const fileUrl = (name: string, repo = REPO) => new URL(name, fixture.modelUrl(repo)).href;
const pathOf = (name: string, repo = REPO) => new URL(fileUrl(name, repo)).pathname;
const shard = (i: number) => `params_shard_${i}.bin`;

/** GET paths the fixture served since the last reset, as file names inside the model folder. */
function fetchedNames(): string[] {
	return fixture.requests.map((r) => r.path.slice(r.path.lastIndexOf('/') + 1));
}

function totalFixtureBytes(repo = REPO): number {
	return fixture.files(repo).reduce((sum, f) => sum + f.bytes, 0) + libBytes();
}

let libLength = 0;
function libBytes(): number {
	return libLength;
}

async function entryUrls(name: string): Promise<string[]> {
	const cache = caches.caches.get(name);
	return cache ? [...cache.entries.keys()].sort() : [];
}

async function caught(promise: Promise<unknown>): Promise<HearthError> {
	try {
		await promise;
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		return e as HearthError;
	}
	throw new Error('expected a rejection');
}

beforeAll(async () => {
	fixture = await startMlcFixture({ shards: SHARDS, shardBytes: SHARD_BYTES });
	libLength = (await (await fetch(fixture.libUrl(LIB))).arrayBuffer()).byteLength;
});
afterAll(async () => {
	await fixture?.close();
});
beforeEach(() => {
	fixture.clearFaults();
	fixture.requests.length = 0;
	caches = new MemoryCacheStorage();
	store = new ModelStore({ caches });
	spec = specFor(REPO);
});

describe('ModelStore.holdsAny', () => {
	it('is false before any download and true once a model is stored', async () => {
		expect(await store.holdsAny()).toBe(false);
		await store.download(spec, () => {});
		expect(await store.holdsAny()).toBe(true);
	});
});

describe('ModelStore.download', () => {
	it('stores every file under the cache names and keys web-llm reads', async () => {
		const events: DownloadProgress[] = [];
		const result = await store.download(spec, (p) => events.push(p));

		expect(result).toMatchObject({ id: REPO, state: 'complete', missingFiles: 0, brokenFiles: 0 });
		expect(result.bytesTotal).toBe(totalFixtureBytes());
		expect(await entryUrls('webllm/config')).toEqual([fileUrl('mlc-chat-config.json')]);
		expect(await entryUrls('webllm/wasm')).toEqual([fixture.libUrl(LIB)]);
		expect(await entryUrls('webllm/model')).toEqual(
			['tensor-cache.json', 'tokenizer.json', ...Array.from({ length: SHARDS }, (_, i) => shard(i))]
				.map((n) => fileUrl(n))
				.sort()
		);
		const stored = await (await caches.open('webllm/model')).match(fileUrl(shard(4)));
		expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(fixture.body(REPO, shard(4)));
		expect(fetchedNames().filter((n) => n.endsWith('.bin'))).toHaveLength(SHARDS);
		expect(await store.inspect(spec)).toEqual({
			id: REPO,
			state: 'complete',
			bytesStored: totalFixtureBytes(),
			bytesTotal: totalFixtureBytes(),
			missingFiles: 0,
			brokenFiles: 0
		});
	});

	it('reports progress that only grows and ends at exactly 1', async () => {
		const events: DownloadProgress[] = [];
		await store.download(spec, (p) => events.push(p));

		expect(events.length).toBeGreaterThan(SHARDS);
		for (let i = 1; i < events.length; i++) {
			const [before, after] = [events[i - 1]!, events[i]!];
			expect(after.fraction).toBeGreaterThanOrEqual(before.fraction);
			expect(after.loadedBytes).toBeGreaterThanOrEqual(before.loadedBytes);
			expect(after.filesDone).toBeGreaterThanOrEqual(before.filesDone);
			expect(after.fraction).toBeLessThanOrEqual(1);
		}
		expect(events[0]!.totalBytes).toBe(totalFixtureBytes());
		const last = events.at(-1)!;
		expect(last).toMatchObject({
			fraction: 1,
			loadedBytes: totalFixtureBytes(),
			totalBytes: totalFixtureBytes(),
			filesDone: SHARDS + 4,
			filesTotal: SHARDS + 4,
			resumedBytes: 0,
			etaSeconds: 0
		});
		expect(events.some((e) => e.file === shard(0))).toBe(true);
	});

	it('resumes an interrupted download, fetching only the files still missing', async () => {
		fixture.setFault(pathOf(shard(3)), 'drop-once');
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('model_download_failed');
		expect(error.message).toContain(shard(3));
		expect(error.message).toContain('dropped');

		const afterFirst = await store.inspect(spec);
		expect(afterFirst.state).toBe('partial');
		expect(afterFirst.missingFiles).toBeGreaterThanOrEqual(1);
		const storedBefore = new Set(await entryUrls('webllm/model'));
		expect(storedBefore.has(fileUrl(shard(3)))).toBe(false);

		fixture.requests.length = 0;
		const events: DownloadProgress[] = [];
		const result = await store.download(spec, (p) => events.push(p));
		expect(result.state).toBe('complete');
		const refetched = fixture.requests.map((r) => new URL(r.path, fixture.url).href);
		expect(refetched).toContain(fileUrl(shard(3)));
		for (const url of refetched) expect(storedBefore.has(url)).toBe(false);
		expect(new Set(refetched).size).toBe(refetched.length);
		expect(fetchedNames()).not.toContain('tensor-cache.json');
		expect(fetchedNames()).not.toContain('mlc-chat-config.json');
		expect(events[0]!.resumedBytes).toBeGreaterThan(0);
		expect(events.at(-1)!.fraction).toBe(1);
		expect(await store.inspect(spec)).toMatchObject({ state: 'complete', missingFiles: 0 });
	});

	it('repairs a truncated shard put straight into the cache, and only that shard', async () => {
		await store.download(spec, () => {});
		const model = await caches.open('webllm/model');
		await model.put(
			fileUrl(shard(2)),
			new Response(fixture.body(REPO, shard(2)).slice(0, 1000), {
				headers: { 'Content-Length': '1000' }
			})
		);
		expect(await store.inspect(spec)).toMatchObject({
			state: 'broken',
			brokenFiles: 1,
			missingFiles: 0
		});

		fixture.requests.length = 0;
		const events: DownloadProgress[] = [];
		await store.download(spec, (p) => events.push(p));
		expect(fetchedNames()).toEqual([shard(2)]);
		expect(events.at(-1)!.resumedBytes).toBe(totalFixtureBytes() - SHARD_BYTES);
		const repaired = await model.match(fileUrl(shard(2)));
		expect(new Uint8Array(await repaired!.arrayBuffer())).toEqual(fixture.body(REPO, shard(2)));
		expect((await store.inspect(spec)).state).toBe('complete');
	});

	it('repairs a tokenizer that is not JSON and a config of the wrong shape', async () => {
		await store.download(spec, () => {});
		await (
			await caches.open('webllm/model')
		).put(fileUrl('tokenizer.json'), new Response('{"model": {"vocab": '));
		await (
			await caches.open('webllm/config')
		).put(fileUrl('mlc-chat-config.json'), new Response('{"model_type": "qwen2"}'));
		expect(await store.inspect(spec)).toMatchObject({ state: 'broken', brokenFiles: 2 });

		fixture.requests.length = 0;
		await store.download(spec, () => {});
		expect(fetchedNames().sort()).toEqual(['mlc-chat-config.json', 'tokenizer.json']);
		expect((await store.inspect(spec)).state).toBe('complete');
	});

	it('names the file and the status when the server answers 404', async () => {
		fixture.setFault(pathOf(shard(3)), '404');
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('model_download_failed');
		expect(error.message).toContain(`${fileUrl(shard(3))} answered 404`);
	});

	it('says the host when the server cannot be reached', async () => {
		const closed = await startMlcFixture();
		const url = closed.url;
		await closed.close();
		const away = { ...spec, modelUrl: `${url}/models/${REPO}/resolve/main/` };
		const error = await caught(store.download(away, () => {}));
		expect(error.code).toBe('model_download_failed');
		expect(error.message).toContain(`could not reach ${new URL(url).host}`);
	});

	it('rejects a manifest that is not JSON or has the wrong shape, storing nothing', async () => {
		fixture.setFault(pathOf('tensor-cache.json'), 'corrupt');
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('model_corrupt');
		expect(error.message).toContain(
			`${fileUrl('tensor-cache.json')} is not a valid model manifest`
		);
		expect(await entryUrls('webllm/model')).toEqual([]);
		expect(fetchedNames().some((n) => n.endsWith('.bin'))).toBe(false);

		fixture.clearFaults();
		fixture.setFault(pathOf('mlc-chat-config.json'), 'corrupt');
		const fresh = new ModelStore({ caches: new MemoryCacheStorage() });
		const configError = await caught(fresh.download(spec, () => {}));
		expect(configError.code).toBe('model_corrupt');
		expect(configError.message).toContain('mlc-chat-config.json is not a valid model manifest');
	});

	it('retries a shard of the wrong size once, then reports it corrupt without storing it', async () => {
		fixture.setFault(pathOf(shard(1)), 'corrupt');
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('model_corrupt');
		expect(error.message).toContain(shard(1));
		expect(fetchedNames().filter((n) => n === shard(1))).toHaveLength(2);
		expect(await entryUrls('webllm/model')).not.toContain(fileUrl(shard(1)));
	});

	it('never stores a file whose connection ends before its Content-Length', async () => {
		fixture.setFault(pathOf(shard(5)), 'short');
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('model_download_failed');
		expect(error.message).toContain(shard(5));
		expect(await entryUrls('webllm/model')).not.toContain(fileUrl(shard(5)));
		expect((await store.inspect(spec)).brokenFiles).toBe(0);
	});

	it('stops promptly when cancelled and keeps the files already done', async () => {
		fixture.setFault(pathOf(shard(5)), 'slow');
		const controller = new AbortController();
		const done = store.download(
			spec,
			(p) => {
				if (p.file === shard(5) && p.filesDone >= SHARDS + 3) controller.abort();
			},
			controller.signal
		);
		const error = await caught(done);
		expect(error.code).toBe('aborted');
		// Stopped without waiting for the slow shard (SHARD_BYTES / 1 KB × 50 ms ≈ 3 s): when the
		// download settled its answer was still coming, and the connection closes unfinished.
		const slow = fixture.requests.find((r) => r.path === pathOf(shard(5)));
		expect(slow?.finished).not.toBe(true);
		await expect.poll(() => slow?.finished).toBe(false);
		const after = await store.inspect(spec);
		expect(after).toMatchObject({ state: 'partial', missingFiles: 1, brokenFiles: 0 });
		expect(after.bytesStored).toBe(totalFixtureBytes() - SHARD_BYTES);
	});

	it('rejects at once when the signal is already aborted', async () => {
		const error = await caught(store.download(spec, () => {}, AbortSignal.abort()));
		expect(error.code).toBe('aborted');
		expect(fixture.requests).toHaveLength(0);
	});

	it('reports quota_exceeded with the space still needed when storage runs out', async () => {
		caches = new MemoryCacheStorage({ quotaBytes: 3 * SHARD_BYTES });
		store = new ModelStore({ caches });
		const error = await caught(store.download(spec, () => {}));
		expect(error.code).toBe('quota_exceeded');
		expect(error.message).toMatch(/needs about \d+(\.\d)? KB more free space/);
		const needed = Number(/about (\d+(?:\.\d)?) KB/.exec(error.message)![1]) * 1000;
		expect(needed).toBeGreaterThan(SHARD_BYTES);
		expect(needed).toBeLessThanOrEqual(totalFixtureBytes());
	});
});

describe('ModelStore.inspect', () => {
	it('says absent for an empty cache and partial when only the config is stored', async () => {
		expect(await store.inspect(spec)).toEqual({
			id: REPO,
			state: 'absent',
			bytesStored: 0,
			missingFiles: 4,
			brokenFiles: 0
		});
		const config = fixture.body(REPO, 'mlc-chat-config.json');
		await (
			await caches.open('webllm/config')
		).put(fileUrl('mlc-chat-config.json'), new Response(config));
		expect(await store.inspect(spec)).toEqual({
			id: REPO,
			state: 'partial',
			bytesStored: config.length,
			missingFiles: 3,
			brokenFiles: 0
		});
		expect(fixture.requests).toHaveLength(0);
	});
});

describe('ModelStore.inspect on entries web-llm stored itself', () => {
	it('accepts a body longer than a compressed Content-Length, not a shorter one', async () => {
		await store.download(spec, () => {});
		const model = await caches.open('webllm/model');
		const tokenizer = fixture.body(REPO, 'tokenizer.json');
		// What `cache.add` keeps for a gzip-served file: the compressed length, the decoded body.
		await model.put(
			fileUrl('tokenizer.json'),
			new Response(tokenizer, { headers: { 'Content-Length': String(tokenizer.length - 100) } })
		);
		expect((await store.inspect(spec)).state).toBe('complete');

		// A library (not JSON, no manifest size) cut short of its Content-Length is broken.
		const wasm = new Uint8Array(await (await fetch(fixture.libUrl(LIB))).arrayBuffer());
		await (
			await caches.open('webllm/wasm')
		).put(
			fixture.libUrl(LIB),
			new Response(wasm.slice(0, -100), { headers: { 'Content-Length': String(wasm.length) } })
		);
		expect(await store.inspect(spec)).toMatchObject({ state: 'broken', brokenFiles: 1 });
	});
});

describe('ModelStore.delete', () => {
	it('removes every entry of the model and its library when no other stored model uses it', async () => {
		const other = specFor('Other-0.1B-q4f32_1-MLC', 'Other-webgpu.wasm');
		await store.download(spec, () => {});
		await store.download(other, () => {});
		// A stray file under the folder (e.g. from an older web-llm) goes too.
		await (await caches.open('webllm/model')).put(fileUrl('tokenizer.model'), new Response('x'));

		await store.delete(spec, [other]);
		expect((await store.inspect(spec)).state).toBe('absent');
		for (const name of ['webllm/config', 'webllm/model', 'webllm/wasm']) {
			for (const url of await entryUrls(name)) {
				expect(url.startsWith(fixture.modelUrl(REPO))).toBe(false);
				expect(url).not.toBe(fixture.libUrl(LIB));
			}
		}
		expect((await store.inspect(other)).state).toBe('complete');
	});

	it('keeps a library that another stored model still uses', async () => {
		const sibling = specFor('Sibling-0.1B-q4f32_1-MLC');
		await store.download(spec, () => {});
		await store.download(sibling, () => {});
		await store.delete(spec, [spec, sibling]);
		expect((await store.inspect(spec)).state).toBe('absent');
		expect(await entryUrls('webllm/wasm')).toEqual([fixture.libUrl(LIB)]);
		expect((await store.inspect(sibling)).state).toBe('complete');

		await store.delete(sibling, [spec]);
		expect(await entryUrls('webllm/wasm')).toEqual([]);
		expect(caches.usedBytes).toBe(0);
	});
});
