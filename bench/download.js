// Model download benchmark in the real app: Hearth's verified, resumable download (the Models
// dialog, into the Cache Storage entries web-llm reads) against what web-llm does itself —
// `cache.add` of the same files, four at a time — measured in the same page, from the same local
// mirror. Shows what checking every file's size before storing it costs.
import { startServer } from '../scripts/serve.js';
import { startMlcFixture } from '../tests/fixtures/mlc-fixture.js';
import {
	ensureBuild,
	launchChromium,
	openWithSettings,
	ratio,
	round,
	summarize,
	waitDownloaded
} from './lib.js';

const MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const SHARDS = 24;
const SHARD_BYTES = 8 * 1024 * 1024; // 192 MiB of weights, about a small model's size
const RUNS = 3;

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const mlc = await startMlcFixture({ shards: SHARDS, shardBytes: SHARD_BYTES });
	const app = await startServer({ dir: await ensureBuild(), port: 0, quiet: true });
	const browser = await launchChromium();
	try {
		const hearth = [];
		const raw = [];
		const streamed = [];
		for (let i = 0; i < RUNS; i++) {
			// A fresh profile each run: nothing cached, so both paths fetch everything.
			const context = await browser.newContext();
			const page = await context.newPage();
			page.setDefaultTimeout(5 * 60_000);
			await openWithSettings(page, app.url, {
				modelBaseUrl: `${mlc.url}/models/`,
				modelLibBaseUrl: `${mlc.url}/libs/`,
				autoTitle: false
			});
			hearth.push(await downloadThroughUi(page));
			raw.push(await cacheAddBaseline(page, mlc, false));
			streamed.push(await cacheAddBaseline(page, mlc, true));
			await context.close();
		}
		const bytes = mlc.files(MODEL).reduce((n, f) => n + f.bytes, 0);
		const h = summarize(hearth);
		const r = summarize(raw);
		const st = summarize(streamed);
		const mbps = (/** @type {number} */ ms) => round(bytes / 1e6 / (ms / 1000), 1);
		return {
			title: `Model download: ${round(bytes / 1e6)} MB in ${mlc.files(MODEL).length} files, ${RUNS} runs`,
			rows: [
				{
					path: 'Hearth (verified, resumable)',
					'median ms': round(h.median),
					'MB/s': mbps(h.median),
					'÷ web-llm cache.add': ratio(h.median, r.median)
				},
				{
					path: 'read in JS → Blob → cache.put ×4 (no UI)',
					'median ms': round(st.median),
					'MB/s': mbps(st.median),
					'÷ web-llm cache.add': ratio(st.median, r.median)
				},
				{
					path: 'web-llm style cache.add ×4',
					'median ms': round(r.median),
					'MB/s': mbps(r.median),
					'÷ web-llm cache.add': 1
				}
			],
			notes: [
				`Hearth samples (ms): ${hearth.map((v) => round(v)).join(', ')}`,
				`cache.add samples (ms): ${raw.map((v) => round(v)).join(', ')}`,
				'Hearth time runs from pressing Download to the row showing Downloaded (UI included).',
				'Piping the body through a counting TransformStream into cache.put measured the same as',
				'the Blob path: the cost is bytes crossing into JS, which byte-level progress needs.'
			]
		};
	} finally {
		await browser.close();
		await app.close();
		await mlc.close();
	}
}

/** @param {import('@playwright/test').Page} page */
async function downloadThroughUi(page) {
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const row = page.locator(`[data-testid="model-row"][data-model-id="${MODEL}"]`);
	await row.getByTestId('model-download').waitFor();
	const started = Date.now();
	await row.getByTestId('model-download').click();
	await waitDownloaded(page, MODEL);
	const ms = Date.now() - started;
	await page.getByTestId('models-dialog').getByRole('button', { name: 'Close' }).click();
	return ms;
}

/**
 * The same files four at a time, either with `cache.add` (what web-llm does) or read chunk by
 * chunk in JS into a Blob and `cache.put` (Hearth's store path, without the UI and bookkeeping).
 * @param {import('@playwright/test').Page} page
 * @param {Awaited<ReturnType<typeof startMlcFixture>>} mlc
 * @param {boolean} readInJs
 */
function cacheAddBaseline(page, mlc, readInJs) {
	const base = mlc.modelUrl(MODEL);
	const urls = mlc.files(MODEL).map((f) => new URL(f.name, base).href);
	return page.evaluate(
		async ({ list, readInJs }) => {
			const cache = await caches.open('bench-baseline');
			const started = performance.now();
			let next = 0;
			/** @param {string} url */
			const viaJs = async (url) => {
				const response = await fetch(url);
				const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
				const chunks = [];
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					chunks.push(value);
				}
				await cache.put(url, new Response(new Blob(chunks)));
			};
			const worker = async () => {
				while (next < list.length) {
					const url = list[next++];
					await (readInJs ? viaJs(url) : cache.add(url));
				}
			};
			await Promise.all([worker(), worker(), worker(), worker()]);
			const ms = performance.now() - started;
			await caches.delete('bench-baseline');
			return ms;
		},
		{ list: urls, readInJs }
	);
}
