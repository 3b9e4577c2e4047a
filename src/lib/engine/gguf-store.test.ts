// The GGUF store against a real HTTP server (the GGUF mirror fixture) serving the real
// stories260K model; the in-memory Cache Storage is the only double, because Node has none.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GGUF_CACHE } from '$lib/engine/gguf-parts';
import { GgufStore } from '$lib/engine/gguf-store';
import type { GgufDownloadSpec } from '$lib/engine/gguf-parts';
import { makeGguf, storiesModel, str } from '$lib/engine/gguf-test-kit';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import type { DownloadProgress } from '$lib/engine/model-store';
import type { NetPurpose } from '$lib/net/types';
import { HearthError } from '$lib/types/errors';
import { startGgufMirror } from '../../../tests/fixtures/gguf-mirror.js';
import type { GgufMirror } from '../../../tests/fixtures/gguf-mirror.js';

const REPO = 'ggml-org/models';
const FILE = 'tinyllamas/stories260K.gguf';
/** 64 KiB parts: the 1.2 MB model is 19 of them, so resume and repair show at part level. */
const PART = 64 * 1024;

const model = storiesModel();
let mirror: GgufMirror;
let caches: MemoryCacheStorage;
let spec: GgufDownloadSpec;

function store(extra: Partial<ConstructorParameters<typeof GgufStore>[0]> = {}) {
	return new GgufStore({ caches, partBytes: PART, ...extra });
}

/** toEqual walks a megabyte element by element; Buffer compares it at once. */
async function bytesOf(blob: Blob | undefined): Promise<Buffer> {
	return Buffer.from(await (blob ?? new Blob([])).arrayBuffer());
}

async function caught(promise: Promise<unknown>): Promise<HearthError> {
	try {
		await promise;
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		return e as HearthError;
	}
	throw new Error('expected a failure');
}

const partRequests = () => mirror.requests.filter((r) => r.path.endsWith('stories260K.gguf'));

beforeAll(async () => {
	mirror = await startGgufMirror();
	if ('bytes' in model) mirror.add(REPO, FILE, model.bytes);
});
afterAll(async () => {
	await mirror?.close();
});
beforeEach(() => {
	caches = new MemoryCacheStorage();
	mirror.requests.length = 0;
	mirror.setFault(REPO, FILE, null);
	spec = {
		id: 'gguf:hf:ggml-org/models:tinyllamas/stories260K.gguf',
		files: [{ name: 'stories260K.gguf', url: `${mirror.url}${REPO}/resolve/main/${FILE}` }]
	};
});

// Real HTTP and a real 1.2 MB model on a shared, loaded machine: seconds, not milliseconds.
describe('GgufStore with the real stories260K', { timeout: 30_000 }, () => {
	it('downloads in range parts with progress, checks the header, and opens the very bytes', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const reports: DownloadProgress[] = [];
		const result = await store().download(spec, (p) => reports.push(p));
		expect(result).toMatchObject({ state: 'complete', bytesStored: model.bytes.length });
		// The first part alone (it sizes the file), then the other 18.
		expect(partRequests()).toHaveLength(19);
		expect(partRequests().every((r) => r.status === 206)).toBe(true);
		expect(partRequests()[0]?.range).toBe(`bytes=0-${PART - 1}`);
		const last = reports.at(-1);
		expect(last).toMatchObject({ loadedBytes: model.bytes.length, totalBytes: model.bytes.length });
		expect(last?.fraction).toBe(1);
		const [blob] = await store().open(spec);
		expect((await bytesOf(blob)).equals(model.bytes)).toBe(true);
		const [header] = await store().headers(spec);
		expect(header).toMatchObject({ architecture: 'llama', contextLength: 2048 });
	});

	it('resumes after a dropped connection, fetching only the missing part again', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		// Part 0 goes through; the request for part 5 is cut half-way, once.
		let cutDone = false;
		const flaky = store({
			fetch: async (input, init) => {
				const range = new Headers(init?.headers).get('Range') ?? '';
				if (!cutDone && range.startsWith(`bytes=${5 * PART}-`)) {
					cutDone = true;
					mirror.setFault(REPO, FILE, 'drop-once');
				}
				return fetch(input, init);
			}
		});
		const failure = await caught(flaky.download(spec, () => {}));
		expect(failure.code).toBe('model_download_failed');
		expect(failure.message).toContain('Finished parts are kept');
		const partial = await store().inspect(spec);
		expect(partial.state).toBe('partial');
		expect(partial.bytesStored).toBeGreaterThan(0);
		const before = partRequests().length;
		const done = await store().download(spec, () => {});
		expect(done.state).toBe('complete');
		// Only what was not stored was fetched again: fewer than all 19 parts.
		const again = partRequests().length - before;
		expect(again).toBeGreaterThanOrEqual(1);
		expect(again).toBeLessThan(19);
		const [blob] = await store().open(spec);
		expect((await bytesOf(blob)).equals(model.bytes)).toBe(true);
	});

	it('repairs a damaged part found in storage', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		await store().download(spec, () => {});
		const cache = await caches.open(GGUF_CACHE);
		const key = `${spec.files[0]!.url}?hearth-gguf=part-3`;
		await cache.put(key, new Response(new Uint8Array(10)));
		expect((await store().inspect(spec)).state).toBe('broken');
		mirror.requests.length = 0;
		await store().download(spec, () => {});
		expect(partRequests().map((r) => r.range)).toEqual([`bytes=${3 * PART}-${4 * PART - 1}`]);
		const [blob] = await store().open(spec);
		expect((await bytesOf(blob)).equals(model.bytes)).toBe(true);
	});

	it('stores a file from a server that ignores Range, part by part', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		mirror.setFault(REPO, FILE, 'no-range');
		const result = await store().download(spec, () => {});
		expect(result.state).toBe('complete');
		expect(partRequests()).toHaveLength(1);
		const [blob] = await store().open(spec);
		expect(blob!.size).toBe(model.bytes.length);
	});

	it('refuses a file cut short on the server, keeping nothing', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		mirror.setFault(REPO, FILE, 'truncate', 600_000);
		const failure = await caught(store().download(spec, () => {}));
		expect(failure.code).toBe('model_corrupt');
		expect(failure.message).toMatch(
			/cut short: it is 600,000 bytes, but its own header needs 1,18\d,\d{3}/
		);
		expect((await store().inspect(spec)).state).toBe('absent');
		expect((await caught(store().open(spec))).code).toBe('model_not_downloaded');
	});

	it('refuses an HTML page at once, after one request', async () => {
		mirror.setFault(REPO, FILE, 'html');
		if ('skip' in model) mirror.add(REPO, FILE, new Uint8Array(100));
		const failure = await caught(store().download(spec, () => {}));
		expect(failure.code).toBe('model_corrupt');
		expect(failure.message).toContain('starts with "<!do" instead of "GGUF"');
		expect(partRequests()).toHaveLength(1);
	});

	it('explains a missing file and a cancelled download', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		mirror.setFault(REPO, FILE, '404');
		const missing = await caught(store().download(spec, () => {}));
		expect(missing).toMatchObject({ code: 'model_download_failed' });
		expect(missing.message).toContain('answered 404');
		mirror.setFault(REPO, FILE, 'slow');
		const controller = new AbortController();
		const running = store().download(
			spec,
			(p) => {
				if (p.loadedBytes > 0) controller.abort();
			},
			controller.signal
		);
		expect((await caught(running)).code).toBe('aborted');
	});

	it('reports a full disk as quota_exceeded with the size needed', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		caches = new MemoryCacheStorage({ quotaBytes: 200_000 });
		const failure = await caught(store().download(spec, () => {}));
		expect(failure.code).toBe('quota_exceeded');
		expect(failure.message).toContain('1.2 MB');
	});

	it('goes through the privacy ledger with the model named, and deletes every part', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const ledger: NetPurpose[] = [];
		const net = (url: string, init: RequestInit, meta: NetPurpose) => {
			ledger.push(meta);
			return fetch(url, init);
		};
		await store({ net }).download(spec, () => {});
		expect(ledger).toHaveLength(19);
		expect(new Set(ledger.map((m) => m.purpose))).toEqual(new Set([`model download: ${spec.id}`]));
		await store().delete(spec);
		const cache = await caches.open(GGUF_CACHE);
		expect(await cache.keys()).toHaveLength(0);
		expect((await store().inspect(spec)).state).toBe('absent');
	});
});

describe('GgufStore imports a picked file', { timeout: 30_000 }, () => {
	it('checks it, stores it in parts, and opens it like a download', async () => {
		const bytes = makeGguf({ 'general.architecture': str('llama') }, [
			{ name: 'w', dims: [64, 1024], type: 0 }
		]);
		const local: GgufDownloadSpec = {
			id: 'gguf:file:1',
			files: [{ name: 'mine.gguf', url: 'https://local.hearth.invalid/1/mine.gguf' }]
		};
		await store().importFiles(local, [new Blob([bytes])], () => {});
		expect((await store().inspect(local)).state).toBe('complete');
		const [blob] = await store().open(local);
		expect((await bytesOf(blob)).equals(bytes)).toBe(true);
		const notGguf = await caught(
			store().importFiles(local, [new Blob(['hello world, not a model at all'])], () => {})
		);
		expect(notGguf.code).toBe('model_corrupt');
	});
});
