// `npm run bench -- evals`: two figures for the evals and metrics issue.
//
// 1. The eval harness's overhead: the core set's single-turn cases without tools (arithmetic,
//    facts, reasoning, speed) through runEval on ../shared/models/gguf/stories260K.gguf (llama.cpp
//    engine, one thread), against the very requests the harness sent, replayed straight to the
//    same engine. Cases per minute both ways and the ratio (goal ≤ 1.05). Runs alternate, so load
//    from other processes falls on both alike; CPU time is the steadier figure on a busy machine.
// 2. The metrics dashboard's render time in the built app with 100,000 recorded answers (goal
//    ≤ 200 ms), against 1,000 answers in the same run: from the Metrics tab's click to every
//    chart drawn and the totals shown, on first open and back from the Evals tab (the screen
//    keeps a tab it has shown, charts included, while it is open).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { closeLoader, loadTs } from './node-load.js';
import { ensureBuild, launchChromium, median, ratio, ROOT, round, waitReady } from './lib.js';

const MODEL = path.resolve(ROOT, '../shared/models/gguf/stories260K.gguf');
const MODEL_ID = 'stories260K.gguf';
const ROUNDS = 5;
const MAX_TOKENS = 48;
const CATEGORIES = ['arithmetic', 'facts', 'reasoning', 'speed'];
const DAY_MS = 86_400_000;

/** @param {NodeJS.CpuUsage} used */
const cpuMs = (used) => (used.user + used.system) / 1000;

async function harnessOverhead() {
	const { runEval } = await loadTs('src/lib/evals/harness.ts');
	const { CORE_SET } = await loadTs('src/lib/evals/golden/core-set.ts');
	const { openScratchWorkspace } = await loadTs('src/lib/storage/eval-workspace.ts');
	const { DEFAULT_SETTINGS } = await loadTs('src/lib/types/settings.ts');
	const { LlamaCppEngine, LLAMACPP_KIND } = await loadTs('src/node/llama-engine.ts');
	const cases = CORE_SET.cases.filter(
		(/** @type {any} */ c) =>
			CATEGORIES.includes(c.category) && !c.tools?.length && c.turns.length === 1
	);
	const set = { ...CORE_SET, cases };
	const engine = new LlamaCppEngine({
		files: [MODEL],
		threads: 1,
		contextSize: 1024,
		runtime: () => import('node-llama-cpp')
	});
	/** @type {any[]} */
	let recorded = [];
	// The harness talks to the engine through this: it keeps each request for the direct side.
	const recording = new Proxy(engine, {
		get(target, key) {
			if (key === 'chat') {
				return (/** @type {any} */ request, /** @type {AbortSignal} */ signal) => {
					recorded.push(structuredClone(request));
					return target.chat(request, signal);
				};
			}
			const value = Reflect.get(target, key, target);
			return typeof value === 'function' ? value.bind(target) : value;
		}
	});
	const target = {
		choice: { kind: LLAMACPP_KIND, engine: recording, model: MODEL_ID },
		label: `llama.cpp · ${MODEL_ID}`
	};
	const deps = { settings: () => DEFAULT_SETTINGS, openWorkspace: openScratchWorkspace };
	const harness = async () => {
		recorded = [];
		const run = await runEval(set, target, deps, {
			signal: new AbortController().signal,
			maxTokens: MAX_TOKENS
		});
		if (run.results.length !== cases.length) throw new Error('the harness skipped cases');
		return { requests: recorded, run };
	};
	/** @param {any[]} requests */
	const direct = async (requests) => {
		let tokens = 0;
		for (const request of requests) {
			for await (const delta of engine.chat(request)) {
				if (delta.type === 'done') tokens += delta.usage?.completionTokens ?? 0;
			}
		}
		return tokens;
	};
	/** @param {() => Promise<unknown>} fn */
	const timed = async (fn) => {
		const cpu = process.cpuUsage();
		const started = performance.now();
		const value = await fn();
		return { ms: performance.now() - started, cpu: cpuMs(process.cpuUsage(cpu)), value };
	};
	try {
		// Warm-up: the model loads, Vite compiles the modules, fake-indexeddb is imported.
		const warm = await harness();
		await direct(warm.requests);
		const ours = { ms: /** @type {number[]} */ ([]), cpu: /** @type {number[]} */ ([]) };
		const bare = { ms: /** @type {number[]} */ ([]), cpu: /** @type {number[]} */ ([]) };
		let requests = warm.requests;
		let graded = 0;
		for (let r = 0; r < ROUNDS; r++) {
			const h = await timed(harness);
			ours.ms.push(h.ms);
			ours.cpu.push(h.cpu);
			const result = /** @type {{ requests: any[], run: any }} */ (h.value);
			requests = result.requests;
			graded = result.run.results.length;
			const d = await timed(() => direct(requests));
			bare.ms.push(d.ms);
			bare.cpu.push(d.cpu);
		}
		const perMinute = (/** @type {number} */ ms) => (cases.length * 60_000) / ms;
		return {
			rows: [
				{
					measure: `eval cases per minute (${graded} cases)`,
					baseline: round(perMinute(median(bare.ms))),
					Hearth: round(perMinute(median(ours.ms))),
					'Hearth ÷ baseline': ratio(median(bare.ms), median(ours.ms)),
					goal: ''
				},
				{
					measure: 'eval wall ms per case (median)',
					baseline: round(median(bare.ms) / cases.length),
					Hearth: round(median(ours.ms) / cases.length),
					'Hearth ÷ baseline': ratio(median(ours.ms), median(bare.ms)),
					goal: '≤ 1.05x'
				},
				{
					measure: 'eval CPU ms per case (best)',
					baseline: round(Math.min(...bare.cpu) / cases.length),
					Hearth: round(Math.min(...ours.cpu) / cases.length),
					'Hearth ÷ baseline': ratio(Math.min(...ours.cpu), Math.min(...bare.cpu)),
					goal: '≤ 1.05x'
				}
			],
			notes: [
				`${cases.length} single-turn cases (${CATEGORIES.join(', ')}), ${requests.length} engine calls per pass, ≤ ${MAX_TOKENS} tokens each, temperature 0, ${ROUNDS} alternating rounds after a warm-up; goal ≤ 1.05`
			]
		};
	} finally {
		await engine.dispose();
	}
}

/**
 * `count` answers spread over the last 30 days (the dashboard's default range) on three models,
 * with errors, stops, tools and features, as raw rows and their daily rollups.
 * @param {number} count
 */
export async function recorded(count) {
	const { dayOf } = await loadTs('src/lib/metrics/record.ts');
	const { addToRollup, emptyRollup } = await loadTs('src/lib/metrics/rollup.ts');
	const models = [
		['ollama', 'llama3.2:1b'],
		['webllm', 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC'],
		['openai', 'gpt-local']
	];
	const tools = ['web_search', 'calculator', 'weather', 'fetch_page'];
	const now = Date.now();
	/** @type {any[]} */
	const rows = [];
	/** @type {Map<string, any>} */
	const rollups = new Map();
	let seed = 7;
	const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
	for (let i = 0; i < count; i++) {
		const at = now - Math.floor(random() * 29 * DAY_MS);
		const [engine, model] = /** @type {[string, string]} */ (models[i % models.length]);
		const failed = random() < 0.04;
		const firstTokenMs = Math.round(150 + random() * 1500);
		/** @type {any} */
		const m = {
			id: `m${i}`,
			messageId: `a${i}`,
			at,
			day: dayOf(at),
			engine,
			model,
			agent: 'chat',
			status: failed ? 'error' : random() < 0.03 ? 'aborted' : 'done',
			...(failed ? { errorCode: random() < 0.5 ? 'engine_unreachable' : 'engine_http' } : {}),
			firstTokenMs,
			totalMs: firstTokenMs + Math.round(random() * 6000),
			promptTokens: 300 + Math.round(random() * 900),
			completionTokens: 20 + Math.round(random() * 400),
			tokensPerSecond: 10 + random() * 40,
			tools:
				random() < 0.25
					? [{ name: tools[i % tools.length], status: random() < 0.9 ? 'done' : 'error' }]
					: [],
			features: {
				voice: random() < 0.1,
				images: random() < 0.05,
				knowledge: random() < 0.15,
				memory: random() < 0.3
			}
		};
		rows.push(m);
		const key = emptyRollup(m).key;
		rollups.set(key, addToRollup(rollups.get(key) ?? emptyRollup(m), m));
	}
	return { rows, rollups: [...rollups.values()] };
}

/**
 * @param {import('@playwright/test').Browser} browser
 * @param {string} url
 * @param {number} count
 */
async function dashboardRender(browser, url, count) {
	const { rows, rollups } = await recorded(count);
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await page.goto(url);
		await waitReady(page);
		const put = (/** @type {string} */ store, /** @type {any[]} */ values) =>
			page.evaluate(
				({ store, values }) =>
					new Promise((resolve, reject) => {
						const open = indexedDB.open('hearth');
						open.onerror = () => reject(open.error);
						open.onsuccess = () => {
							const tx = open.result.transaction(store, 'readwrite');
							for (const value of values) tx.objectStore(store).put(value);
							tx.oncomplete = () => {
								open.result.close();
								resolve(undefined);
							};
							tx.onerror = () => reject(tx.error);
						};
					}),
				{ store, values }
			);
		for (let i = 0; i < rows.length; i += 5000) await put('metrics', rows.slice(i, i + 5000));
		await put('metricDays', rollups);
		await page.reload();
		await waitReady(page);
		await page.getByRole('button', { name: /Evals and metrics/ }).click();
		await page.getByTestId('quality-dialog').waitFor();
		// Measured in the page from the click: to the frame where the totals count every answer
		// (the numbers a person reads first), and to the frame where every chart is drawn (Chart.js
		// has sized each canvas).
		const open = () =>
			page.evaluate(async (expected) => {
				const tab = /** @type {HTMLElement} */ (document.getElementById('quality-tab-metrics'));
				const started = performance.now();
				tab.click();
				/** @type {number | null} */
				let numbers = null;
				return new Promise((resolve, reject) => {
					const give = setTimeout(() => reject(new Error('the dashboard never drew')), 30_000);
					const check = () => {
						const dash = document.querySelector('[data-testid="metrics-dashboard"]');
						const canvases = dash ? [...dash.querySelectorAll('canvas')] : [];
						const total = dash
							?.querySelector('[data-testid="metrics-totals"] dd')
							?.textContent?.trim();
						if (numbers === null && total === expected) numbers = performance.now() - started;
						const drawn =
							canvases.length === 6 && canvases.every((c) => c.style.boxSizing === 'border-box');
						if (drawn && numbers !== null) {
							clearTimeout(give);
							resolve({ numbers, charts: performance.now() - started });
						} else requestAnimationFrame(check);
					};
					check();
				});
			}, String(count));
		const away = () => page.getByRole('tab', { name: 'Evals' }).click();
		const first = /** @type {{ numbers: number, charts: number }} */ (await open());
		/** @type {number[]} */
		const again = [];
		for (let i = 0; i < 5; i++) {
			await away();
			again.push(/** @type {{ charts: number }} */ (await open()).charts);
		}
		return { first, again: median(again), rollups: rollups.length };
	} finally {
		await context.close();
	}
}

async function dashboard() {
	const dir = await ensureBuild();
	const app = await startServer({ dir, port: 0, quiet: true });
	const browser = await launchChromium();
	try {
		const small = await dashboardRender(browser, app.url, 1_000);
		const large = await dashboardRender(browser, app.url, 100_000);
		return [
			{
				measure: 'dashboard first open ms: numbers shown',
				baseline: round(small.first.numbers),
				Hearth: round(large.first.numbers),
				'Hearth ÷ baseline': ratio(large.first.numbers, small.first.numbers),
				goal: '≤ 200 ms'
			},
			{
				measure: 'dashboard first open ms: every chart drawn',
				baseline: round(small.first.charts),
				Hearth: round(large.first.charts),
				'Hearth ÷ baseline': ratio(large.first.charts, small.first.charts),
				goal: '≤ 200 ms'
			},
			{
				measure: 'dashboard open again ms (median of 5)',
				baseline: round(small.again),
				Hearth: round(large.again),
				'Hearth ÷ baseline': ratio(large.again, small.again),
				goal: '≤ 200 ms'
			}
		];
	} finally {
		await browser.close();
		await app.close();
	}
}

export async function run() {
	const rows = [];
	const notes = [];
	// HEARTH_BENCH_EVALS=harness or =dashboard runs one half (each takes minutes on a busy machine).
	const part = process.env.HEARTH_BENCH_EVALS;
	if (part === 'dashboard') {
		notes.push('harness overhead not run (HEARTH_BENCH_EVALS=dashboard)');
	} else if (existsSync(MODEL)) {
		try {
			const overhead = await harnessOverhead();
			rows.push(...overhead.rows);
			notes.push(...overhead.notes);
		} finally {
			await closeLoader();
		}
	} else {
		notes.push(`harness overhead skipped: ${MODEL} not found`);
	}
	if (part === 'harness') notes.push('dashboard not run (HEARTH_BENCH_EVALS=harness)');
	else {
		try {
			rows.push(...(await dashboard()));
		} finally {
			await closeLoader();
		}
	}
	notes.push(
		'eval rows: baseline = the same requests the harness made, sent straight to the engine',
		'dashboard rows: built app in Chromium, from the Metrics tab click to the totals shown and to every chart drawn (Chart.js starts loading once the Evals and metrics screen has painted, and is warmed off screen when the page is idle); "open again" comes back from the Evals tab to the kept charts; baseline = 1,000 recorded answers, Hearth = 100,000 (last 30 days, three models; the dashboard reads daily rollups only)'
	);
	return { title: 'Evals harness overhead and metrics dashboard render', rows, notes };
}
