import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import {
	deleteHubModel,
	downloadHubModel,
	hubCacheKey,
	hubFileUrl,
	isHubModelDownloaded,
	isServedModel
} from '$lib/models/hub-download';
import type { HubDownloadOptions, HubModel } from '$lib/models/hub-download';
import type { NetFetch } from '$lib/net/types';
import { HearthError } from '$lib/types/errors';
import { findWhisperModel } from '$lib/voice/whisper-catalog';
import { ECHO_WHISPER, requireEchoWhisper, startFakeHub } from '$workers/embed-test-kit';
import type { FakeHub } from '$workers/embed-test-kit';

// The shared download (embeddings use it through knowledge/embed-download.ts, tested there) with
// a Whisper model's seven files: bounded concurrency, one failure stopping the rest, the quota.

const MODEL: HubModel = findWhisperModel(ECHO_WHISPER) as HubModel;
const CACHE = 'test-models';

let hub: FakeHub | undefined;
afterEach(async () => {
	await hub?.close();
	hub = undefined;
});

const net: NetFetch = (url, init) => fetch(url, init);

function options(extra: Partial<HubDownloadOptions> = {}): HubDownloadOptions {
	return {
		hubUrl: hub?.url ?? '',
		net,
		caches: new MemoryCacheStorage(),
		purpose: 'test download',
		...extra
	};
}

const failure = (p: Promise<unknown>) =>
	p.then(
		() => undefined,
		(e: unknown) => (e instanceof HearthError ? { code: e.code, message: e.message } : e)
	);

describe('downloadHubModel', () => {
	it('keys files the way transformers.js asks for them, whatever the hub', () => {
		expect(hubFileUrl('http://mirror.local/hf', 'a/b', 'onnx/x.onnx')).toBe(
			'http://mirror.local/hf/a/b/resolve/main/onnx/x.onnx'
		);
		expect(hubCacheKey('a/b', 'config.json')).toBe(
			'https://huggingface.co/a/b/resolve/main/config.json'
		);
	});

	it('stores every file, four at a time at most', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		// Every answer waits until the test lets it go, one at a time. Requests are counted where
		// they start: a fifth one would start in the same turn as the first four, before any of
		// them reached the hub, so the count is exact when the hub sees its four (no sleep).
		for (const file of MODEL.files) hub.held.add(file);
		let started = 0;
		const counted: NetFetch = (url, init, meta) => {
			started++;
			return net(url, init, meta);
		};
		const caches = new MemoryCacheStorage();
		const download = downloadHubModel(MODEL, CACHE, options({ caches, net: counted }));
		// A failed check below leaves it waiting: its rejection (at close) is not this test's.
		download.catch(() => {});
		const count = MODEL.files.length;
		for (let released = 0; released < count; released++) {
			const open = Math.min(4, count - released);
			await expect.poll(() => hub?.waiting).toBe(open);
			expect(started).toBe(released + open);
			// The big files go first, so the total is known early.
			if (released === 0) expect(hub.requests[0]).toContain('decoder_model_merged_quantized.onnx');
			hub.releaseOne();
		}
		const result = await download;
		expect(hub.peak).toBe(4);
		expect(hub.requests).toHaveLength(MODEL.files.length);
		expect(result.resumedBytes).toBe(0);
		expect(await isHubModelDownloaded(MODEL, CACHE, caches)).toBe(true);
		expect(await deleteHubModel(MODEL, CACHE, caches)).toBe(MODEL.files.length);
	}, 30_000);

	it('a stopped download keeps no half file: the next one fetches every byte again', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		for (const file of MODEL.files) hub.stalled.add(file);
		const controller = new AbortController();
		const caches = new MemoryCacheStorage();
		const download = failure(
			downloadHubModel(MODEL, CACHE, options({ caches, signal: controller.signal }))
		);
		await expect.poll(() => hub?.requests.length).toBe(4);
		controller.abort();
		expect(await download).toMatchObject({ code: 'aborted' });

		hub.stalled.clear();
		const result = await downloadHubModel(MODEL, CACHE, options({ caches }));
		expect(result.resumedBytes).toBe(0);
		expect(await isHubModelDownloaded(MODEL, CACHE, caches)).toBe(true);
	}, 30_000);

	it('one failing file stops the ones still coming, and is the error', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		hub.stalled.add('onnx/decoder_model_merged_quantized.onnx');
		hub.statuses.set('onnx/encoder_model_quantized.onnx', 404);
		const caches = new MemoryCacheStorage();
		const error = await failure(downloadHubModel(MODEL, CACHE, options({ caches })));
		expect(error).toMatchObject({
			code: 'model_download_failed',
			message: expect.stringMatching(/encoder_model_quantized\.onnx answered 404/)
		});
		const cache = await caches.open(CACHE);
		expect(
			await cache.match(hubCacheKey(MODEL.id, 'onnx/decoder_model_merged_quantized.onnx'))
		).toBeUndefined();
	}, 30_000);

	it('running out of storage is quota_exceeded with the space needed', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		const error = await failure(
			downloadHubModel(
				MODEL,
				CACHE,
				options({ caches: new MemoryCacheStorage({ quotaBytes: 100_000 }) })
			)
		);
		expect(error).toMatchObject({
			code: 'quota_exceeded',
			message: expect.stringContaining('more free space')
		});
	}, 30_000);
});

describe('isServedModel', () => {
	const answering =
		(response: Response | Error): typeof fetch =>
		async () => {
			if (response instanceof Error) throw response;
			return response;
		};

	it('is true only when the config answers as JSON', async () => {
		const json = { headers: { 'Content-Type': 'application/json' } };
		const html = { headers: { 'Content-Type': 'text/html' } };
		expect(await isServedModel('a/b', answering(new Response(null, json)))).toBe(true);
		// A single-page app answers its shell for any path.
		expect(await isServedModel('a/b', answering(new Response(null, html)))).toBe(false);
		expect(
			await isServedModel('a/b', answering(new Response(null, { ...json, status: 404 })))
		).toBe(false);
		expect(await isServedModel('a/b', answering(new TypeError('offline')))).toBe(false);
		const asked: string[] = [];
		await isServedModel('hearth-test/echo-whisper', async (input) => {
			asked.push(String(input));
			return new Response(null, json);
		});
		expect(asked).toEqual(['/models/hearth-test/echo-whisper/config.json']);
	});
});
