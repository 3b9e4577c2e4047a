import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { AppConfig, ChatCompletionRequestStreaming, MLCEngine } from '@mlc-ai/web-llm';
import { collectChat, describeEngineContract } from '$lib/engine/contract';
import type { ModelInfo } from '$lib/engine/types';
import { WEB_LLM_VERSION, WebLlmEngine } from '$lib/engine/webllm';
import type { WorkerLike } from '$lib/engine/llm-connection';
import type { GpuProbe, WebModelSpec } from '$lib/protocol/llm';
import { HearthError } from '$lib/types/errors';
import { chunkCodePoints, sampleForSchema } from '../../../tests/fixtures/fixture-replies.js';
import { createLlmHost } from '$workers/llm-host';
import type {
	WebLlmChatRequest,
	WebLlmChunk,
	WebLlmLike,
	WebLlmProgress
} from '$workers/llm-webllm';

// The real client talks to the real host over a real MessageChannel (so every message is
// structured-cloned as between threads); only web-llm, which needs WebGPU, is a double. The
// double understands prompts, like the Ollama fixture server does.

const MB = 1;
const SPECS: Record<string, WebModelSpec & { name: string }> = {
	'Tiny-q4f32_1-MLC': spec('Tiny-q4f32_1-MLC', 'Tiny 0.5B', 900 * MB),
	'Big-q4f32_1-MLC': spec('Big-q4f32_1-MLC', 'Big 8B', 6000 * MB),
	'Mid-q4f32_1-MLC': spec('Mid-q4f32_1-MLC', 'Mid 3B', 3000 * MB)
};
const MODEL = 'Tiny-q4f32_1-MLC';

function spec(id: string, name: string, vramMB: number): WebModelSpec & { name: string } {
	return {
		id,
		name,
		modelUrl: `https://models.example/${id}/`,
		modelLibUrl: `https://models.example/libs/${id}.wasm`,
		contextWindow: 4096,
		requiredFeatures: [],
		vramMB
	};
}

/** What every worker of one test shares: the "GPU" and the faults still to inject. */
interface World {
	gpu: boolean;
	/** Workers started so far. */
	workers: number;
	/** Workers the engine ended (terminate()). */
	terminated: number;
	reloads: string[];
	/** Reloads that returned or threw, successful or not. */
	reloadsEnded: number;
	cancelsSeen: number;
	reloadMs: number;
	/** Crash the worker at the start of this many chats (before any text). */
	crashesBeforeText: number;
	/** Lose the GPU at the start of this many chats. */
	deviceLosses: number;
	/** Never post `ready`. */
	silent: boolean;
	/** The faults of the newest worker, to inject one from outside a call. */
	latest?: Faults;
	/** Every chat request web-llm was given, in order. */
	requests: WebLlmChatRequest[];
}

function newWorld(overrides: Partial<World> = {}): World {
	return {
		gpu: true,
		workers: 0,
		terminated: 0,
		reloads: [],
		reloadsEnded: 0,
		cancelsSeen: 0,
		reloadMs: 0,
		crashesBeforeText: 0,
		deviceLosses: 0,
		silent: false,
		requests: [],
		...overrides
	};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Faults {
	crash: () => void;
	loseDevice: () => void;
}

/** web-llm's MLCEngine as the contract needs it, driven by the user's prompt. */
class ScriptedWebLlm implements WebLlmLike {
	#config?: AppConfig;
	#loaded?: string;
	#interrupt = false;
	#abortReload?: () => void;

	constructor(
		private readonly onProgress: (report: WebLlmProgress) => void,
		private readonly world: World,
		private readonly faults: Faults
	) {}

	setAppConfig(config: AppConfig): void {
		this.#config = config;
	}

	async reload(modelId: string): Promise<void> {
		try {
			await this.#reload(modelId);
		} finally {
			this.world.reloadsEnded++;
		}
	}

	async #reload(modelId: string): Promise<void> {
		this.world.reloads.push(modelId);
		if (!this.world.gpu) {
			const e = new Error('WebGPU is not supported in your current environment.');
			e.name = 'WebGPUNotAvailableError';
			throw e;
		}
		if (!this.#config?.model_list.some((m) => m.model_id === modelId)) {
			throw new Error(`Cannot find model record in appConfig for ${modelId}.`);
		}
		let aborted = false;
		this.#abortReload = () => (aborted = true);
		for (let step = 1; step <= 3 && !aborted; step++) {
			await sleep(this.world.reloadMs / 3);
			if (!aborted) this.onProgress({ progress: step / 3, text: `Loading ${step}/3` });
		}
		this.#abortReload = undefined;
		if (aborted) throw 'Engine.unload() is called.';
		this.#loaded = modelId;
	}

	async unload(): Promise<void> {
		if (this.#abortReload) this.world.cancelsSeen++;
		this.#abortReload?.();
		this.#loaded = undefined;
	}

	interruptGenerate(): void {
		this.world.cancelsSeen++;
		this.#interrupt = true;
	}

	chat = {
		completions: {
			create: async (request: WebLlmChatRequest): Promise<AsyncIterable<WebLlmChunk>> => {
				if (!this.#loaded) throw new Error('Model not loaded before trying to complete');
				this.world.requests.push(request);
				return this.#reply(request);
			}
		}
	};

	async *#reply(request: WebLlmChatRequest): AsyncGenerator<WebLlmChunk> {
		const content = request.messages.at(-1)?.content ?? '';
		// A vision turn's text is its text part.
		const prompt =
			typeof content === 'string'
				? content
				: content.map((part) => (part.type === 'text' ? part.text : '')).join('');
		this.#interrupt = false;
		if (this.world.crashesBeforeText > 0) {
			this.world.crashesBeforeText--;
			return this.faults.crash();
		}
		if (this.world.deviceLosses > 0) {
			this.world.deviceLosses--;
			return this.faults.loseDevice();
		}
		// Like a model under a grammar: JSON for the schema. Like a model reading a tool result:
		// it quotes it.
		const schema = request.response_format?.schema;
		const pieces = schema
			? chunkCodePoints(JSON.stringify(sampleForSchema(JSON.parse(schema))))
			: prompt.startsWith('Tool result (')
				? chunkCodePoints(prompt)
				: prompt === 'slow'
					? Array.from({ length: 200 }, (_, i) => `word${i} `)
					: prompt === 'crash-mid'
						? ['Hel', 'lo', ' wor', 'ld']
						: ['Hello', ' there', '!'];
		let sent = 0;
		for (const piece of pieces) {
			await sleep(prompt === 'slow' ? 20 : 1);
			if (this.#interrupt) break;
			if (prompt === 'crash-mid' && sent === 2) return this.faults.crash();
			sent++;
			yield { choices: [{ delta: { content: piece }, finish_reason: null }] };
		}
		yield { choices: [{ delta: {}, finish_reason: this.#interrupt ? 'abort' : 'stop' }] };
		yield {
			choices: [],
			usage: {
				prompt_tokens: 7,
				completion_tokens: sent,
				extra: { prefill_tokens_per_s: 350, decode_tokens_per_s: 42 }
			}
		};
	}
}

/** A "worker": the real host at the far end of a MessageChannel, with a web-llm double behind it. */
function startWorker(world: World): WorkerLike {
	world.workers++;
	const { port1: page, port2: inside } = new MessageChannel();
	const pageListeners: Record<'error' | 'messageerror', ((event: Event) => void)[]> = {
		error: [],
		messageerror: []
	};
	let alive = true;
	const end = () => {
		alive = false;
		page.close();
		inside.close();
	};
	const faults: Faults = {
		// What the page sees when a worker dies: an `error` event, then silence.
		crash: () => {
			if (!alive) return;
			end();
			for (const listener of pageListeners.error) listener(new Event('error'));
		},
		loseDevice: () => {
			if (alive) inside.postMessage({ type: 'device-lost', message: 'GPU process crashed' });
		}
	};
	world.latest = faults;
	const host = createLlmHost({
		createEngine: (onProgress) => new ScriptedWebLlm(onProgress, world, faults),
		probeGpu: async (): Promise<GpuProbe> =>
			world.gpu
				? { webgpu: true, shaderF16: true, description: 'Test GPU', maxBufferSize: 2 ** 30 }
				: { webgpu: false, shaderF16: false, reason: 'navigator.gpu is missing' },
		post: (message) => {
			if (alive) inside.postMessage(message);
		},
		countTokens: (_engine, _model, texts) => texts.map((t) => t.split(/\s+/).length)
	});
	inside.addEventListener('message', (event) => {
		if (alive) host.handle(event.data);
	});
	inside.start();
	if (!world.silent) inside.postMessage({ type: 'ready' });
	return {
		postMessage: (message) => {
			if (alive) page.postMessage(message);
		},
		addEventListener: (type, listener) => {
			if (type === 'message') {
				page.addEventListener('message', listener);
				page.start();
			} else {
				pageListeners[type].push(listener);
			}
		},
		terminate: () => {
			world.terminated++;
			end();
		}
	};
}

const installed = (ids: string[]): ModelInfo[] =>
	ids.map((id) => ({ id, name: SPECS[id]?.name ?? id }));

function engineFor(world: World, options: { installed?: string[]; readyTimeoutMs?: number } = {}) {
	return new WebLlmEngine({
		createWorker: () => startWorker(world),
		resolveSpec: (id) => SPECS[id],
		listInstalled: async () => installed(options.installed ?? [MODEL]),
		readyTimeoutMs: options.readyTimeoutMs ?? 2000
	});
}

const ask = (content: string, model = MODEL) => ({
	model,
	messages: [{ role: 'user' as const, content }]
});

describeEngineContract('WebLlmEngine (real worker protocol, web-llm double)', async () => {
	const engine = engineFor(newWorld());
	return {
		engine,
		model: MODEL,
		// No HTTP here, so nothing can honestly become engine_http; no stream can be malformed or
		// dropped either (the worker protocol is structured-cloned). Crashes are tested below.
		prompts: { ok: 'hello', slow: 'slow', toolCall: 'look it up', structured: 'a city, please' },
		missingModel: 'Not-In-Catalog-q4f32_1-MLC',
		unreachableEngine: () => engineFor(newWorld({ gpu: false })),
		unreachableCode: 'webgpu_unavailable',
		close: () => engine.dispose()
	};
});

describe('WebLlmEngine', () => {
	const engines: WebLlmEngine[] = [];
	const track = (engine: WebLlmEngine) => (engines.push(engine), engine);
	afterEach(async () => {
		await Promise.all(engines.splice(0).map((e) => e.dispose()));
	});

	it('structurally accepts web-llm’s MLCEngine and a real Worker', () => {
		expectTypeOf<MLCEngine>().toMatchTypeOf<WebLlmLike>();
		// What the host builds is a request web-llm takes (tool turns already rewritten).
		expectTypeOf<WebLlmChatRequest>().toMatchTypeOf<ChatCompletionRequestStreaming>();
		expectTypeOf<Worker>().toMatchTypeOf<WorkerLike>();
		const pkg = JSON.parse(readFileSync('node_modules/@mlc-ai/web-llm/package.json', 'utf8')) as {
			version: string;
		};
		expect(WEB_LLM_VERSION).toBe(pkg.version);
	});

	it('probes the GPU through the worker and names the adapter', async () => {
		const engine = track(engineFor(newWorld()));
		expect(await engine.probe()).toEqual({
			ok: true,
			version: `web-llm ${WEB_LLM_VERSION} · Test GPU`
		});
		expect(await engine.gpu()).toMatchObject({ webgpu: true, maxBufferSize: 2 ** 30 });
	});

	it('reports engine_crashed when the worker never becomes ready', async () => {
		const world = newWorld({ silent: true });
		const engine = track(engineFor(world, { readyTimeoutMs: 50 }));
		const probe = await engine.probe();
		expect(probe).toEqual({
			ok: false,
			error: { code: 'engine_crashed', message: 'The in-browser engine did not start.' }
		});
		// A worker that never started is not restarted in a loop: one more try per call, no retry.
		const { error } = await collectChat(engine, ask('hello'));
		expect(error).toMatchObject({
			code: 'engine_crashed',
			message: 'The in-browser engine did not start.'
		});
		expect(world.workers).toBe(2);
	});

	it('forwards load progress and loads each model once per worker', async () => {
		const world = newWorld({ reloadMs: 30 });
		const engine = track(engineFor(world));
		const fractions: (number | undefined)[] = [];
		await engine.load(MODEL, (p) => fractions.push(p.fraction));
		expect(fractions).toEqual([1 / 3, 2 / 3, 1]);
		await collectChat(engine, ask('hello'));
		expect(world.reloads).toEqual([MODEL]);
	});

	it('cancels a load promptly and tells the worker to abort it', async () => {
		const world = newWorld({ reloadMs: 600 });
		const engine = track(engineFor(world));
		const controller = new AbortController();
		const loading = engine.load(MODEL, () => controller.abort(), controller.signal);
		const error = await loading.catch((e: unknown) => e);
		// Promptly: the load gave up while the worker's reload (200 ms a step) was still running.
		expect(world.reloadsEnded).toBe(0);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('aborted');
		await expect.poll(() => world.cancelsSeen).toBe(1);
		await expect.poll(() => world.reloadsEnded).toBe(1);
		// The next load really loads.
		world.reloadMs = 0;
		await engine.load(MODEL);
		expect(world.reloads).toEqual([MODEL, MODEL]);
	});

	it('restarts a worker that crashed before the first token and retries once: one clean answer', async () => {
		const world = newWorld({ crashesBeforeText: 1 });
		const engine = track(engineFor(world));
		const { text, error, deltas } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Hello there!');
		expect(deltas.filter((d) => d.type === 'done')).toHaveLength(1);
		expect(world.workers).toBe(2);
		expect(world.reloads).toEqual([MODEL, MODEL]);
	});

	it('fails with engine_crashed, keeping the text and never repeating it, when the worker dies mid-answer', async () => {
		const world = newWorld();
		const engine = track(engineFor(world));
		const { text, error, deltas } = await collectChat(engine, ask('crash-mid'));
		expect(text).toBe('Hello');
		expect(deltas.some((d) => d.type === 'done')).toBe(false);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('engine_crashed');
		expect(world.workers).toBe(1);
		// The engine recovers on the next call with a new worker.
		const next = await collectChat(engine, ask('hello'));
		expect(next.text).toBe('Hello there!');
		expect(world.workers).toBe(2);
	});

	it('gives up after a second crash, naming a smaller downloaded model', async () => {
		const world = newWorld({ crashesBeforeText: 2 });
		const big = 'Big-q4f32_1-MLC';
		const engine = track(
			engineFor(world, { installed: [big, 'Mid-q4f32_1-MLC', 'Tiny-q4f32_1-MLC'] })
		);
		const { error, deltas } = await collectChat(engine, ask('hello', big));
		expect(deltas).toHaveLength(0);
		expect(error).toBeInstanceOf(HearthError);
		const hearth = error as HearthError;
		expect(hearth.code).toBe('engine_crashed');
		expect(hearth.message).toContain('Try a smaller model, such as Mid 3B.');
		expect(world.workers).toBe(2);
	});

	it('gives generic advice when no smaller model is downloaded', async () => {
		const engine = track(engineFor(newWorld({ crashesBeforeText: 2 })));
		const { error } = await collectChat(engine, ask('hello'));
		expect((error as HearthError).message).toMatch(/Try a smaller model, or close other tabs/);
	});

	it('restarts the worker when the GPU is lost during a chat, and answers once', async () => {
		const world = newWorld({ deviceLosses: 1 });
		const engine = track(engineFor(world));
		const { text, error } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Hello there!');
		expect(world.workers).toBe(2);
	});

	it('starts a new worker and reloads after a device-lost event while idle', async () => {
		const world = newWorld();
		const engine = track(engineFor(world));
		await collectChat(engine, ask('hello'));
		world.latest?.loseDevice();
		// The engine ends the worker whose GPU is gone; the next chat starts a new one.
		await expect.poll(() => world.terminated).toBe(1);
		const { text, error } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Hello there!');
		expect(world.workers).toBe(2);
		expect(world.reloads).toEqual([MODEL, MODEL]);
	});

	it('counts tokens in the worker once the model is loaded, and refuses before', async () => {
		const engine = track(engineFor(newWorld()));
		await expect(engine.countTokens(MODEL, ['a b'])).rejects.toMatchObject({
			code: 'model_not_found'
		});
		await engine.load(MODEL);
		expect(await engine.countTokens(MODEL, ['one two three', 'four'])).toEqual([3, 1]);
	});

	it('passes the worker timings on and measures its own time to first token', async () => {
		const engine = track(engineFor(newWorld()));
		const { deltas } = await collectChat(engine, ask('hello'));
		const done = deltas.at(-1);
		if (done?.type !== 'done') throw new Error('expected done');
		expect(done.timings.decodeTokensPerSecond).toBe(42);
		expect(done.timings.promptMs).toBeCloseTo(20);
		expect(done.usage).toEqual({ promptTokens: 7, completionTokens: 3 });
	});

	it('sends the schema as a grammar and tool turns as plain messages through the worker', async () => {
		const world = newWorld();
		const engine = track(engineFor(world));
		const schema = { type: 'object', properties: { action: { enum: ['call', 'answer'] } } };
		const { text, error } = await collectChat(engine, {
			model: MODEL,
			responseSchema: schema,
			messages: [
				{ role: 'system', content: 'Use tools.' },
				{ role: 'user', content: 'Search otters' },
				{
					role: 'assistant',
					content: '',
					toolCalls: [{ id: 'c1', name: 'web_search', argumentsText: '{"query":"otters"}' }]
				},
				{ role: 'tool', content: 'Otters are mustelids.', toolCallId: 'c1', toolName: 'web_search' }
			]
		});
		expect(error).toBeUndefined();
		expect(JSON.parse(text)).toEqual({ action: 'call' });
		const sent = world.requests.at(-1);
		expect(sent?.response_format).toEqual({ type: 'json_object', schema: JSON.stringify(schema) });
		expect(sent?.messages).toEqual([
			{ role: 'system', content: 'Use tools.' },
			{ role: 'user', content: 'Search otters' },
			{
				role: 'assistant',
				content: '{"action":"call","tool":"web_search","arguments":{"query":"otters"}}'
			},
			{ role: 'user', content: 'Tool result (web_search):\nOtters are mustelids.' }
		]);
		await collectChat(engine, ask('hello'));
		expect(world.requests.at(-1)).not.toHaveProperty('response_format');
	});

	it('refuses a native tools list with tools_unsupported, before starting a worker', async () => {
		const world = newWorld();
		const engine = track(engineFor(world));
		const tool = { name: 'now', description: 'The time.', parameters: { type: 'object' } };
		const { error, deltas } = await collectChat(engine, { ...ask('hello'), tools: [tool] });
		expect(error).toMatchObject({ code: 'tools_unsupported' });
		expect(deltas).toHaveLength(0);
		expect(world.workers).toBe(0);
	});
});
