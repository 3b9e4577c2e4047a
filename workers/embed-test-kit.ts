import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'vitest';
import type { EmbedFromWorker } from '$lib/protocol/embed';
import type { ExtractorLike, LibraryEnv, TransformersLike } from '$workers/embed-host';

// Shared by the embedding tests: where the generated test model lives, how to skip without it,
// and the real transformers.js adapted to the host (the worker's adapter, minus `self`).

export const SHARED_MODELS = path.resolve(process.cwd(), '../shared/models');
export const TEST_MODEL = 'hearth-test/bow-embedder';
export const TEST_MODEL_DIR = path.join(SHARED_MODELS, TEST_MODEL);

/** Skips the test when ../shared is missing, except under CI, where that is a failure. */
export function requireSharedModels(ctx: TestContext): void {
	if (existsSync(path.join(TEST_MODEL_DIR, 'onnx', 'model_quantized.onnx'))) return;
	const reason = `../shared is missing: ${TEST_MODEL_DIR} not found`;
	if (process.env.CI === 'true') throw new Error(`${reason}; CI must provide the shared models`);
	console.warn(`Skipping: ${reason}`);
	ctx.skip(reason);
}

export async function realTransformers(): Promise<TransformersLike> {
	const { env, pipeline } = await import('@huggingface/transformers');
	return {
		env: env as unknown as LibraryEnv,
		createExtractor: async (model, options) =>
			(await pipeline('feature-extraction', model, {
				...options,
				device: options.device as 'cpu',
				dtype: options.dtype as 'q8'
			})) as unknown as ExtractorLike
	};
}

export const dot = (a: Float32Array, b: Float32Array): number =>
	a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

/** Splits a row-major count × dims buffer into vectors. */
export function rows(data: Float32Array, dims: number): Float32Array[] {
	const out: Float32Array[] = [];
	for (let i = 0; i < data.length; i += dims) out.push(data.slice(i, i + dims));
	return out;
}

export type Posted = { message: EmbedFromWorker; transfer?: Transferable[] };

export interface FakeHub {
	/** Base URL ending in '/'. */
	url: string;
	/** Paths asked for, in order. */
	requests: string[];
	/** File (relative to the model folder) → a status to answer instead. */
	statuses: Map<string, number>;
	/** Files answered with a body that is not what was stored. */
	garbled: Set<string>;
	/** Files that send half their bytes and then wait (until the client gives up). */
	stalled: Set<string>;
	close(): Promise<void>;
}

/** A Hugging Face hub in miniature: GET /<owner>/<name>/resolve/main/<file> from `root`. */
export async function startFakeHub(root: string = SHARED_MODELS): Promise<FakeHub> {
	const hub: Omit<FakeHub, 'url' | 'close'> = {
		requests: [],
		statuses: new Map(),
		garbled: new Set(),
		stalled: new Set()
	};
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://hub');
		hub.requests.push(url.pathname);
		const match = /^\/([\w.-]+\/[\w.-]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
		const file = match?.[2] ?? '';
		const target = match ? path.join(root, match[1] ?? '', file) : '';
		const status = hub.statuses.get(file);
		if (!match || file.includes('..') || status || !existsSync(target)) {
			res.writeHead(status ?? 404, { 'Content-Type': 'text/plain' });
			res.end('Entry not found');
			return;
		}
		const body = hub.garbled.has(file)
			? Buffer.from('<html>rate limited</html>')
			: readFileSync(target);
		res.writeHead(200, {
			'Content-Type': 'application/octet-stream',
			'Content-Length': String(body.length)
		});
		if (hub.stalled.has(file)) res.write(body.subarray(0, body.length >> 1));
		else res.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as AddressInfo;
	return {
		...hub,
		url: `http://127.0.0.1:${address.port}/`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
