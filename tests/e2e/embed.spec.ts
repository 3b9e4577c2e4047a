import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { startServer } from '../../scripts/serve.js';
import { DEFAULT_SETTINGS } from '../../src/lib/types/settings';
import { sharedMissing } from '../fixtures/ci.js';

// The built embeddings worker in Chromium: ONNX Runtime from the app's own /ort/, the generated
// bow-embedder from ../shared served under /models/ (serve.js --models), no other origin. The
// worker chunk is hashed, so it is found in build/ and started from a page of the app, speaking
// the embed protocol (src/lib/protocol/embed.ts) directly.

const MODELS = path.resolve('../shared/models');
const WORKERS = path.resolve('build/_app/immutable/workers');

function workerChunk(): string | undefined {
	if (!existsSync(WORKERS)) return undefined;
	const name = readdirSync(WORKERS).find((f) => /^embed\.worker-.*\.js$/.test(f));
	return name ? `/_app/immutable/workers/${name}` : undefined;
}

interface Outcome {
	load?: { ok: boolean; value?: { dims: number; device: string; fallbackReason?: string } };
	embed?: { ok: boolean; value?: { dims: number; count: number } };
	error?: unknown;
	/** Cosine of "cat sat on the mat" with a cat sentence, and with a budget sentence. */
	similar?: number;
	different?: number;
}

/** Starts the worker in the page, loads the test model on `device`, embeds three texts. */
function runWorker(page: Page, chunk: string, device: 'wasm' | 'auto'): Promise<Outcome> {
	return page.evaluate(
		async ({ chunk, device }) => {
			const worker = new Worker(chunk, { type: 'module' });
			const results = new Map<number, (m: { ok: boolean; value?: unknown }) => void>();
			const ready = new Promise<void>((resolve) => {
				worker.onmessage = (event) => {
					const m = event.data as { type: string; id?: number; ok: boolean; value?: unknown };
					if (m.type === 'ready') resolve();
					if (m.type === 'result' && m.id !== undefined) results.get(m.id)?.(m);
				};
			});
			const call = (id: number, name: string, params: unknown) =>
				new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((resolve) => {
					results.set(id, resolve);
					worker.postMessage({ type: 'call', id, call: name, params });
				});
			try {
				await ready;
				const model = { id: 'hearth-test/bow-embedder', dtype: 'q8', device };
				const load = await call(1, 'load', { model });
				if (!load.ok) return { load } as never;
				const texts = [
					'The cat sat on the mat.',
					'A cat was sitting on a mat.',
					'Quarterly budget report for finance.'
				];
				const embed = await call(2, 'embed', { modelId: model.id, texts });
				const value = embed.value as { data: Float32Array; dims: number; count: number };
				const row = (i: number) => value.data.subarray(i * value.dims, (i + 1) * value.dims);
				const cos = (a: Float32Array, b: Float32Array) =>
					a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
				return {
					load,
					embed: { ok: embed.ok, value: { dims: value.dims, count: value.count } },
					similar: cos(row(0), row(1)),
					different: cos(row(0), row(2))
				};
			} catch (error) {
				return { error: String(error) };
			} finally {
				worker.terminate();
			}
		},
		{ chunk, device }
	) as Promise<Outcome>;
}

test.describe('embeddings worker', () => {
	test('runs the test model on WASM (and on WebGPU when asked to pick), all from our origin', async ({
		browser
	}) => {
		test.setTimeout(120_000);
		const model = path.join(MODELS, 'hearth-test/bow-embedder/onnx/model_quantized.onnx');
		if (!existsSync(model)) test.skip(true, sharedMissing(model));
		// Knowledge and memory import the Embedder, so every build has the chunk: a build without it
		// is broken, and skipping here would drop the only in-browser embeddings test silently.
		const chunk = workerChunk();
		expect(chunk, `no embed.worker-*.js in ${WORKERS}`).toBeDefined();
		const server = await startServer({ dir: 'build', port: 0, quiet: true, modelsDir: MODELS });
		const page = await browser.newPage();
		const foreign: string[] = [];
		page.on('request', (r) => {
			const url = r.url();
			// The page itself checks the engine at the default Ollama address; that is the app's
			// engine probe, not the embeddings worker, and it is the one non-origin request allowed.
			const engineProbe = url.startsWith(DEFAULT_SETTINGS.ollamaUrl);
			if (!url.startsWith(server.url) && !url.startsWith('blob:') && !engineProbe)
				foreign.push(url);
		});
		try {
			await page.goto(server.url);
			const wasm = await runWorker(page, chunk!, 'wasm');
			expect(wasm.error).toBeUndefined();
			expect(wasm.load?.value).toMatchObject({ dims: 128, device: 'wasm' });
			expect(wasm.embed?.value).toEqual({ dims: 128, count: 3 });
			expect(wasm.similar ?? 0).toBeGreaterThan((wasm.different ?? 1) + 0.2);

			// 'auto' takes WebGPU when the adapter (SwiftShader here) works, WASM otherwise, and says why.
			const auto = await runWorker(page, chunk!, 'auto');
			expect(auto.error).toBeUndefined();
			const device = auto.load?.value?.device;
			expect(['webgpu', 'wasm']).toContain(device);
			if (device === 'wasm') expect(auto.load?.value?.fallbackReason).toBeTruthy();
			expect(auto.similar ?? 0).toBeGreaterThan((auto.different ?? 1) + 0.2);
			test.info().annotations.push({ type: 'auto device', description: String(device) });

			expect(foreign).toEqual([]);
		} finally {
			await page.close();
			await server.close();
		}
	});
});
