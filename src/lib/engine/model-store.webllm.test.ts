// The keys the model store writes must be exactly the ones web-llm 0.2.86 reads, or web-llm
// downloads the model again (or worse, loads a mix). This runs web-llm's own cache code against
// what the store wrote: the in-memory Cache Storage stands in for `caches`, and the network is off.
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { deleteModelAllInfoInCache, hasModelInCache, MLCEngine } from '@mlc-ai/web-llm';
import type { AppConfig } from '@mlc-ai/web-llm';
import { MemoryCache, MemoryCacheStorage } from '$lib/engine/memory-cache';
import { ModelStore } from '$lib/engine/model-store';
import type { WebModelSpec } from '$lib/protocol/llm';
import { startMlcFixture } from '../../../tests/fixtures/mlc-fixture.js';
import type { MlcFixture } from '../../../tests/fixtures/mlc-fixture.js';

const REPO = 'Fixture-0.1B-Instruct-q4f16_1-MLC';

let fixture: MlcFixture;
let spec: WebModelSpec;
let appConfig: AppConfig;

beforeAll(async () => {
	fixture = await startMlcFixture({ shards: 5, shardBytes: 2048 });
	spec = {
		id: REPO,
		modelUrl: fixture.modelUrl(REPO),
		modelLibUrl: fixture.libUrl('Fixture-q4f16_1_cs1k-webgpu.wasm'),
		contextWindow: 4096,
		requiredFeatures: ['shader-f16'],
		vramMB: 100
	};
	// The record the in-browser engine gives web-llm for a spec: no model_manifest.
	appConfig = {
		model_list: [{ model: spec.modelUrl, model_id: spec.id, model_lib: spec.modelLibUrl }]
	};
});
afterAll(async () => {
	await fixture?.close();
});
afterEach(() => {
	vi.unstubAllGlobals();
	vi.restoreAllMocks();
});

/** Downloads with the store, then makes the result web-llm's `caches` with the network off. */
async function storedOffline(): Promise<{ caches: MemoryCacheStorage; fetched: string[] }> {
	const caches = new MemoryCacheStorage();
	await new ModelStore({ caches }).download(spec, () => {});
	const fetched: string[] = [];
	vi.stubGlobal('caches', caches);
	vi.stubGlobal('location', { origin: 'http://hearth.test' });
	vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
		fetched.push(typeof input === 'string' ? input : 'url' in input ? input.url : input.href);
		throw new TypeError('fetch failed: the network is off in this test');
	});
	return { caches, fetched };
}

function allKeys(caches: MemoryCacheStorage): string[] {
	return [...caches.caches.entries()].flatMap(([name, cache]) =>
		[...cache.entries.keys()].map((url) => `${name} ${url}`)
	);
}

it('writes the keys web-llm derives from the same config and tensor-cache.json', async () => {
	const { caches } = await storedOffline();
	// web-llm's derivation (reloadInternal, asyncLoadTokenizer, fetchTensorCache):
	const base = fixture.modelUrl(REPO);
	const config = JSON.parse(new TextDecoder().decode(fixture.body(REPO, 'mlc-chat-config.json')));
	const tensors = JSON.parse(new TextDecoder().decode(fixture.body(REPO, 'tensor-cache.json')));
	const tokenizer = config.tokenizer_files.includes('tokenizer.json')
		? 'tokenizer.json'
		: 'tokenizer.model';
	const expected = [
		`webllm/config ${new URL('mlc-chat-config.json', base).href}`,
		`webllm/wasm ${spec.modelLibUrl}`,
		`webllm/model ${new URL(tokenizer, base).href}`,
		`webllm/model ${new URL('tensor-cache.json', base).href}`,
		...tensors.records.map(
			(r: { dataPath: string }) =>
				`webllm/model ${new URL(r.dataPath, new URL('.', new URL('tensor-cache.json', base))).href}`
		)
	];
	expect(allKeys(caches).sort()).toEqual(expected.sort());
});

it("satisfies web-llm's hasModelInCache and its reload reads config and library from the cache", async () => {
	const { fetched } = await storedOffline();
	expect(await hasModelInCache(spec.id, appConfig)).toBe(true);

	const matched: string[] = [];
	const match = MemoryCache.prototype.match;
	vi.spyOn(MemoryCache.prototype, 'match').mockImplementation(async function (
		this: MemoryCache,
		request
	) {
		const found = await match.call(this, request);
		matched.push(
			`${typeof request === 'string' ? request : 'url' in request ? request.url : request.href} ${found ? 'hit' : 'miss'}`
		);
		return found;
	});
	// reload fails once it has both files, when it starts the library, without having asked the
	// network for anything. (In Node that start stops at once: web-llm's loader reads __dirname,
	// which ES modules lack, before it could find the fixture library is not wasm.)
	await expect(new MLCEngine({ appConfig }).reload(spec.id)).rejects.toThrow(
		'__dirname is not defined'
	);
	expect(matched).toContain(`${new URL('mlc-chat-config.json', spec.modelUrl).href} hit`);
	expect(matched).toContain(`${spec.modelLibUrl} hit`);
	expect(matched.filter((m) => m.endsWith('miss'))).toEqual([]);
	expect(fetched).toEqual([]);
});

it('is found incomplete by web-llm when a shard is missing (the test can fail)', async () => {
	const { caches } = await storedOffline();
	const shard = new URL('params_shard_3.bin', spec.modelUrl).href;
	await (await caches.open('webllm/model')).delete(shard);
	expect(await hasModelInCache(spec.id, appConfig)).toBe(false);
});

it("leaves only tensor-cache.json after web-llm's own deleteModelAllInfoInCache", async () => {
	const { caches } = await storedOffline();
	expect(allKeys(caches)).toHaveLength(9);
	await deleteModelAllInfoInCache(spec.id, appConfig);
	// web-llm 0.2.86 deletes the shards but never tensor-cache.json itself; every other key the
	// store wrote is one web-llm knows. (ModelStore.delete removes tensor-cache.json too.)
	expect(allKeys(caches)).toEqual([
		`webllm/model ${new URL('tensor-cache.json', spec.modelUrl).href}`
	]);
});
