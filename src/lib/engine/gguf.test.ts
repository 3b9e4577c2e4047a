import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Wllama } from '@wllama/wllama';
import { collectChat, CONTRACT_TOOL, describeEngineContract } from '$lib/engine/contract';
import { GgufEngine, WLLAMA_VERSION } from '$lib/engine/gguf';
import type { GgufModelSource } from '$lib/engine/gguf';
import type { WorkerLike } from '$lib/engine/llm-connection';
import type { GgufProbe, GgufToWorker } from '$lib/protocol/gguf';
import { chunkCodePoints, sampleForSchema } from '../../../tests/fixtures/fixture-replies.js';
import { createGgufHost } from '$workers/gguf-host';
import type { WllamaLogSink } from '$workers/gguf-host';
import type {
	WllamaChatRequest,
	WllamaChunk,
	WllamaLike,
	WllamaLoadParams
} from '$workers/llm-wllama';

// The real engine talks to the real GGUF host over a real MessageChannel (so every message is
// structured-cloned as between threads); only wllama, which needs a browser, is a double that
// understands prompts as the fixture servers do. The e2e spec runs the real llama.cpp.

const MODEL = 'gguf:tiny';
const TOOLS_MODEL = 'gguf:tools';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface World {
	workers: number;
	loads: WllamaLoadParams[];
	requests: WllamaChatRequest[];
	supported: boolean;
	crashesBeforeText: number;
	/** The inner llama.cpp worker dies (its `error` event) at the start of this many chats. */
	innerDeaths: number;
	sinks: WllamaLogSink[];
}

const newWorld = (overrides: Partial<World> = {}): World => ({
	workers: 0,
	loads: [],
	requests: [],
	supported: true,
	crashesBeforeText: 0,
	innerDeaths: 0,
	sinks: [],
	...overrides
});

class ScriptedWllama implements WllamaLike {
	#template: string | null = null;
	constructor(
		private readonly world: World,
		private readonly sink: WllamaLogSink,
		private readonly crash: () => void
	) {}

	setCompat(): void {}

	async loadModel(files: Blob[], params: WllamaLoadParams): Promise<void> {
		this.world.loads.push(params);
		const text = await files[0]!.text();
		this.#template = text.includes('tools') ? '{% if tools %}{% endif %}' : null;
	}

	getLoadedContextInfo() {
		return { success: true, n_ctx: 512, n_ctx_train: 2048, has_image_input: false };
	}

	getChatTemplate(): string | null {
		return this.#template;
	}

	getNumThreads(): number {
		return 1;
	}

	async createChatCompletion(request: WllamaChatRequest): Promise<AsyncIterable<WllamaChunk>> {
		this.world.requests.push(request);
		return this.#reply(request);
	}

	async *#reply(request: WllamaChatRequest): AsyncGenerator<WllamaChunk> {
		const last = request.messages.at(-1);
		const prompt = typeof last?.content === 'string' ? last.content : '';
		if (this.world.crashesBeforeText > 0) {
			this.world.crashesBeforeText--;
			this.crash();
			await sleep(10_000);
		}
		if (this.world.innerDeaths > 0) {
			this.world.innerDeaths--;
			this.sink.died('Out of memory');
			await sleep(10_000);
		}
		const schema = request.response_format?.json_schema.schema;
		if (request.tools && prompt === 'look it up') {
			yield {
				choices: [
					{
						delta: {
							tool_calls: [
								{ index: 0, id: 'call_1', function: { name: 'lookup', arguments: '{"query":' } },
								{ index: 0, function: { arguments: '"hearth"}' } }
							]
						}
					}
				]
			};
			yield { choices: [{ delta: {}, finish_reason: 'tool_calls' }] };
			yield { choices: [], usage: { prompt_tokens: 9, completion_tokens: 8 } };
			return;
		}
		const pieces = schema
			? chunkCodePoints(JSON.stringify(sampleForSchema(schema as never)))
			: prompt.startsWith('Tool result (') || last?.role === 'tool'
				? chunkCodePoints(prompt)
				: prompt === 'slow'
					? Array.from({ length: 200 }, (_, i) => `word${i} `)
					: ['Once', ' upon', ' a', ' time'];
		let sent = 0;
		for (const piece of pieces) {
			await sleep(prompt === 'slow' ? 20 : 1);
			if (request.abortSignal.aborted) {
				const e = new Error('Operation aborted');
				e.name = 'AbortError';
				throw e;
			}
			if (prompt === 'crash-mid' && sent === 2) {
				this.crash();
				await sleep(10_000);
			}
			sent++;
			yield { choices: [{ delta: { content: piece } }] };
		}
		yield { choices: [{ delta: {}, finish_reason: 'stop' }] };
		yield {
			choices: [],
			usage: {
				prompt_tokens: 46,
				completion_tokens: sent,
				prompt_tokens_details: { cached_tokens: 45 }
			},
			timings: { prompt_ms: 3, predicted_per_second: 199 }
		};
	}

	async exit(): Promise<void> {}
}

function startWorker(world: World): WorkerLike<GgufToWorker> {
	world.workers++;
	const { port1: page, port2: inside } = new MessageChannel();
	const errorListeners: ((event: Event) => void)[] = [];
	let alive = true;
	const end = () => {
		alive = false;
		page.close();
		inside.close();
	};
	const crash = () => {
		if (!alive) return;
		end();
		for (const listener of errorListeners) listener(new Event('error'));
	};
	const probe: GgufProbe = {
		supported: world.supported,
		...(world.supported
			? {}
			: { reason: 'This browser’s WebAssembly has no SIMD, which llama.cpp needs.' }),
		jspi: true,
		memory64: true,
		multiThread: false,
		hardwareConcurrency: 2,
		gpu: { webgpu: false, shaderF16: false }
	};
	const host = createGgufHost({
		createWllama: (sink) => {
			world.sinks.push(sink);
			return new ScriptedWllama(world, sink, crash);
		},
		probe: async () => probe,
		post: (message) => {
			if (alive) inside.postMessage(message);
		}
	});
	inside.addEventListener('message', (event) => {
		if (alive) host.handle(event.data);
	});
	inside.start();
	inside.postMessage({ type: 'ready' });
	return {
		postMessage: (message) => {
			if (alive) page.postMessage(message);
		},
		addEventListener: (type, listener) => {
			if (type === 'message') {
				page.addEventListener('message', listener);
				page.start();
			} else if (type === 'error') errorListeners.push(listener);
		},
		terminate: end
	};
}

const source = (template: string, bytes = 1000): GgufModelSource => ({
	files: async () => [new Blob([template])],
	contextSize: 512,
	bytes,
	nativeTools: template.includes('tools')
});

function engineFor(world: World, sources: Record<string, GgufModelSource> = {}) {
	const all: Record<string, GgufModelSource> = {
		[MODEL]: source('GGUF plain'),
		[TOOLS_MODEL]: source('GGUF with tools'),
		...sources
	};
	return new GgufEngine({
		createWorker: () => startWorker(world),
		resolve: (id) => all[id],
		listInstalled: async () => Object.keys(all).map((id) => ({ id, name: id, contextLength: 512 })),
		runtime: () => ({ device: 'auto', threads: 1 }),
		readyTimeoutMs: 2000
	});
}

const ask = (content: string, model = MODEL) => ({
	model,
	messages: [{ role: 'user' as const, content }]
});

describeEngineContract('GgufEngine (real worker protocol, wllama double)', async () => {
	const engine = engineFor(newWorld());
	return {
		engine,
		model: MODEL,
		prompts: { ok: 'hello', slow: 'slow', toolCall: 'look it up', structured: 'a city, please' },
		missingModel: 'gguf:not-here',
		unreachableEngine: () => engineFor(newWorld({ supported: false })),
		unreachableCode: 'model_unsupported',
		close: () => engine.dispose()
	};
});

describe('GgufEngine', () => {
	const engines: GgufEngine[] = [];
	const track = (engine: GgufEngine) => (engines.push(engine), engine);
	afterEach(async () => {
		await Promise.all(engines.splice(0).map((e) => e.dispose()));
	});

	it('structurally accepts wllama’s Wllama, and names the version installed', () => {
		expectTypeOf<Wllama>().toHaveProperty('createChatCompletion');
		const pkg = JSON.parse(readFileSync('node_modules/@wllama/wllama/package.json', 'utf8')) as {
			version: string;
		};
		const compat = JSON.parse(
			readFileSync('node_modules/@wllama/wllama-compat/package.json', 'utf8')
		) as { version: string };
		expect(WLLAMA_VERSION).toBe(pkg.version);
		expect(compat.version).toBe(pkg.version);
	});

	it('streams text, then done with usage, cached tokens and both clocks', async () => {
		const engine = track(engineFor(newWorld()));
		const { deltas, text, error } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Once upon a time');
		expect(deltas.at(-1)).toMatchObject({
			type: 'done',
			finishReason: 'stop',
			usage: { promptTokens: 46, completionTokens: 4, cachedPromptTokens: 45 },
			timings: { decodeTokensPerSecond: 199, promptMs: 3 }
		});
	});

	it('says tools_unsupported for a template without tools, and calls them natively with one', async () => {
		const engine = track(engineFor(newWorld()));
		expect(engine.toolCallingFor(MODEL)).toBe('schema');
		expect(engine.toolCallingFor(TOOLS_MODEL)).toBe('native');
		const refused = await collectChat(engine, { ...ask('look it up'), tools: [CONTRACT_TOOL] });
		expect(refused.error).toMatchObject({ code: 'tools_unsupported' });
		const { deltas, error } = await collectChat(engine, {
			...ask('look it up', TOOLS_MODEL),
			tools: [CONTRACT_TOOL]
		});
		expect(error).toBeUndefined();
		expect(deltas.filter((d) => d.type === 'tool_call')).toEqual([
			{
				type: 'tool_call',
				call: { id: 'call_1', name: 'lookup', argumentsText: '{"query":"hearth"}' }
			}
		]);
		expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
	});

	it('restarts a worker that died before any text, once, and loads the model again', async () => {
		const world = newWorld({ crashesBeforeText: 1 });
		const engine = track(engineFor(world));
		const { text, error } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Once upon a time');
		expect(world.workers).toBe(2);
		expect(world.loads).toHaveLength(2);
	});

	it('fails a second crash with advice, and one mid-answer with the text kept', async () => {
		const world = newWorld({ crashesBeforeText: 2 });
		const engine = track(engineFor(world));
		const twice = await collectChat(engine, ask('hello'));
		expect(twice.error).toMatchObject({ code: 'engine_crashed' });
		expect((twice.error as Error).message).toContain('smaller model');
		const mid = await collectChat(engine, ask('crash-mid'));
		// The worker holds text for up to a frame (16 ms) before posting it: a worker that dies
		// takes what it held with it, so the page keeps what had reached it ("Once", the first
		// piece, posted at once; " upon" came 0 ms later and was held).
		expect(mid.text).toBe('Once');
		expect(mid.error).toMatchObject({ code: 'engine_crashed' });
		expect((mid.error as Error).message).toContain('The text so far is kept');
	});

	it('treats llama.cpp’s own worker dying as a crash of the engine', async () => {
		const world = newWorld({ innerDeaths: 1 });
		const engine = track(engineFor(world));
		const { text, error } = await collectChat(engine, ask('hello'));
		expect(error).toBeUndefined();
		expect(text).toBe('Once upon a time');
		expect(world.workers).toBe(2);
	});

	it('counts a whole prompt, loading the model for it', async () => {
		const world = newWorld();
		const engine = track(engineFor(world));
		const tokens = await engine.countPrompt(MODEL, [{ role: 'user', content: 'hi' }]);
		expect(tokens).toBe(46);
		expect(world.loads).toHaveLength(1);
		expect(world.requests[0]?.max_tokens).toBe(1);
	});

	it('refuses a model larger than WebAssembly memory before reading it', async () => {
		const world = newWorld();
		let read = false;
		const huge: GgufModelSource = {
			...source('GGUF'),
			bytes: 20 * 1024 ** 3,
			files: async () => {
				read = true;
				return [new Blob(['GGUF'])];
			}
		};
		const engine = track(engineFor(world, { 'gguf:huge': huge }));
		const { error } = await collectChat(engine, ask('hello', 'gguf:huge'));
		expect(error).toMatchObject({ code: 'out_of_memory' });
		expect(read).toBe(false);
	});

	it('reloads when the context or the thread count changes, and reports where it runs', async () => {
		const world = newWorld();
		let threads = 1;
		const engine = track(
			new GgufEngine({
				createWorker: () => startWorker(world),
				resolve: () => source('GGUF'),
				listInstalled: async () => [],
				runtime: () => ({ device: 'cpu', threads })
			})
		);
		await engine.load(MODEL);
		await engine.load(MODEL);
		expect(world.loads).toHaveLength(1);
		expect(engine.loaded).toMatchObject({ device: 'cpu', threads: 1, contextSize: 512 });
		threads = 2;
		await engine.load(MODEL);
		expect(world.loads.map((l) => l.n_threads)).toEqual([1, 2]);
	});
});
