import { existsSync } from 'node:fs';
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
