import { afterEach, describe, expect, it } from 'vitest';
import { findEmbedModel } from '$lib/knowledge/embed-catalog';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import { Embedder } from '$lib/knowledge/embedder';
import type { EmbedWorkerLike } from '$lib/knowledge/embedder';
import type { EmbedProgress } from '$lib/protocol/embed';
import { HearthError } from '$lib/types/errors';
import { createEmbedHost } from '$workers/embed-host';
import type { ExtractorLike, LibraryEnv, TransformersLike } from '$workers/embed-host';
import {
	dot,
	realTransformers,
	requireSharedModels,
	SHARED_MODELS,
	TEST_MODEL
} from '$workers/embed-test-kit';

// The real Embedder talks to the real host over a real MessageChannel (every message is
// structured-cloned, buffers transferred, as between threads). The library behind the host is
// either the real transformers.js with the generated bow-embedder, or a double whose batches
// wait until the test lets them go, to see the order the worker gets them in.

interface World {
	workers: number;
	/** Batches the library was given, in order. */
	batches: string[][];
	extractorsMade: number;
	/** Batches waiting for the test to let them finish. */
	held: (() => void)[];
	hold: boolean;
	crashNext?: boolean;
	crash?: () => void;
}

const world = (): World => ({ workers: 0, batches: [], extractorsMade: 0, held: [], hold: false });

/** A stand-in library: vector = [number in the text, 1]; with `hold`, each batch waits. */
function heldLibrary(w: World): TransformersLike {
	const env = { backends: { onnx: { wasm: {} } } } as unknown as LibraryEnv;
	return {
		env,
		createExtractor: async () => {
			w.extractorsMade++;
			const run = async (texts: string[]) => {
				// The host's warm-up call ('hello') is not one of the test's batches.
				if (texts[0] !== 'hello') {
					w.batches.push(texts);
					if (w.crashNext) {
						w.crashNext = false;
						w.crash?.();
						return new Promise<never>(() => undefined);
					}
					if (w.hold) await new Promise<void>((resolve) => w.held.push(resolve));
				}
				const data = texts.flatMap((t) => [Number(/\d+/.exec(t)?.[0] ?? 0), 1]);
				return { dims: [texts.length, 2], data };
			};
			return Object.assign(run, { dispose: async () => undefined }) as unknown as ExtractorLike;
		}
	};
}

function startWorker(w: World, library: () => Promise<TransformersLike>): EmbedWorkerLike {
	w.workers++;
	const { port1: page, port2: inside } = new MessageChannel();
	const errorListeners: ((event: Event) => void)[] = [];
	let alive = true;
	const end = () => {
		alive = false;
		page.close();
		inside.close();
	};
	w.crash = () => {
		if (!alive) return;
		end();
		for (const listener of errorListeners) listener(new Event('error'));
	};
	const host = createEmbedHost({
		loadLibrary: library,
		probeWebGpu: async () => ({ ok: false, reason: 'no WebGPU in Node' }),
		localModelPath: `${SHARED_MODELS}/`,
		wasmDeviceName: 'cpu',
		post: (message, transfer) => {
			if (alive) inside.postMessage(message, transfer ?? []);
		}
	});
	inside.addEventListener('message', (event) => {
		if (alive) host.handle(event.data);
	});
	inside.start();
	inside.postMessage({ type: 'ready' });
	return {
		postMessage: (message) => {
			if (alive) page.postMessage(message);
		},
		addEventListener: (type, listener) => {
			if (type === 'message') {
				page.addEventListener('message', listener);
				page.start();
			} else if (type === 'error') {
				errorListeners.push(listener);
			}
		},
		terminate: end
	};
}

const STAND_IN: EmbedModelInfo = {
	...(findEmbedModel(TEST_MODEL) as EmbedModelInfo),
	id: 'test/stand-in',
	queryPrefix: 'query: ',
	passagePrefix: 'passage: '
};
const OTHER: EmbedModelInfo = { ...STAND_IN, id: 'test/other' };
const models = [STAND_IN, OTHER];

let embedder: Embedder | undefined;
afterEach(() => {
	embedder?.dispose();
	embedder = undefined;
});

function heldEmbedder(w: World, batchSize = 2): Embedder {
	embedder = new Embedder({
		createWorker: () => startWorker(w, async () => heldLibrary(w)),
		batchSize,
		findModel: (id) => models.find((m) => m.id === id)
	});
	return embedder;
}

const codeOf = (p: Promise<unknown>) =>
	p.then(
		() => 'resolved',
		(e: unknown) => (e instanceof HearthError ? e.code : String(e))
	);

const numbers = (vectors: Float32Array[]) => vectors.map((v) => v[0]);

describe('Embedder with the real pipeline', () => {
	it('loads the test model on WASM and embeds in batches, in order', async (ctx) => {
		requireSharedModels(ctx);
		const w = world();
		embedder = new Embedder({ createWorker: () => startWorker(w, realTransformers), batchSize: 8 });
		const progress: EmbedProgress[] = [];
		const loaded = await embedder.load(TEST_MODEL, (p) => progress.push(p));
		expect(loaded).toMatchObject({ dims: 128, device: 'wasm' });
		expect(embedder.dims).toBe(128);
		expect(embedder.device).toBe('wasm');
		expect(embedder.fallbackReason).toBe('no WebGPU in Node');
		expect(progress.at(-1)?.fraction).toBe(1);

		const texts = Array.from(
			{ length: 21 },
			(_, i) => `note ${i} about the ${i % 2 ? 'cat' : 'budget'}`
		);
		const vectors = await embedder.embed(texts, { kind: 'passage' });
		expect(vectors).toHaveLength(21);
		for (const v of vectors) {
			expect(v.length).toBe(128);
			expect(v.buffer.byteLength).toBe(128 * 4);
		}
		// Batching changes nothing: each vector is the text's own.
		const [alone] = await embedder.embed([texts[20] ?? ''], { kind: 'query' });
		expect(dot(alone as Float32Array, vectors[20] as Float32Array)).toBeCloseTo(1, 4);
		const [cat] = await embedder.embed(['the cat'], { kind: 'query' });
		expect(dot(cat as Float32Array, vectors[1] as Float32Array)).toBeGreaterThan(
			dot(cat as Float32Array, vectors[2] as Float32Array)
		);
	}, 30_000);
});

describe('Embedder queue', () => {
	it('a query jumps ahead of waiting ingest batches, waiting for at most one', async () => {
		const w = world();
		const e = heldEmbedder(w);
		await e.load(STAND_IN.id);
		w.hold = true;
		const ingest = e.embed(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'], { kind: 'passage' });
		await expect.poll(() => w.batches.length).toBe(1);
		const query = e.embed(['q7'], { kind: 'query' });
		w.hold = false;
		w.held.shift()?.();
		expect(numbers(await query)).toEqual([7]);
		expect(numbers(await ingest)).toEqual([1, 2, 3, 4, 5, 6]);
		expect(w.batches).toEqual([
			['passage: p1', 'passage: p2'],
			['query: q7'],
			['passage: p3', 'passage: p4'],
			['passage: p5', 'passage: p6']
		]);
	});

	it('calls of one kind keep their arrival order', async () => {
		const w = world();
		const e = heldEmbedder(w, 1);
		await e.load(STAND_IN.id);
		const results = await Promise.all([
			e.embed(['a1', 'a2'], { kind: 'passage' }),
			e.embed(['b3'], { kind: 'passage' }),
			e.embed(['c4'], { kind: 'query' }),
			e.embed(['d5'], { kind: 'query' })
		]);
		expect(results.map(numbers)).toEqual([[1, 2], [3], [4], [5]]);
		// a1 was already running; then both queries, then the rest of the ingest.
		expect(w.batches.map((b) => b[0])).toEqual([
			'passage: a1',
			'query: c4',
			'query: d5',
			'passage: a2',
			'passage: b3'
		]);
	});

	it('cancel rejects at once; the batches it had waiting never run; others go on', async () => {
		const w = world();
		const e = heldEmbedder(w);
		await e.load(STAND_IN.id);
		w.hold = true;
		const controller = new AbortController();
		const ingest = e.embed(['p1', 'p2', 'p3', 'p4'], {
			kind: 'passage',
			signal: controller.signal
		});
		const other = e.embed(['p5'], { kind: 'passage' });
		await expect.poll(() => w.batches.length).toBe(1);
		controller.abort();
		expect(await codeOf(ingest)).toBe('aborted');
		w.hold = false;
		w.held.shift()?.();
		expect(numbers(await other)).toEqual([5]);
		expect(w.batches.flat()).not.toContain('passage: p3');
		await expect.poll(() => e.pendingBatches).toBe(0);
		// An already-aborted signal never queues.
		expect(await codeOf(e.embed(['x'], { kind: 'query', signal: controller.signal }))).toBe(
			'aborted'
		);
	});

	it('a worker that dies fails the call it held; the next call gets a fresh worker', async () => {
		const w = world();
		const e = heldEmbedder(w);
		await e.load(STAND_IN.id);
		w.crashNext = true;
		const error = await e.embed(['p1'], { kind: 'passage' }).catch((x: unknown) => x);
		expect(error).toMatchObject({
			code: 'engine_crashed',
			message: expect.stringContaining('restarts')
		});
		expect(numbers(await e.embed(['q2'], { kind: 'query' }))).toEqual([2]);
		expect(w.workers).toBe(2);
		// The fresh worker loaded the model again by itself.
		expect(w.extractorsMade).toBe(2);
	});

	it('loading another model drops work queued for the old one', async () => {
		const w = world();
		const e = heldEmbedder(w);
		await e.load(STAND_IN.id);
		w.hold = true;
		const old = e.embed(['p1', 'p2', 'p3'], { kind: 'passage' });
		await expect.poll(() => w.batches.length).toBe(1);
		const reload = e.load(OTHER.id);
		expect(await codeOf(old)).toBe('aborted');
		w.hold = false;
		w.held.shift()?.();
		await reload;
		expect(e.model?.id).toBe(OTHER.id);
		expect(numbers(await e.embed(['q9'], { kind: 'query' }))).toEqual([9]);
	});

	it('says what is missing: no model loaded, unknown model', async () => {
		const e = heldEmbedder(world());
		expect(await codeOf(e.embed(['a'], { kind: 'query' }))).toBe('no_model');
		expect(await codeOf(e.load('nobody/nothing'))).toBe('model_not_found');
		await e.load(STAND_IN.id);
		expect(await e.embed([], { kind: 'query' })).toEqual([]);
		e.dispose();
		expect(e.dims).toBeUndefined();
		expect(await codeOf(e.embed(['a'], { kind: 'query' }))).toBe('no_model');
	});
});
