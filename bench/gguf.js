// llama.cpp in the browser (GGUF): Hearth's engine against raw wllama in the same page, on the real
// stories260K model from ../shared/models (or each GGUF in HEARTH_GGUF_MODELS). Rows:
//   decode tokens/s through Hearth's engine ÷ raw wllama (same model, prompt, greedy sampling)
//   time to first token, Hearth minus raw wllama
//   tokens prefilled for turn 10 of a conversation (through the app) ÷ tokens of turn 10's new text
//   CPU 1 thread vs CPU 2 threads (cross-origin isolated) vs WebGPU (SwiftShader here)
//   schema-mode step validity on the real model (the real tool schemas)
// llama.cpp's threads spin-wait, so every row names its thread count and the load average.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { startGgufMirror } from '../tests/fixtures/gguf-mirror.js';
import { ROOT, ensureBuild, launchChromium, openWithSettings, ratio, round } from './lib.js';

const STORIES = path.resolve(ROOT, '../shared/models/gguf/stories260K.gguf');
const RUNS = Number(process.env.HEARTH_GGUF_RUNS ?? 5);
const STEPS = Number(process.env.HEARTH_GGUF_STEPS ?? 50);
const MAX_TOKENS = 200;
/** Which parts to run (HEARTH_GGUF_ROWS, comma-separated): speed, prefix, schema, devices. */
const PARTS = new Set(
	(process.env.HEARTH_GGUF_ROWS ?? 'speed,prefix,schema,devices').split(',').map((s) => s.trim())
);
const REPO = 'bench/models';
/** The window both sides allocate (stories260K was trained with 2,048). */
const CONTEXT = 2048;

const TOOLS_OFF = Object.fromEntries(
	[
		'run_python',
		'calculator',
		'list_files',
		'find_files',
		'read_file',
		'write_file',
		'create_file',
		'web_search',
		'fetch_page',
		'search_knowledge',
		'set_reminder',
		'list_reminders',
		'cancel_reminder',
		'current_time',
		'convert_time',
		'date_difference',
		'day_of_week',
		'weather',
		'remember',
		'forget',
		'recall_conversations'
	].map((n) => [n, false])
);

const started = Date.now();
/** Where the run is (on stderr, so the table on stdout stays clean): it takes minutes. */
const step = (/** @type {string} */ what) =>
	console.error(`[gguf ${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`);

const load = () =>
	os
		.loadavg()
		.map((n) => n.toFixed(2))
		.join(' / ');

/** @returns {string[]} absolute paths of the models to measure */
function models() {
	const dir = process.env.HEARTH_GGUF_MODELS;
	if (dir) {
		return readdirSync(dir)
			.filter((f) => f.endsWith('.gguf') && !f.startsWith('mmproj'))
			.map((f) => path.join(dir, f));
	}
	return existsSync(STORIES) ? [STORIES] : [];
}

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const files = models();
	if (files.length === 0) {
		return {
			title: 'llama.cpp in the browser (GGUF)',
			rows: [
				{
					result: 'skipped: no model',
					reason: `${STORIES} is missing and HEARTH_GGUF_MODELS is not set`
				}
			]
		};
	}
	const dir = await ensureBuild();
	const mirror = await startGgufMirror();
	const plain = await startServer({ dir, port: 0, quiet: true });
	const isolated = await startServer({ dir, port: 0, quiet: true, isolated: true });
	const browser = await launchChromium();
	const wllama = readFileSync(path.join(ROOT, 'node_modules/@wllama/wllama/esm/index.js'), 'utf8');
	/** @type {Array<Record<string, string | number>>} */
	const rows = [];
	const notes = [`load average (1/5/15 min) at the start: ${load()}`];
	try {
		for (const file of files) {
			const name = path.basename(file);
			const modelUrl = mirror.add(REPO, name, file);
			const id = `gguf:hf:${REPO}:${name}`;
			const context = await browser.newContext();
			// The isolated page (COEP require-corp) starts no worker whose script lacks COEP itself.
			const headers = {
				'Cross-Origin-Embedder-Policy': 'require-corp',
				'Cross-Origin-Resource-Policy': 'same-origin'
			};
			await context.route('**/bench-wllama.js', (r) =>
				r.fulfill({ status: 200, contentType: 'text/javascript', headers, body: wllama })
			);
			await context.route('**/bench-wllama-worker.js', (r) =>
				r.fulfill({ status: 200, contentType: 'text/javascript', headers, body: RAW_WORKER })
			);
			const page = await context.newPage();
			page.setDefaultTimeout(20 * 60_000);
			const settings = {
				ggufBaseUrl: mirror.url,
				ggufThreads: 1,
				ggufDevice: 'cpu',
				webModel: id,
				engine: 'webllm',
				temperature: 0,
				maxTokens: 48,
				ggufContextSize: CONTEXT,
				agentRouting: false,
				toolsEnabled: TOOLS_OFF,
				useMemories: false,
				proposeMemories: false,
				autoTitle: false
			};
			step(`${name}: adding it through the Models dialog`);
			await openWithSettings(page, plain.url, settings);
			await addModel(page, name, id);

			step(`${name}: speed on the CPU, 1 thread`);
			const speed = await compare(page, modelUrl, 'cpu', 1);
			if (PARTS.has('speed')) rows.push(...speedRows(name, speed, 'CPU, 1 thread'));
			if (PARTS.has('prefix')) {
				step(`${name}: ten turns, prompt cache`);
				rows.push(...(await prefixRow(page, name, modelUrl)));
			}
			if (PARTS.has('schema')) {
				step(`${name}: ${STEPS} schema-mode steps`);
				rows.push(await schemaRow(page, name));
			}
			if (!PARTS.has('devices')) {
				await context.close();
				continue;
			}

			// The same model on the other devices and thread counts, through Hearth and raw alike.
			step(`${name}: speed on WebGPU`);
			await openWithSettings(page, plain.url, { ...settings, ggufDevice: 'webgpu' });
			const gpu = await compare(page, modelUrl, 'webgpu', 1);
			const isolatedPage = await context.newPage();
			await openWithSettings(isolatedPage, isolated.url, { ...settings, ggufThreads: 2 });
			await addModel(isolatedPage, name, id);
			step(`${name}: speed on the CPU, 2 threads`);
			const two = await compare(isolatedPage, modelUrl, 'cpu', 2);
			for (const [label, measured] of /** @type {const} */ ([
				['CPU, 1 thread', speed],
				['CPU, 2 threads (isolated page)', two],
				['WebGPU, all layers (SwiftShader)', gpu]
			])) {
				rows.push({
					model: name,
					row: `decode tok/s: ${label}`,
					Hearth: round(measured.hearth.tps, 1),
					'raw wllama': round(measured.raw.tps, 1),
					ratio: ratio(measured.hearth.tps, speed.raw.tps),
					goal: `Hearth: ${measured.hearth.device}; raw: ${measured.raw.device}; load ${load()}`
				});
			}
			await context.close();
		}
	} finally {
		await browser.close();
		await Promise.all([plain.close(), isolated.close(), mirror.close()]);
	}
	notes.push(
		`median of ${RUNS} runs of up to ${MAX_TOKENS} greedy tokens after a whole warm-up answer each, Hearth, raw wllama on the page and raw wllama in a module worker interleaved in one page (each run starting with the next side); decode speed = (tokens − 1) ÷ (last token − first token), all timed when the text reaches the page's main thread`,
		`schema validity: ${STEPS} steps (HEARTH_GGUF_STEPS; the e2e test runs 200), temperature 1, every real tool's schema; a step passes when the agent's own checks accept it`,
		`load average (1/5/15 min) at the end: ${load()}`
	);
	return {
		title: `llama.cpp in the browser: ${files.map((f) => path.basename(f)).join(', ')}`,
		rows,
		notes
	};
}

/**
 * @param {import('@playwright/test').Page} page
 * @param {string} name
 * @param {string} id
 */
async function addModel(page, name, id) {
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const dialog = page.getByTestId('models-dialog');
	await dialog.getByTestId('gguf-repo').fill(REPO);
	await dialog.getByTestId('gguf-file').fill(name);
	await dialog.getByTestId('gguf-add-hub').click();
	await page.waitForFunction(
		(modelId) =>
			document
				.querySelector(`[data-testid="gguf-row"][data-model-id="${modelId}"]`)
				?.getAttribute('data-status') === 'complete',
		id,
		{ polling: 100 }
	);
	await dialog.getByRole('button', { name: 'Close' }).click();
}

/**
 * Raw wllama inside a module worker of its own, driven by messages: what hosting wllama in a worker
 * costs by itself (Hearth hosts it in its GGUF worker), without any of Hearth's code.
 */
const RAW_WORKER = `
import { Wllama } from '/bench-wllama.js';
let wllama;
onmessage = async ({ data }) => {
	try {
		if (data.type === 'load') {
			wllama = new Wllama({ default: '/wllama/wllama.wasm' }, { logger: { debug() {}, log() {}, warn() {}, error() {} } });
			wllama.setCompat(null);
			await wllama.loadModel([data.blob], data.params);
			postMessage({ type: 'loaded' });
		} else if (data.type === 'chat') {
			const stream = await wllama.createChatCompletion({ ...data.request, stream: true, stream_options: { include_usage: true } });
			for await (const chunk of stream) postMessage({ type: 'chunk', chunk });
			postMessage({ type: 'end' });
		} else if (data.type === 'exit') {
			await wllama.exit();
			postMessage({ type: 'exited' });
		}
	} catch (e) {
		postMessage({ type: 'error', message: String(e) });
	}
};
`;

/**
 * Decode speed and time to first token through Hearth's engine (window.__hearthEngine), raw
 * wllama on the page's main thread, and raw wllama in a module worker, interleaved, on the same
 * prompts. All count tokens from llama.cpp's usage and time text as it reaches the main thread;
 * each says where it really ran (Hearth: the engine's load result; raw: llama.cpp's own log line).
 * @param {import('@playwright/test').Page} page
 * @param {string} modelUrl
 * @param {'cpu' | 'webgpu'} device
 * @param {number} threads
 */
async function compare(page, modelUrl, device, threads) {
	return page.evaluate(
		async ({ modelUrl, device, threads, runs, maxTokens, context }) => {
			while (!(/** @type {any} */ (window).__hearthEngine)) {
				await new Promise((r) => setTimeout(r, 50));
			}
			const hook = /** @type {any} */ (window).__hearthEngine;
			const { Wllama } = await import(/* @vite-ignore */ '/bench-wllama.js');
			/** @type {string[]} */
			const lines = [];
			const keep = (/** @type {unknown[]} */ ...args) => void lines.push(args.join(' '));
			const raw = new Wllama(
				{ default: '/wllama/wllama.wasm' },
				{ logger: { debug: keep, log: keep, warn: keep, error: keep } }
			);
			raw.setCompat(null);
			const blob = await (await fetch(modelUrl)).blob();
			const params = {
				n_ctx: context,
				n_threads: threads,
				n_gpu_layers: device === 'cpu' ? 0 : 999,
				reasoning_format: 'none',
				jinja: true
			};
			await raw.loadModel([blob], params);
			const offloaded = lines.find((l) => /offloaded \d+\/\d+ layers to GPU/.test(l));

			const worker = new Worker('/bench-wllama-worker.js', { type: 'module' });
			/** @type {((data: any) => void) | undefined} */
			let onData;
			worker.onmessage = ({ data }) => onData?.(data);
			// A worker that cannot start says so instead of leaving the run waiting forever.
			worker.onerror = (e) => onData?.({ type: 'error', message: e.message || 'worker failed' });
			const next = (
				/** @type {string} */ until,
				/** @type {(data: any) => void} */ each = () => {}
			) =>
				new Promise((resolve, reject) => {
					onData = (data) => {
						if (data.type === 'error') reject(new Error(data.message));
						else if (data.type === until) resolve(data);
						else each(data);
					};
				});
			const loadedInWorker = next('loaded');
			worker.postMessage({ type: 'load', blob, params });
			await loadedInWorker;

			const speed = (
				/** @type {number} */ tokens,
				/** @type {number} */ first,
				/** @type {number} */ last
			) => (tokens > 1 && last > first ? (tokens - 1) / ((last - first) / 1000) : NaN);
			/** @type {Record<'hearth' | 'raw' | 'worker', { ttft: number, tps: number }[]>} */
			const measured = { hearth: [], raw: [], worker: [] };
			const runHearth = async (/** @type {any[]} */ messages, /** @type {boolean} */ keep) => {
				const t0 = performance.now();
				const reply = await hook.chat({ messages, options: { temperature: 0, maxTokens } });
				if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
				if (!keep) return;
				measured.hearth.push({
					ttft: reply.firstTextAt - t0,
					tps: speed(reply.usage.completionTokens, reply.firstTextAt, reply.lastTextAt)
				});
			};
			const runRaw = async (/** @type {any[]} */ messages, /** @type {boolean} */ keep) => {
				const r0 = performance.now();
				let first = 0;
				let last = 0;
				let tokens = 0;
				const stream = await raw.createChatCompletion({
					messages,
					temperature: 0,
					max_tokens: maxTokens,
					stream: true,
					stream_options: { include_usage: true }
				});
				for await (const chunk of stream) {
					if (chunk.choices[0]?.delta?.content) {
						first ||= performance.now();
						last = performance.now();
					}
					if (chunk.usage) tokens = chunk.usage.completion_tokens;
				}
				if (keep) measured.raw.push({ ttft: first - r0, tps: speed(tokens, first, last) });
			};
			const runWorker = async (/** @type {any[]} */ messages, /** @type {boolean} */ keep) => {
				const w0 = performance.now();
				let first = 0;
				let last = 0;
				let tokens = 0;
				const done = next('end', ({ chunk }) => {
					if (chunk.choices[0]?.delta?.content) {
						first ||= performance.now();
						last = performance.now();
					}
					if (chunk.usage) tokens = chunk.usage.completion_tokens;
				});
				worker.postMessage({
					type: 'chat',
					request: { messages, temperature: 0, max_tokens: maxTokens }
				});
				await done;
				if (keep) measured.worker.push({ ttft: first - w0, tps: speed(tokens, first, last) });
			};
			const sides = [runHearth, runRaw, runWorker];
			// Warm all three (load, first compile, a whole answer) before measuring.
			for (const side of sides) await side([{ role: 'user', content: 'Once upon a time' }], false);
			// Each run starts with another side, so none always follows the same one.
			for (let i = 0; i < runs; i++) {
				const messages = [{ role: 'user', content: `Once upon a time ${i}` }];
				for (let k = 0; k < sides.length; k++) await sides[(i + k) % sides.length](messages, true);
			}
			await raw.exit();
			const exited = next('exited');
			worker.postMessage({ type: 'exit' });
			await exited;
			worker.terminate();
			const median = (/** @type {number[]} */ xs) => {
				const s = [...xs].sort((a, b) => a - b);
				return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
			};
			const summary = (/** @type {{ ttft: number, tps: number }[]} */ xs) => ({
				tps: median(xs.map((r) => r.tps)),
				ttft: median(xs.map((r) => r.ttft))
			});
			const loaded = hook.ggufLoaded();
			return {
				hearth: {
					...summary(measured.hearth),
					device: loaded
						? `${loaded.device}, ${loaded.threads} thread(s)${loaded.compat ? ', compat build' : ''}`
						: 'unknown'
				},
				raw: {
					...summary(measured.raw),
					device: offloaded ? offloaded.replace(/^.*?offloaded/, 'offloaded') : 'no layers on a GPU'
				},
				worker: summary(measured.worker)
			};
		},
		{ modelUrl, device, threads, runs: RUNS, maxTokens: MAX_TOKENS, context: CONTEXT }
	);
}

/**
 * @typedef {{ tps: number, ttft: number }} Side
 * @param {string} name
 * @param {{ hearth: Side & { device: string }, raw: Side & { device: string }, worker: Side }} m
 * @param {string} where
 */
function speedRows(name, m, where) {
	const tps = (
		/** @type {string} */ row,
		/** @type {Side} */ a,
		/** @type {Side} */ b,
		goal = ''
	) => ({
		model: name,
		row: `decode tok/s, ${row} (${where})`,
		Hearth: round(a.tps, 1),
		'raw wllama': round(b.tps, 1),
		ratio: ratio(a.tps, b.tps),
		goal
	});
	const ttft = (
		/** @type {string} */ row,
		/** @type {Side} */ a,
		/** @type {Side} */ b,
		goal = ''
	) => ({
		model: name,
		row: `time to first token, ${row} (${where})`,
		Hearth: round(a.ttft, 1),
		'raw wllama': round(b.ttft, 1),
		ratio: `${(a.ttft - b.ttft).toFixed(1)} ms`,
		goal
	});
	return [
		tps('Hearth ÷ raw wllama', m.hearth, m.raw, '≥ 0.97'),
		ttft('Hearth − raw', m.hearth, m.raw, '≤ +15 ms'),
		tps(
			'raw in a module worker ÷ raw (what hosting in a worker costs)',
			m.worker,
			m.raw,
			'in the Hearth column: raw wllama in a worker'
		),
		ttft(
			'raw in a module worker − raw',
			m.worker,
			m.raw,
			'in the Hearth column: raw wllama in a worker'
		),
		tps(
			'Hearth ÷ raw in a module worker (Hearth’s own code)',
			m.hearth,
			m.worker,
			'in the raw column: raw wllama in a worker'
		),
		ttft(
			'Hearth − raw in a module worker',
			m.hearth,
			m.worker,
			'in the raw column: raw wllama in a worker'
		)
	];
}

/**
 * Ten turns of one conversation through the app. For turn 10: every prompt token llama.cpp
 * computed (its own count of the history, when the context budget asked for one, plus the
 * answer's request; each minus what came from its cache) ÷ the tokens new since turn 9 (prompt
 * 10 − prompt 9 − answer 9).
 * @param {import('@playwright/test').Page} page
 * @param {string} name
 * @param {string} modelUrl
 */
async function prefixRow(page, name, modelUrl) {
	// Count results the worker sends back (prompt tokens, cached): the budget's exact counts.
	await page.addInitScript(() => {
		const counts = /** @type {{ tokens: number, cachedTokens?: number }[]} */ ([]);
		/** @type {any} */ (window).__ggufCounts = counts;
		const listen = Worker.prototype.addEventListener;
		Worker.prototype.addEventListener = function (
			/** @type {string} */ type,
			/** @type {any} */ listener,
			/** @type {any} */ options
		) {
			if (type === 'message') {
				listen.call(this, 'message', (/** @type {MessageEvent} */ event) => {
					const m = event.data;
					if (m?.type === 'result' && m.call === 'countPrompt' && m.ok) counts.push(m.value);
				});
			}
			return listen.call(this, type, listener, options);
		};
		// The exact messages of every answer's request, to replay turns 9 and 10 through raw wllama.
		const chats = /** @type {unknown[]} */ ([]);
		/** @type {any} */ (window).__ggufChatMessages = chats;
		const post = Worker.prototype.postMessage;
		Worker.prototype.postMessage = function (
			/** @type {any} */ message,
			/** @type {any[]} */ ...rest
		) {
			if (message?.type === 'call' && message.call === 'chat') chats.push(message.params.messages);
			return /** @type {any} */ (post).call(this, message, ...rest);
		};
	});
	// A fresh page and worker, so the listener above sees every message.
	await page.reload();
	await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
	const composer = page.getByLabel('Message Hearth');
	/** @type {number[]} */
	const countsBefore = [];
	for (let turn = 1; turn <= 10; turn++) {
		countsBefore.push(await page.evaluate(() => /** @type {any} */ (window).__ggufCounts.length));
		await composer.fill(`Turn ${turn}: the little dog ran to the park and found a ball.`);
		await composer.press('Enter');
		await page.waitForFunction(
			(n) => {
				const all = document.querySelectorAll('article[aria-label="Hearth’s answer"]');
				const last = all[all.length - 1];
				return all.length >= n && /done|error/.test(last?.getAttribute('data-status') ?? '');
			},
			turn,
			{ polling: 100 }
		);
	}
	const counts = /** @type {{ tokens: number, cachedTokens?: number }[]} */ (
		await page.evaluate(() => /** @type {any} */ (window).__ggufCounts)
	);
	const usage = await page.evaluate(
		() =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const request = open.result.transaction('messages').objectStore('messages').getAll();
					request.onsuccess = () =>
						resolve(
							/** @type {{ role: string, createdAt: number, usage?: object }[]} */ (request.result)
								.filter((m) => m.role === 'assistant')
								.sort((a, b) => a.createdAt - b.createdAt)
								.slice(-2)
								.map((m) => m.usage)
						);
					request.onerror = () => reject(request.error);
				};
			})
	);
	const [nine, ten] =
		/** @type {{ promptTokens: number, completionTokens: number, cachedPromptTokens?: number }[]} */ (
			usage
		);
	const counted = counts
		.slice(countsBefore[9])
		.reduce((sum, c) => sum + c.tokens - (c.cachedTokens ?? 0), 0);
	const prefilled = counted + ten.promptTokens - (ten.cachedPromptTokens ?? 0);
	const fresh = ten.promptTokens - nine.promptTokens - nine.completionTokens;
	const raw = await rawConversation(page, modelUrl);
	const sent = /** @type {{ role: string, content: string }[][]} */ (
		await page.evaluate(() => /** @type {any} */ (window).__ggufChatMessages.slice(-2))
	);
	const replay = await rawConversation(page, modelUrl, sent);
	return [
		{
			model: name,
			row: 'turn 10: prompt tokens computed ÷ tokens new since turn 9',
			Hearth: prefilled,
			'raw wllama': fresh,
			ratio: ratio(prefilled, fresh),
			goal: `≤ 1.2 (prompt ${ten.promptTokens}; answer request cached ${ten.cachedPromptTokens ?? 0}; budget count computed ${counted})`
		},
		{
			model: name,
			row: 'Hearth’s own turn 9 and 10 requests replayed through raw wllama: computed ÷ new',
			Hearth: prefilled,
			'raw wllama': replay.computed,
			ratio: ratio(prefilled, replay.computed),
			goal: `like for like: raw computed ${replay.computed} of ${replay.fresh} new (prompt ${replay.prompt}, cached ${replay.cached}); the rest is the model's answer read back as other tokens`
		},
		{
			model: name,
			row: 'turn 10 of the same talk through raw wllama: computed ÷ new',
			Hearth: raw.computed,
			'raw wllama': raw.fresh,
			ratio: ratio(raw.computed, raw.fresh),
			goal: `baseline: the history re-rendered by llama.cpp itself (prompt ${raw.prompt}, cached ${raw.cached})`
		}
	];
}

/**
 * The same ten user turns through raw wllama (no system prompt, the growing history as it is), or
 * (`replay`) Hearth's own requests for turns 9 and 10 exactly as it sent them,
 * for turn 10: what llama.cpp computed against what was new. llama.cpp reuses its cache up to the
 * first token where the re-rendered history differs from what it generated, so a model whose
 * answers tokenize differently when read back recomputes them, whoever sends the history.
 * @param {import('@playwright/test').Page} page
 * @param {string} modelUrl
 */
async function rawConversation(
	page,
	modelUrl,
	/** @type {{ role: string, content: string }[][] | undefined} */ replay = undefined
) {
	return page.evaluate(
		async ({ modelUrl, context, replay }) => {
			const { Wllama } = await import(/* @vite-ignore */ '/bench-wllama.js');
			const raw = new Wllama(
				{ default: '/wllama/wllama.wasm' },
				{ logger: { debug() {}, log() {}, warn() {}, error() {} } }
			);
			raw.setCompat(null);
			const blob = await (await fetch(modelUrl)).blob();
			await raw.loadModel([blob], {
				n_ctx: context,
				n_threads: 1,
				n_gpu_layers: 0,
				reasoning_format: 'none',
				jinja: true
			});
			/** @type {{ role: string, content: string }[]} */
			const messages = [];
			/** @type {{ prompt_tokens: number, completion_tokens: number, prompt_tokens_details?: { cached_tokens?: number } }[]} */
			const usages = [];
			// Either Hearth's own requests for turns 9 and 10, exactly as it sent them, or a talk of
			// ten turns of raw wllama's own (no system prompt, its answers as the history).
			const turns = replay ?? Array.from({ length: 10 }, () => undefined);
			for (const [index, sent] of turns.entries()) {
				if (!sent) {
					messages.push({
						role: 'user',
						content: `Turn ${index + 1}: the little dog ran to the park and found a ball.`
					});
				}
				let text = '';
				let usage;
				const stream = await raw.createChatCompletion({
					messages: sent ?? messages,
					temperature: 0,
					max_tokens: 48,
					stream: true,
					stream_options: { include_usage: true }
				});
				for await (const chunk of stream) {
					text += chunk.choices[0]?.delta?.content ?? '';
					usage = chunk.usage ?? usage;
				}
				usages.push(usage);
				if (!sent) messages.push({ role: 'assistant', content: text });
			}
			await raw.exit();
			const [nine, ten] = usages.slice(-2);
			const cached = ten.prompt_tokens_details?.cached_tokens ?? 0;
			return {
				prompt: ten.prompt_tokens,
				cached,
				computed: ten.prompt_tokens - cached,
				fresh: ten.prompt_tokens - nine.prompt_tokens - nine.completion_tokens
			};
		},
		{ modelUrl, context: CONTEXT, replay }
	);
}

/**
 * Schema-mode steps on the real model with every real tool: how many the agent's checks accept.
 * @param {import('@playwright/test').Page} page
 * @param {string} name
 */
async function schemaRow(page, name) {
	const { valid, toolOk, total, lengths } = await page.evaluate(async (steps) => {
		const hook = /** @type {any} */ (window).__hearthEngine;
		const protocol = await hook.toolProtocol();
		let valid = 0;
		let toolOk = 0;
		let lengths = 0;
		for (let i = 0; i < steps; i++) {
			// The grammar carries every real tool's schema; the prompt only names the tools (their
			// schemas listed too would not fit stories260K's 2,048-token window).
			const system = `Reply with one JSON object: call one of these tools (${protocol.tools.join(', ')}) or answer.`;
			const reply = await hook.chat({
				messages: [
					{ role: 'system', content: system },
					{ role: 'user', content: `Once upon a time ${i}` }
				],
				options: { temperature: 1, topP: 1, maxTokens: 1024 },
				responseSchema: protocol.schema
			});
			if (reply.ok && reply.finishReason === 'length') lengths++;
			const checked = reply.ok ? await hook.checkStep(reply.text, protocol.schema) : null;
			if (checked?.ok) valid++;
			if (checked?.toolOk) toolOk++;
		}
		return { valid, toolOk, total: steps, lengths };
	}, STEPS);
	return {
		model: name,
		row: 'schema-mode steps that parse and validate',
		Hearth: `${valid}/${total}`,
		'raw wllama': '-',
		ratio: `${round((valid / total) * 100, 1)} %`,
		goal: `100 % (${lengths} hit the token limit; ${toolOk}/${total} also pass the tools' own checks)`
	};
}
