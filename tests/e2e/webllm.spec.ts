import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startMlcFixture } from '../fixtures/mlc-fixture.js';
import { serveWeights } from '../fixtures/weights-mirror.js';
import { lastAnswerDone, openHearth, send } from './helpers';

// The real web-llm worker in Debian's Chromium, WebGPU on SwiftShader (no shader-f16), with model
// files served by a fixture mirror: well-formed manifests and shards, and a model library that is
// not a wasm module. No real weights exist here, so a load must end in our coded model_corrupt
// error — after reading every file from the cache, with the network off too.
type Mlc = Awaited<ReturnType<typeof startMlcFixture>>;
let mlc: Mlc;

test.beforeAll(async () => {
	mlc = await startMlcFixture({ shards: 6, shardBytes: 256 * 1024 });
});
test.afterAll(async () => {
	await mlc?.close();
});

// The smallest catalog model, in its 32-bit build (SwiftShader has no 16-bit floats).
const SMOL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const QWEN = 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC';
const LLAMA = 'Llama-3.2-1B-Instruct-q4f32_1-MLC';
const rowOf = (dialog: ReturnType<Page['getByTestId']>, id: string) =>
	dialog.locator(`[data-testid="model-row"][data-model-id="${id}"]`);

async function openModels(page: Page) {
	await openHearth(page, {
		modelBaseUrl: `${mlc.url}/models/`,
		modelLibBaseUrl: `${mlc.url}/libs/`
	});
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const dialog = page.getByTestId('models-dialog');
	await expect(dialog).toBeVisible();
	return dialog;
}

const shardPath = (repo: string, n: number) => `/models/${repo}/resolve/main/params_shard_${n}.bin`;
const fetchesOf = (path: string) => mlc.requests.filter((r) => r.path === path).length;

test('the web-llm worker starts and reports what this GPU can do', async ({ page }) => {
	const dialog = await openModels(page);
	const report = dialog.getByTestId('device-report');
	await expect(report.getByTestId('device-webgpu')).toHaveText('Yes', { timeout: 30_000 });
	await expect(report.getByTestId('device-f16')).toContainText('32-bit');
	await expect(report).toContainText(/swiftshader/i);
	// 32-bit builds are offered; the smallest model is recommended on a software adapter.
	const row = rowOf(dialog, SMOL);
	await expect(row).toBeVisible();
	await expect(row).toContainText(/recommended/i);
});

test('an interrupted download resumes with only the missing files, then loads offline and fails cleanly', async ({
	page,
	context
}) => {
	const dropped = shardPath(SMOL, 3);
	mlc.setFault(dropped, 'drop-once');
	const dialog = await openModels(page);
	const row = rowOf(dialog, SMOL);
	await row.getByTestId('model-download').click();
	await expect(row.getByRole('alert')).toContainText(/couldn.t be downloaded|cut|connection/i, {
		timeout: 30_000
	});
	// What the first attempt stored completely, straight from Cache Storage.
	const stored: string[] = await page.evaluate(async () => {
		const cache = await caches.open('webllm/model');
		return (await cache.keys()).map((r) => new URL(r.url).pathname);
	});
	expect(stored).not.toContain(dropped);
	const before = new Map(stored.map((path) => [path, fetchesOf(path)]));

	await row.getByTestId('model-download').click(); // Resume / Try again
	await expect(row).toHaveAttribute('data-status', 'complete', { timeout: 30_000 });
	// The shard that was cut was fetched again; nothing already stored was.
	expect(fetchesOf(dropped)).toBe(2);
	expect(before.size).toBeGreaterThan(0);
	for (const [path, count] of before) expect(fetchesOf(path), path).toBe(count);
	await dialog.getByRole('button', { name: 'Close' }).click();

	// The downloaded model now heads the chain; loading it reaches the (fake) model library.
	await expect(page.getByTestId('engine-status')).toContainText('In-browser engine', {
		timeout: 15_000
	});
	await send(page, 'hello');
	let answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
	await expect(answer).toContainText('damaged');

	// With the network off, the page, the worker and the model files all come from caches: the
	// load gets as far as before instead of failing to download.
	const libFetches = mlc.requests.length;
	// Offline, only a service worker that controls the page can answer: wait until one does.
	await page.evaluate(() => navigator.serviceWorker.ready);
	if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
		await page.reload();
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
	}
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('engine-status')).toContainText('In-browser engine', {
		timeout: 15_000
	});
	await answer.getByRole('button', { name: 'Retry' }).click();
	answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
	await expect(answer).toContainText('damaged');
	expect(mlc.requests.length).toBe(libFetches);
	await context.setOffline(false);
});

test('unreachable or corrupt model files give a clear, coded error on the row', async ({
	page
}) => {
	mlc.setFault(`/models/${QWEN}/resolve/main/tensor-cache.json`, 'corrupt');
	const dialog = await openModels(page);
	const qwen = rowOf(dialog, QWEN);
	await qwen.getByTestId('model-download').click();
	await expect(qwen.getByRole('alert')).toContainText(/damaged|not a valid model manifest/i, {
		timeout: 30_000
	});
	await expect(qwen).not.toHaveAttribute('data-status', 'complete');
	mlc.setFault(`/models/${LLAMA}/resolve/main/mlc-chat-config.json`, '404');
	const llama = rowOf(dialog, LLAMA);
	await llama.getByTestId('model-download').click();
	await expect(llama.getByRole('alert')).toContainText('404', { timeout: 30_000 });
	await expect(llama).toHaveAttribute('data-status', 'absent');
});

// Opt-in: a real model answers through Hearth's worker (an f32 build under SwiftShader).
const WEIGHTS = process.env.HEARTH_MLC_MODELS;
const REAL = process.env.HEARTH_MLC_MODEL ?? SMOL;

test('a real model downloads, loads and answers (HEARTH_MLC_MODELS)', async ({ page }) => {
	test.skip(!WEIGHTS || !existsSync(path.join(WEIGHTS, REAL)), 'skipped: no weights');
	test.setTimeout(30 * 60_000);
	const mirror = await serveWeights(WEIGHTS ?? '');
	try {
		await openHearth(page, {
			modelBaseUrl: `${mirror.url}/models/`,
			modelLibBaseUrl: `${mirror.url}/libs/`,
			webModel: REAL,
			maxTokens: 32
		});
		await page.getByRole('button', { name: 'Models in this browser' }).click();
		const dialog = page.getByTestId('models-dialog');
		const row = rowOf(dialog, REAL);
		await row.getByTestId('model-download').click();
		await expect(row).toHaveAttribute('data-status', 'complete', { timeout: 20 * 60_000 });
		await dialog.getByRole('button', { name: 'Close' }).click();
		await expect(page.getByTestId('engine-status')).toContainText('In-browser engine');
		await send(page, 'Say hello in five words.');
		const answer = await lastAnswerDone(page);
		await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
		expect((await answer.locator('.markdown').innerText()).trim().length).toBeGreaterThan(0);
	} finally {
		await mirror.close();
	}
});
