import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownloadProgress } from '$lib/engine/download-progress';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import { findEmbedModel } from '$lib/knowledge/embed-catalog';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import {
	deleteEmbedModel,
	downloadEmbedModel,
	embedCacheKey,
	hubFileUrl,
	isEmbedModelDownloaded
} from '$lib/knowledge/embed-download';
import type { NetFetch, NetPurpose } from '$lib/net/types';
import { EMBED_CACHE_NAME } from '$lib/protocol/embed';
import type { EmbedCalls, EmbedFromWorker } from '$lib/protocol/embed';
import { HearthError } from '$lib/types/errors';
import { createEmbedHost, readOnlyModelCache } from '$workers/embed-host';
import {
	dot,
	realTransformers,
	requireSharedModels,
	rows,
	startFakeHub,
	TEST_MODEL_DIR
} from '$workers/embed-test-kit';
import type { FakeHub } from '$workers/embed-test-kit';

// The download against a fake hub serving the generated bow-embedder, into an in-memory Cache
// Storage; then the real transformers.js pipeline loads the model from that cache alone.

const MODEL = findEmbedModel('hearth-test/bow-embedder') as EmbedModelInfo;
const fileBytes = (file: string) => statSync(path.join(TEST_MODEL_DIR, file)).size;

let hub: FakeHub | undefined;
afterEach(async () => {
	await hub?.close();
	hub = undefined;
});

function ledgered() {
	const entries: (NetPurpose & { url: string })[] = [];
	const net: NetFetch = (url, init, meta) => {
		entries.push({ url, ...meta });
		return fetch(url, init);
	};
	return { net, entries };
}

const failure = (p: Promise<unknown>) =>
	p.then(
		() => undefined,
		(e: unknown) => (e instanceof HearthError ? { code: e.code, message: e.message } : e)
	);

describe('downloadEmbedModel', () => {
	it('stores every file under the key transformers.js reads, with progress and the ledger', async (ctx) => {
		requireSharedModels(ctx);
		hub = await startFakeHub();
		const caches = new MemoryCacheStorage();
		const { net, entries } = ledgered();
		const progress: DownloadProgress[] = [];
		const result = await downloadEmbedModel(MODEL, {
			hubUrl: hub.url,
			net,
			caches,
			onProgress: (p) => progress.push(p)
		});
		const total = MODEL.files.reduce((sum, f) => sum + fileBytes(f), 0);
		expect(result).toEqual({ bytes: total, resumedBytes: 0 });
		expect(entries.map((e) => e.url).sort()).toEqual(
			MODEL.files.map((f) => hubFileUrl(hub?.url ?? '', MODEL.id, f)).sort()
		);
		for (const e of entries) expect(e.purpose).toBe(`embedding model download: ${MODEL.name}`);
		const fractions = progress.map((p) => p.fraction);
		expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
		expect(progress.at(-1)).toMatchObject({ fraction: 1, loadedBytes: total, totalBytes: total });
		const cache = await caches.open(EMBED_CACHE_NAME);
		const onnx = await cache.match(embedCacheKey(MODEL.id, 'onnx/model_quantized.onnx'));
		expect((await onnx?.arrayBuffer())?.byteLength).toBe(fileBytes('onnx/model_quantized.onnx'));
		expect(await isEmbedModelDownloaded(MODEL, caches)).toBe(true);
	}, 30_000);

	it('the real pipeline then loads the model from the cache alone', async (ctx) => {
		requireSharedModels(ctx);
		hub = await startFakeHub();
		const caches = new MemoryCacheStorage();
		await downloadEmbedModel(MODEL, { hubUrl: hub.url, net: ledgered().net, caches });
		await hub.close();
		hub = undefined;
		const results = new Map<number, EmbedFromWorker>();
		const host = createEmbedHost({
			loadLibrary: realTransformers,
			probeWebGpu: async () => ({ ok: false, reason: 'none in Node' }),
			// Nothing is served: the files can only come from the cache.
			localModelPath: `${mkdtempSync(path.join(tmpdir(), 'hearth-empty-'))}/`,
			cache: readOnlyModelCache(() => caches.open(EMBED_CACHE_NAME)),
			wasmDeviceName: 'cpu',
			post: (m) => {
				if (m.type === 'result') results.set(m.id, m);
			}
		});
		host.handle({
			type: 'call',
			id: 1,
			call: 'load',
			params: { model: { id: MODEL.id, dtype: 'q8', device: 'auto' } }
		});
		host.handle({
			type: 'call',
			id: 2,
			call: 'embed',
			params: { modelId: MODEL.id, texts: ['the red apple', 'a red apple pie', 'tax forms'] }
		});
		await expect.poll(() => results.get(2), { timeout: 20_000 }).toBeDefined();
		expect(results.get(1)).toMatchObject({ ok: true, value: { dims: 128 } });
		const embedded = results.get(2);
		if (embedded?.type !== 'result' || !embedded.ok) throw new Error(JSON.stringify(embedded));
		const [apple, pie, tax] = rows((embedded.value as EmbedCalls['embed']['result']).data, 128);
		if (!apple || !pie || !tax) throw new Error('three vectors expected');
		expect(dot(apple, pie)).toBeGreaterThan(dot(apple, tax));
	}, 30_000);

	it('resumes: stored files are not fetched again', async (ctx) => {
		requireSharedModels(ctx);
		hub = await startFakeHub();
		const caches = new MemoryCacheStorage();
		hub.statuses.set('onnx/model_quantized.onnx', 503);
		const first = await failure(
			downloadEmbedModel(MODEL, { hubUrl: hub.url, net: ledgered().net, caches })
		);
		expect(first).toMatchObject({
			code: 'model_download_failed',
			message: expect.stringContaining('503')
		});
		expect(await isEmbedModelDownloaded(MODEL, caches)).toBe(false);

		hub.statuses.clear();
		hub.requests.length = 0;
		const again = await downloadEmbedModel(MODEL, { hubUrl: hub.url, net: ledgered().net, caches });
		expect(again.bytes).toBeGreaterThan(fileBytes('onnx/model_quantized.onnx'));
		const done = await downloadEmbedModel(MODEL, { hubUrl: hub.url, net: ledgered().net, caches });
		expect(done.resumedBytes).toBe(done.bytes);
		expect(hub.requests.filter((r) => r.endsWith('.onnx'))).toHaveLength(1);
		expect(await deleteEmbedModel(MODEL, caches)).toBe(MODEL.files.length);
		expect(await isEmbedModelDownloaded(MODEL, caches)).toBe(false);
	}, 30_000);

	it('a damaged file is model_corrupt and is not stored', async (ctx) => {
		requireSharedModels(ctx);
		hub = await startFakeHub();
		hub.garbled.add('config.json');
		const caches = new MemoryCacheStorage();
		const error = await failure(
			downloadEmbedModel(MODEL, { hubUrl: hub.url, net: ledgered().net, caches })
		);
		expect(error).toMatchObject({
			code: 'model_corrupt',
			message: expect.stringContaining('config.json')
		});
		const cache = await caches.open(EMBED_CACHE_NAME);
		expect(await cache.match(embedCacheKey(MODEL.id, 'config.json'))).toBeUndefined();
	}, 30_000);

	it('an unreachable hub is model_download_failed naming the host', async () => {
		const error = await failure(
			downloadEmbedModel(MODEL, {
				hubUrl: 'http://127.0.0.1:9/',
				net: ledgered().net,
				caches: new MemoryCacheStorage()
			})
		);
		expect(error).toMatchObject({
			code: 'model_download_failed',
			message: expect.stringContaining('127.0.0.1:9')
		});
	});

	it('cancel stops mid-file with aborted and stores no partial file', async (ctx) => {
		requireSharedModels(ctx);
		hub = await startFakeHub();
		hub.stalled.add('onnx/model_quantized.onnx');
		const caches = new MemoryCacheStorage();
		const controller = new AbortController();
		const download = failure(
			downloadEmbedModel(MODEL, {
				hubUrl: hub.url,
				net: ledgered().net,
				caches,
				signal: controller.signal
			})
		);
		// The stalled file never finishes, so this lands mid-file.
		setTimeout(() => controller.abort(), 300);
		expect(await download).toMatchObject({ code: 'aborted' });
		const cache = await caches.open(EMBED_CACHE_NAME);
		expect(await cache.match(embedCacheKey(MODEL.id, 'onnx/model_quantized.onnx'))).toBeUndefined();
		// The small files that did arrive whole are kept for the next try.
		expect(await cache.match(embedCacheKey(MODEL.id, 'config.json'))).toBeDefined();
	}, 30_000);
});
