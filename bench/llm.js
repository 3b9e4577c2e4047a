// In-browser inference benchmark (opt-in): a real MLC model through Hearth's worker, against raw
// web-llm running the same model in the same page. Needs real weights, which these machines do
// not have: set HEARTH_MLC_MODELS to a folder holding `<model id>/` (an MLC model folder:
// mlc-chat-config.json, tensor-cache.json, shards, tokenizer) and `libs/<model library>.wasm`.
// HEARTH_MLC_MODEL picks the model (default: the smallest catalog model, 32-bit build, which is
// what SwiftShader can run).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { serveWeights } from '../tests/fixtures/weights-mirror.js';
import {
	ROOT,
	ensureBuild,
	launchChromium,
	openWithSettings,
	ratio,
	round,
	summarize,
	waitDownloaded
} from './lib.js';

const MODEL = process.env.HEARTH_MLC_MODEL ?? 'SmolLM2-360M-Instruct-q4f32_1-MLC';
const RUNS = Number(process.env.HEARTH_LLM_RUNS ?? 5);
const PROMPT = 'Write four sentences about the sea.';
const MAX_TOKENS = 128;

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const weights = process.env.HEARTH_MLC_MODELS;
	if (!weights || !existsSync(path.join(weights, MODEL))) {
		const why = weights ? `no ${MODEL}/ in ${weights}` : 'HEARTH_MLC_MODELS is not set';
		return {
			title: 'In-browser inference: Hearth worker vs raw web-llm',
			rows: [{ result: 'skipped: no weights', reason: why }],
			notes: ['Set HEARTH_MLC_MODELS to a folder of MLC weights to run this benchmark.']
		};
	}
	const mirror = await serveWeights(weights);
	// Raw web-llm must load from the app's own origin (CSP: script-src 'self'), so the app is
	// served from a copy of the build with web-llm's bundle beside it.
	const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-llm-bench-'));
	await cp(await ensureBuild(), dir, { recursive: true });
	await cp(
		path.join(ROOT, 'node_modules/@mlc-ai/web-llm/lib/index.js'),
		path.join(dir, 'bench-web-llm.js')
	);
	const app = await startServer({ dir, port: 0, quiet: true });
	const browser = await launchChromium();
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(15 * 60_000);
		await openWithSettings(page, app.url, {
			modelBaseUrl: `${mirror.url}/models/`,
			modelLibBaseUrl: `${mirror.url}/libs/`,
			webModel: MODEL,
			engine: 'webllm',
			maxTokens: MAX_TOKENS,
			temperature: 0,
			autoTitle: false
		});
		await downloadThroughUi(page);

		const hearth = [];
		for (let i = 0; i < RUNS; i++) hearth.push(await throughHearth(page, i));
		const raw = await rawWebLlm(page, app.url, mirror.url);

		const hearthTps = summarize(hearth.map((r) => r.tps));
		const rawTps = summarize(raw.map((r) => r.tps));
		const hearthTtft = summarize(hearth.map((r) => r.ttft));
		const rawTtft = summarize(raw.map((r) => r.ttft));
		return {
			title: `In-browser inference: ${MODEL}, ${RUNS} runs of ${MAX_TOKENS} tokens`,
			rows: [
				{
					path: 'Hearth (worker, UI)',
					'decode tok/s (median)': round(hearthTps.median, 2),
					'TTFT ms (median)': round(hearthTtft.median),
					'÷ raw (goal ≥ 0.97)': ratio(hearthTps.median, rawTps.median)
				},
				{
					path: 'raw web-llm (same page)',
					'decode tok/s (median)': round(rawTps.median, 2),
					'TTFT ms (median)': round(rawTtft.median),
					'÷ raw (goal ≥ 0.97)': 1
				}
			],
			notes: [
				`TTFT overhead through Hearth: ${round(hearthTtft.median - rawTtft.median)} ms (median)`,
				'Decode tok/s as web-llm reports it (usage.extra.decode_tokens_per_s) on both paths.'
			]
		};
	} finally {
		await browser.close();
		await app.close();
		await mirror.close();
		await rm(dir, { recursive: true, force: true });
	}
}

/** @param {import('@playwright/test').Page} page */
async function downloadThroughUi(page) {
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const row = page.locator(`[data-testid="model-row"][data-model-id="${MODEL}"]`);
	if ((await row.getAttribute('data-status')) !== 'complete') {
		await row.getByTestId('model-download').click();
		await waitDownloaded(page, MODEL);
	}
	await page.getByTestId('models-dialog').getByRole('button', { name: 'Close' }).click();
}

/**
 * One answer through the UI; its timings come from what Hearth stored for the message.
 * @param {import('@playwright/test').Page} page
 * @param {number} i
 */
async function throughHearth(page, i) {
	await page.getByRole('button', { name: 'New chat' }).first().click();
	await page.getByLabel('Message Hearth').fill(`${PROMPT} (${i})`);
	await page.getByLabel('Message Hearth').press('Enter');
	const last = page.getByRole('article', { name: 'Hearth’s answer' }).last();
	await page.waitForFunction(() => {
		const answers = document.querySelectorAll('article[aria-label="Hearth’s answer"]');
		const status = answers[answers.length - 1]?.getAttribute('data-status');
		return status !== undefined && status !== null && status !== 'streaming';
	});
	if ((await last.getAttribute('data-status')) !== 'done') {
		throw new Error(`Hearth's answer failed: ${await last.innerText()}`);
	}
	const id = await last.getAttribute('data-message-id');
	const timings = await page.evaluate(
		(messageId) =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const get = open.result.transaction('messages').objectStore('messages').get(messageId);
					get.onsuccess = () => resolve(get.result?.timings);
					get.onerror = () => reject(get.error);
				};
			}),
		id
	);
	const t = /** @type {{ decodeTokensPerSecond?: number, timeToFirstTokenMs?: number }} */ (
		timings ?? {}
	);
	return { tps: t.decodeTokensPerSecond ?? NaN, ttft: t.timeToFirstTokenMs ?? NaN };
}

/**
 * The same model and prompt through web-llm's own engine on this page's main thread.
 * @param {import('@playwright/test').Page} page
 * @param {string} appUrl
 * @param {string} mirrorUrl
 */
function rawWebLlm(page, appUrl, mirrorUrl) {
	return page.evaluate(
		async ({ appUrl, mirrorUrl, model, runs, prompt, maxTokens }) => {
			const webllm = await import(`${appUrl}/bench-web-llm.js`);
			const record = webllm.prebuiltAppConfig.model_list.find(
				(/** @type {{ model_id: string }} */ r) => r.model_id === model
			);
			const lib = record.model_lib.split('/').pop();
			const appConfig = {
				cacheBackend: 'cache',
				model_list: [
					{
						...record,
						model: `${mirrorUrl}/models/${model}/resolve/main/`,
						model_lib: `${mirrorUrl}/libs/${lib}`
					}
				]
			};
			const engine = await webllm.CreateMLCEngine(model, { appConfig });
			const out = [];
			for (let i = 0; i < runs; i++) {
				const started = performance.now();
				let ttft = NaN;
				let tps = NaN;
				const chunks = await engine.chat.completions.create({
					messages: [{ role: 'user', content: `${prompt} (${i})` }],
					stream: true,
					stream_options: { include_usage: true },
					temperature: 0,
					max_tokens: maxTokens
				});
				for await (const chunk of chunks) {
					if (Number.isNaN(ttft) && chunk.choices?.[0]?.delta?.content) {
						ttft = performance.now() - started;
					}
					if (chunk.usage?.extra?.decode_tokens_per_s) tps = chunk.usage.extra.decode_tokens_per_s;
				}
				await engine.resetChat();
				out.push({ tps, ttft });
			}
			await engine.unload();
			return out;
		},
		{ appUrl, mirrorUrl, model: MODEL, runs: RUNS, prompt: PROMPT, maxTokens: MAX_TOKENS }
	);
}
