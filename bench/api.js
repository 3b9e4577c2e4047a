// `npm run bench -- api`: requests/s and p50/p95 latency of hearth serve's POST
// /v1/chat/completions at concurrency 1, 4 and 16, each against a baseline measured in the same
// run: (1) stories260K through the API vs node-llama-cpp called directly in this process with
// the exact prompt tokens the API's engine was sent (one thread; one sequence, so both sides
// answer one request at a time); (2) the API over the OpenAI-compatible fixture vs the fixture
// called directly: what the server itself adds (HTTP, auth, the agent turn, SQLite writes).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { closeLoader, loadTs } from './node-load.js';
import { ratio, ROOT, round } from './lib.js';

const MODEL = path.resolve(ROOT, '../shared/models/gguf/stories260K.gguf');
const TOKEN = 'hearth_test-token-0123456789abcdef';
const MAX_TOKENS = 64;
const LEVELS = [1, 4, 16];
/** Requests per side and level, in ROUNDS alternating blocks: enough for a steady p95. */
const REQUESTS = { 1: 120, 4: 120, 16: 160 };
/**
 * Each level alternates API and direct blocks this many times (the first side swapping each
 * round), so a burst of load from another process falls on both sides, not on one.
 */
const ROUNDS = 4;
/** Untimed calls per side before the first timed level. */
const WARM_UP = 24;

/** @param {number[]} sorted @param {number} p */
function pct(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

/** @typedef {{ latencies: number[], seconds: number, cpuMicros: number, total: number }} Sample */

/**
 * Runs `total` calls of `once` with `concurrency` in flight.
 * @param {() => Promise<void>} once
 * @param {number} concurrency
 * @param {number} total
 * @returns {Promise<Sample>}
 */
async function load(once, concurrency, total) {
	/** @type {number[]} */
	const latencies = [];
	let next = 0;
	const started = performance.now();
	const cpu = process.cpuUsage();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < total) {
				next++;
				const t = performance.now();
				await once();
				latencies.push(performance.now() - t);
			}
		})
	);
	const used = process.cpuUsage(cpu);
	return {
		latencies,
		seconds: (performance.now() - started) / 1000,
		cpuMicros: used.user + used.system,
		total
	};
}

/** @param {Sample[]} samples latency per call, throughput overall, CPU per call */
function summary(samples) {
	const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
	const total = samples.reduce((n, s) => n + s.total, 0);
	return {
		rps: total / samples.reduce((n, s) => n + s.seconds, 0),
		p50: pct(latencies, 0.5),
		p95: pct(latencies, 0.95),
		// This process's CPU (every thread: the client, the server and llama.cpp) per request.
		cpuMs: samples.reduce((n, s) => n + s.cpuMicros, 0) / 1000 / total
	};
}

/**
 * Both sides at one concurrency, in ROUNDS alternating blocks.
 * @param {() => Promise<void>} api
 * @param {() => Promise<void>} direct
 * @param {number} concurrency
 * @param {number} total per side
 */
async function measure(api, direct, concurrency, total) {
	/** @type {Sample[]} */
	const a = [];
	/** @type {Sample[]} */
	const d = [];
	const block = Math.ceil(total / ROUNDS);
	for (let round = 0; round < ROUNDS; round++) {
		if (round % 2 === 0) {
			a.push(await load(api, concurrency, block));
			d.push(await load(direct, concurrency, block));
		} else {
			d.push(await load(direct, concurrency, block));
			a.push(await load(api, concurrency, block));
		}
	}
	return { api: summary(a), direct: summary(d) };
}

/** Untimed calls of both sides, alternating, until the process has settled after start-up. */
async function warm(
	/** @type {() => Promise<void>} */ api,
	/** @type {() => Promise<void>} */ direct
) {
	for (let i = 0; i < WARM_UP; i++) {
		await api();
		await direct();
	}
}

/** One call at a time through `fn`, in arrival order (a single llama.cpp sequence). */
function serialized() {
	let tail = Promise.resolve();
	/** @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
	return (fn) => {
		const result = tail.then(fn);
		tail = result.then(
			() => undefined,
			() => undefined
		);
		return result;
	};
}

/** @param {string} url @param {object} body @param {Record<string, string>} [headers] */
async function postJson(url, body, headers = {}) {
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
	const json = await res.json();
	if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
	return json;
}

/**
 * @param {string} label
 * @param {{ rps: number, p50: number, p95: number, cpuMs: number }} api
 * @param {{ rps: number, p50: number, p95: number, cpuMs: number }} direct
 * @param {number} concurrency
 */
function rows(label, api, direct, concurrency) {
	return {
		case: label,
		concurrency,
		'API req/s': round(api.rps, 1),
		'direct req/s': round(direct.rps, 1),
		'API p50 ms': round(api.p50, 1),
		'direct p50 ms': round(direct.p50, 1),
		'API p95 ms': round(api.p95, 1),
		'direct p95 ms': round(direct.p95, 1),
		'p50 ratio': ratio(api.p50, direct.p50),
		'throughput ratio (direct/API)': ratio(direct.rps, api.rps),
		'API CPU ms/req': round(api.cpuMs, 1),
		'direct CPU ms/req': round(direct.cpuMs, 1),
		'CPU ratio': ratio(api.cpuMs, direct.cpuMs)
	};
}

export async function run() {
	/** @type {object[]} */
	const table = [];
	const notes = [];
	// Loaded inside the try: a failed load still closes Vite's loader (else the process hangs).
	try {
		const { startApiHarness, STORIES, FIXTURE_MODEL } = await loadTs('src/server/test-kit.ts');
		if (existsSync(MODEL)) {
			table.push(...(await storiesRows(startApiHarness, STORIES)));
		} else {
			notes.push(`stories260K rows skipped: ${MODEL} not found`);
		}
		table.push(...(await fixtureRows(startApiHarness, FIXTURE_MODEL)));
	} finally {
		await closeLoader();
	}
	return {
		title: 'hearth serve: POST /v1/chat/completions vs a direct call, same run',
		rows: table,
		notes: [
			...notes,
			`stories260K: greedy, max_tokens ${MAX_TOKENS}, llama.cpp threads 1 on both sides, non-streamed; direct = node-llama-cpp's LlamaCompletion on the exact prompt the API's engine got (agent prompt included; templated and tokenised per call, as the engine does) with the sampling options and stop triggers it got, checked to return the API's text; one sequence, serialized like the engine.`,
			`${WARM_UP} untimed calls per side first; then per level ${REQUESTS[1]}/${REQUESTS[4]}/${REQUESTS[16]} requests per side (concurrency 1/4/16) in ${ROUNDS} alternating blocks, pooled.`,
			'fixture: the OpenAI-compatible fixture server (no model; chunks with no delay) behind the API vs Hearth\u2019s OpenAiEngine calling it in this process with the same request: the server\u2019s own cost (HTTP, token check, the agent turn, a conversation and two messages written to SQLite).',
			'Ratios are API \u00f7 direct for latency and CPU (1.00x = no overhead) and direct \u00f7 API for throughput.',
			'On a loaded machine wall-clock rows swing with other processes (every HTTP round trip gives the CPU away); CPU time per request (this process, every thread, the client included) is the steadier measure of what the server adds.'
		]
	};
}

/** @param {any} startApiHarness @param {string} STORIES */
async function storiesRows(startApiHarness, STORIES) {
	const h = await startApiHarness({
		defaultModel: 'stories',
		tools: false,
		// The service's own save interval (250 ms), as `hearth serve` runs; the tests save faster.
		server: { rateLimitPerMinute: 0, saveEveryMs: undefined }
	});
	const { getLlama, LlamaCompletion, LlamaLogLevel, ChatMLChatWrapper } =
		await import('node-llama-cpp');
	const { toChatHistory, promptTokens } = await loadTs('src/node/llama-prompt.ts');
	const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
	const model = await llama.loadModel({ modelPath: MODEL, gpuLayers: 0 });
	const context = await model.createContext({ contextSize: 512, threads: 1 });
	const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
	const url = `${h.url}/v1/chat/completions`;
	const body = {
		model: STORIES,
		messages: [{ role: 'user', content: 'Once upon a time' }],
		temperature: 0,
		max_tokens: MAX_TOKENS
	};
	const auth = { Authorization: `Bearer ${TOKEN}` };
	try {
		// Warm both sides; the API's first request also tells us its exact prompt and options.
		const first = await postJson(url, body, auth);
		const expected = first.choices[0].message.content;
		const sent = h.llamaRequests.at(-1);
		const wrapper = new ChatMLChatWrapper();
		// The sampling the engine was given (the agent adds Hearth's top_p to the caller's
		// temperature and max_tokens) and its stop triggers: the same tokens come out.
		const sampling = sent.options ?? {};
		if (sampling.maxTokens !== MAX_TOKENS || sampling.temperature !== 0) {
			throw new Error(`the API's engine got ${JSON.stringify(sampling)}`);
		}
		const one = serialized();
		const direct = () =>
			one(async () => {
				// Templated and tokenised per call, as the engine does for each request.
				const state = wrapper.generateContextState({ chatHistory: toChatHistory(sent.messages) });
				const tokens = promptTokens(model, state.contextText);
				const text = await completion.generateCompletion(tokens, {
					temperature: sampling.temperature,
					topP: sampling.topP,
					maxTokens: sampling.maxTokens,
					customStopTriggers: [...state.stopGenerationTriggers, ...(sampling.stop ?? [])]
				});
				if (text !== expected) throw new Error('the direct call answered differently');
			});
		await direct();
		const api = async () => {
			const reply = await postJson(url, body, auth);
			if (reply.choices[0].message.content !== expected) {
				throw new Error('the API answered differently from its first greedy answer');
			}
		};
		// Untimed rounds first: the first timed level otherwise also pays for what the process is
		// still doing after start-up (Vite's loader transforming, JIT, GC of the load), whichever
		// side is measured first (measured: ~30 ms of CPU per request on the first 24 requests).
		await warm(api, direct);
		const out = [];
		for (const c of LEVELS) {
			const n = REQUESTS[/** @type {1 | 4 | 16} */ (c)];
			const m = await measure(api, direct, c, n);
			out.push(rows('stories260K (llama.cpp)', m.api, m.direct, c));
		}
		return out;
	} finally {
		await context.dispose();
		await model.dispose();
		await llama.dispose();
		await h.close();
	}
}

/** @param {any} startApiHarness @param {string} FIXTURE_MODEL */
async function fixtureRows(startApiHarness, FIXTURE_MODEL) {
	const h = await startApiHarness({
		llama: false,
		tools: false,
		fixtureDelayMs: 0,
		server: { rateLimitPerMinute: 0, saveEveryMs: undefined }
	});
	const message = 'A short question for the fixture server, echoed back in pieces.';
	const body = { model: FIXTURE_MODEL, messages: [{ role: 'user', content: message }] };
	const auth = { Authorization: `Bearer ${TOKEN}` };
	try {
		const api = async () => {
			const reply = await postJson(`${h.url}/v1/chat/completions`, body, auth);
			if (reply.choices[0].message.content !== message) throw new Error('unexpected reply');
		};
		await api();
		// The same engine call the API's turn made (its prompt included), without the server.
		const request = h.openaiRequests.at(-1);
		const direct = async () => {
			let text = '';
			for await (const delta of h.openai.chat(request))
				if (delta.type === 'text') text += delta.text;
			if (text !== message) throw new Error('unexpected reply');
		};
		await direct();
		await warm(api, direct);
		const out = [];
		for (const c of LEVELS) {
			const n = REQUESTS[/** @type {1 | 4 | 16} */ (c)];
			const m = await measure(api, direct, c, n);
			out.push(rows('fixture engine (server overhead)', m.api, m.direct, c));
		}
		return out;
	} finally {
		await h.close();
	}
}
