import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type {
	EmbedCallName,
	EmbedCalls,
	EmbedFromWorker,
	EmbedModelSpec,
	EmbedProgress
} from '$lib/protocol/embed';
import { EMBED_CACHE_ORIGIN } from '$lib/protocol/embed';
import { HearthError } from '$lib/types/errors';
import { createEmbedHost, readOnlyModelCache, toSerializedEmbedError } from '$workers/embed-host';
import type { EmbedHost, EmbedHostDeps, TransformersLike, WebGpuProbe } from '$workers/embed-host';
import {
	dot,
	realTransformers,
	requireSharedModels,
	rows,
	SHARED_MODELS,
	TEST_MODEL
} from '$workers/embed-test-kit';
import type { Posted } from '$workers/embed-test-kit';

// The host against the real transformers.js pipeline and the generated bow-embedder (a random
// projection of word pieces: texts sharing words score closer). Only WebGPU is a stand-in.

const SPEC: EmbedModelSpec = { id: TEST_MODEL, dtype: 'q8', device: 'auto' };
const NO_GPU: WebGpuProbe = { ok: false, reason: 'no WebGPU adapter was found' };

interface Harness {
	host: EmbedHost;
	posted: Posted[];
	call<K extends EmbedCallName>(
		call: K,
		params: EmbedCalls[K]['params']
	): { id: number; done: Promise<EmbedCalls[K]['result']>; progress: EmbedProgress[] };
}

function harness(overrides: Partial<EmbedHostDeps> = {}): Harness {
	const posted: Posted[] = [];
	const waiting = new Map<
		number,
		{ resolve: (v: unknown) => void; reject: (e: unknown) => void }
	>();
	const progressOf = new Map<number, EmbedProgress[]>();
	let nextId = 1;
	const host = createEmbedHost({
		loadLibrary: realTransformers,
		probeWebGpu: async () => NO_GPU,
		localModelPath: `${SHARED_MODELS}/`,
		wasmDeviceName: 'cpu',
		post: (message: EmbedFromWorker, transfer?: Transferable[]) => {
			posted.push({ message, transfer });
			if (message.type === 'progress') progressOf.get(message.id)?.push(message.progress);
			if (message.type !== 'result') return;
			const pending = waiting.get(message.id);
			waiting.delete(message.id);
			if (message.ok) pending?.resolve(message.value);
			else pending?.reject(new HearthError(message.error.code, message.error.message));
		},
		...overrides
	});
	return {
		host,
		posted,
		call(call, params) {
			const id = nextId++;
			const progress: EmbedProgress[] = [];
			progressOf.set(id, progress);
			// The reply to call K carries K's result: the protocol's map says so.
			const done = new Promise<unknown>((resolve, reject) => waiting.set(id, { resolve, reject }));
			// `call` and `params` are tied by K; the request union cannot see that through it.
			host.handle({ type: 'call', id, call, params } as never);
			return { id, done: done as Promise<EmbedCalls[typeof call]['result']>, progress };
		}
	};
}

const codeOf = (p: Promise<unknown>) =>
	p.then(
		() => 'resolved',
		(e: unknown) => (e instanceof HearthError ? e.code : String(e))
	);

describe('embed host with the real transformers.js pipeline', () => {
	it('loads the test model on WASM when there is no WebGPU, saying why', async (ctx) => {
		requireSharedModels(ctx);
		const { call } = harness();
		const load = call('load', { model: SPEC });
		const result = await load.done;
		expect(result).toMatchObject({ dims: 128, device: 'wasm', fallbackReason: NO_GPU.reason });
		expect(result.loadMs).toBeGreaterThan(0);
		// The same model again is already there.
		expect((await call('load', { model: SPEC }).done).loadMs).toBe(0);
	}, 30_000);

	it('embeds: normalised 128-d vectors, texts sharing words closer, buffer transferred', async (ctx) => {
		requireSharedModels(ctx);
		const { call, posted } = harness();
		await call('load', { model: SPEC }).done;
		const texts = [
			'The cat sat on the mat.',
			'A cat was sitting on a mat.',
			'Quarterly budget report for finance.'
		];
		const result = await call('embed', { modelId: TEST_MODEL, texts }).done;
		expect(result).toMatchObject({ count: 3, dims: 128 });
		expect(result.data).toBeInstanceOf(Float32Array);
		const [cat, cat2, budget] = rows(result.data, 128);
		if (!cat || !cat2 || !budget) throw new Error('three vectors expected');
		for (const v of [cat, cat2, budget]) expect(dot(v, v)).toBeCloseTo(1, 4);
		expect(dot(cat, cat2)).toBeGreaterThan(dot(cat, budget) + 0.2);
		const last = posted.at(-1);
		expect(last?.transfer?.[0]).toBe(result.data.buffer);
		// Empty input is an empty answer, not a library error.
		expect((await call('embed', { modelId: TEST_MODEL, texts: [] }).done).count).toBe(0);
	}, 30_000);

	it('falls back to WASM when WebGPU is there but the model fails on it', async (ctx) => {
		requireSharedModels(ctx);
		const devices: string[] = [];
		const { call } = harness({
			probeWebGpu: async () => ({ ok: true }),
			loadLibrary: async (): Promise<TransformersLike> => {
				const real = await realTransformers();
				return {
					env: real.env,
					createExtractor: (model, options) => {
						devices.push(options.device);
						if (options.device === 'webgpu') throw new Error('Unsupported op: FastGelu');
						return real.createExtractor(model, options);
					}
				};
			}
		});
		const result = await call('load', { model: SPEC }).done;
		expect(devices).toEqual(['webgpu', 'cpu']);
		expect(result.device).toBe('wasm');
		expect(result.fallbackReason).toContain('Unsupported op: FastGelu');
		// Asked for WebGPU only: the failure is the answer.
		const strict = call('load', { model: { ...SPEC, device: 'webgpu' } });
		expect(await codeOf(strict.done)).toBe('unknown');
	}, 30_000);

	it('refuses WebGPU-only when there is none', async () => {
		const { call } = harness();
		const load = call('load', { model: { ...SPEC, device: 'webgpu' } });
		expect(await codeOf(load.done)).toBe('webgpu_unavailable');
	});

	it('a model that is neither served nor downloaded is model_not_downloaded', async () => {
		const empty = mkdtempSync(path.join(tmpdir(), 'hearth-models-'));
		const { call } = harness({ localModelPath: `${empty}/` });
		const load = call('load', { model: SPEC });
		await expect(load.done).rejects.toMatchObject({
			code: 'model_not_downloaded',
			message: expect.stringContaining('not downloaded')
		});
	}, 30_000);

	it('embedding before loading names the model', async () => {
		const { call } = harness();
		await expect(call('embed', { modelId: 'x/y', texts: ['a'] }).done).rejects.toMatchObject({
			code: 'model_not_found'
		});
	});

	it('a queued call cancelled answers aborted at once; the running one still finishes', async (ctx) => {
		requireSharedModels(ctx);
		const { call, host } = harness();
		const load = call('load', { model: SPEC });
		const queued = call('embed', { modelId: TEST_MODEL, texts: ['never run'] });
		host.handle({ type: 'cancel', id: queued.id });
		expect(await codeOf(queued.done)).toBe('aborted');
		expect((await load.done).dims).toBe(128);
		// A running embed that is cancelled answers aborted, not its vectors.
		const running = call('embed', { modelId: TEST_MODEL, texts: ['some words'] });
		host.handle({ type: 'cancel', id: running.id });
		expect(await codeOf(running.done)).toBe('aborted');
		// The host is still usable.
		expect((await call('embed', { modelId: TEST_MODEL, texts: ['a'] }).done).count).toBe(1);
	}, 30_000);
});

describe('readOnlyModelCache', () => {
	it('answers only downloaded keys and never stores', async () => {
		const seen: string[] = [];
		const cache = readOnlyModelCache(async () => ({
			match: async (key: string) => {
				seen.push(key);
				return new Response('x');
			}
		}));
		expect(await cache.match('/models/a/b/config.json')).toBeUndefined();
		const key = `${EMBED_CACHE_ORIGIN}a/b/resolve/main/config.json`;
		expect(await cache.match(key)).toBeInstanceOf(Response);
		await cache.put(key, new Response('y'));
		expect(seen).toEqual([key]);
	});
});

describe('toSerializedEmbedError', () => {
	it('maps the library wording to codes', () => {
		expect(
			toSerializedEmbedError(new Error('file was not found locally at "/models/x"'), 'X').code
		).toBe('model_not_downloaded');
		expect(toSerializedEmbedError(new Error('Protobuf parsing failed.')).code).toBe(
			'model_corrupt'
		);
		expect(toSerializedEmbedError(new HearthError('aborted', 'Stopped.'))).toEqual({
			code: 'aborted',
			message: 'Stopped.'
		});
		expect(toSerializedEmbedError('boom')).toEqual({
			code: 'unknown',
			message: 'The embedding model failed: boom'
		});
	});
});
