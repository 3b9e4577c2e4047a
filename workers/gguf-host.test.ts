import { describe, expect, it } from 'vitest';
import type { GgufFromWorker, GgufLoadSpec, GgufProbe, GgufResult } from '$lib/protocol/gguf';
import { createGgufHost } from '$workers/gguf-host';
import type { WllamaLogSink } from '$workers/gguf-host';
import type {
	WllamaChatRequest,
	WllamaChunk,
	WllamaContextInfo,
	WllamaLike,
	WllamaLoadParams
} from '$workers/llm-wllama';

// wllama is a library we do not own and runs only in a browser, so this double stands in for
// Wllama. It mirrors what the host relies on, as read in wllama 3.13's source: loadModel resolves
// even when llama.cpp refuses the model (getLoadedContextInfo().success is then false, and the
// reason is only in the log); a stream yields role, content pieces, a finish chunk, then a usage
// chunk (stream_options.include_usage); abortSignal ends it with an AbortError; exit() ends the
// worker and rejects what waits with "The model was unloaded".

interface Reply {
	pieces: string[];
	delayMs?: number;
	finish?: string;
	toolCalls?: { index: number; id?: string; function: { name?: string; arguments?: string } }[];
	failWith?: unknown;
	prompt?: number;
	cached?: number;
}

class FakeWllama implements WllamaLike {
	readonly log: string[] = [];
	params?: WllamaLoadParams;
	files?: Blob[];
	template: string | null = null;
	info: WllamaContextInfo = {
		success: true,
		n_ctx: 512,
		n_ctx_train: 2048,
		has_image_input: false
	};
	loadError?: unknown;
	/** What llama.cpp logs while loading (error level). */
	loadLines: string[] = [];
	loadMs = 0;
	requests: WllamaChatRequest[] = [];
	reply: (request: WllamaChatRequest) => Reply = () => ({ pieces: ['Once', ' upon'] });
	#exited = false;
	#rejectLoad?: (e: unknown) => void;

	constructor(readonly sink: WllamaLogSink) {}

	setCompat(): void {}

	async loadModel(files: Blob[], params: WllamaLoadParams): Promise<void> {
		this.log.push(`load n_gpu_layers=${params.n_gpu_layers}`);
		this.files = files;
		this.params = params;
		for (const line of this.loadLines) this.sink.line('error', line);
		await new Promise<void>((resolve, reject) => {
			this.#rejectLoad = reject;
			setTimeout(resolve, this.loadMs);
		});
		if (this.loadError !== undefined) throw this.loadError;
	}

	getLoadedContextInfo(): WllamaContextInfo {
		return this.info;
	}

	getChatTemplate(): string | null {
		return this.template;
	}

	getNumThreads(): number {
		return this.params?.n_threads ?? 1;
	}

	async createChatCompletion(request: WllamaChatRequest): Promise<AsyncIterable<WllamaChunk>> {
		this.requests.push(request);
		return this.#stream(request, this.reply(request));
	}

	async *#stream(request: WllamaChatRequest, reply: Reply): AsyncGenerator<WllamaChunk> {
		yield { choices: [{ delta: { content: null }, finish_reason: null }] };
		let sent = 0;
		for (const piece of reply.pieces) {
			await new Promise((r) => setTimeout(r, reply.delayMs ?? 0));
			if (request.abortSignal.aborted) {
				const e = new Error('Operation aborted');
				e.name = 'AbortError';
				throw e;
			}
			sent++;
			yield { choices: [{ delta: { content: piece }, finish_reason: null }] };
		}
		if (reply.toolCalls) {
			yield { choices: [{ delta: { tool_calls: reply.toolCalls }, finish_reason: null }] };
		}
		if (reply.failWith !== undefined) throw reply.failWith;
		yield { choices: [{ delta: {}, finish_reason: reply.finish ?? 'stop' }] };
		yield {
			choices: [],
			usage: {
				prompt_tokens: reply.prompt ?? 46,
				completion_tokens: sent,
				prompt_tokens_details: { cached_tokens: reply.cached ?? 0 }
			},
			timings: { prompt_ms: 14.5, predicted_per_second: 210 }
		};
	}

	async exit(): Promise<void> {
		this.log.push('exit');
		this.#exited = true;
		const e = new Error('The model was unloaded');
		Object.assign(e, { type: 'model_not_loaded' });
		this.#rejectLoad?.(e);
	}

	get exited(): boolean {
		return this.#exited;
	}
}

const PROBE: GgufProbe = {
	supported: true,
	jspi: true,
	memory64: true,
	multiThread: false,
	hardwareConcurrency: 2,
	gpu: { webgpu: true, shaderF16: false, description: 'NVIDIA RTX', fallbackAdapter: false }
};

const SPEC: GgufLoadSpec = {
	id: 'gguf:hf:ggml-org/models:tinyllamas/stories260K.gguf',
	files: [new Blob(['GGUF'])],
	contextSize: 512,
	device: 'auto',
	threads: 1
};

function setup(
	configure?: (fake: FakeWllama) => void,
	probe: GgufProbe = PROBE,
	now?: () => number
): {
	posted: GgufFromWorker[];
	fakes: FakeWllama[];
	call: (call: string, params: unknown) => number;
	cancel: (id: number) => void;
	settled: (id: number) => Promise<GgufResult>;
	deltas: (id: number) => string[];
} {
	const posted: GgufFromWorker[] = [];
	const fakes: FakeWllama[] = [];
	const host = createGgufHost({
		createWllama: (sink) => {
			const fake = new FakeWllama(sink);
			configure?.(fake);
			fakes.push(fake);
			return fake;
		},
		probe: async () => probe,
		post: (m) => posted.push(m),
		...(now ? { now } : {})
	});
	let nextId = 1;
	return {
		posted,
		fakes,
		call(call, params) {
			const id = nextId++;
			host.handle({ type: 'call', id, call, params } as Parameters<typeof host.handle>[0]);
			return id;
		},
		cancel: (id) => host.handle({ type: 'cancel', id }),
		async settled(id) {
			const deadline = Date.now() + 3000;
			for (;;) {
				const result = posted.find((m): m is GgufResult => m.type === 'result' && m.id === id);
				if (result) return result;
				if (Date.now() > deadline) throw new Error(`no result for ${id}`);
				await new Promise((r) => setTimeout(r, 2));
			}
		},
		deltas: (id) => posted.flatMap((m) => (m.type === 'delta' && m.id === id ? [m.text] : []))
	};
}

const chatParams = (content = 'Once upon a time', extra: object = {}) => ({
	modelId: SPEC.id,
	messages: [{ role: 'user', content }],
	options: { temperature: 0, topP: 0.9, maxTokens: 40, stop: ['\n\n'] },
	...extra
});

describe('gguf host: load', () => {
	it('loads on a hardware GPU with all layers and reports what it found', async () => {
		const t = setup((f) => (f.template = '{% if tools %}…{% endif %}'));
		const result = await t.settled(t.call('load', { model: SPEC }));
		expect(result).toMatchObject({
			ok: true,
			value: {
				device: 'webgpu',
				threads: 1,
				contextSize: 512,
				trainedContext: 2048,
				chatTemplate: true,
				nativeTools: true,
				vision: false,
				compat: false
			}
		});
		expect(t.fakes[0]?.params).toEqual({
			n_ctx: 512,
			n_threads: 1,
			n_gpu_layers: 999,
			reasoning_format: 'none',
			jinja: true
		});
		expect(t.fakes[0]?.files).toBe(SPEC.files);
		expect(t.posted.some((m) => m.type === 'progress')).toBe(true);
	});

	it('runs on the CPU with a software GPU, without one, or when asked', async () => {
		const swiftShader = {
			...PROBE,
			gpu: { webgpu: true, shaderF16: false, description: 'SwiftShader Device' }
		};
		let t = setup(undefined, swiftShader);
		await t.settled(t.call('load', { model: SPEC }));
		expect(t.fakes[0]?.params?.n_gpu_layers).toBe(0);
		t = setup(undefined, { ...PROBE, gpu: { webgpu: false, shaderF16: false } });
		await t.settled(t.call('load', { model: { ...SPEC, device: 'webgpu' } }));
		expect(t.fakes[0]?.params?.n_gpu_layers).toBe(0);
		t = setup();
		await t.settled(t.call('load', { model: { ...SPEC, device: 'cpu' } }));
		expect(t.fakes[0]?.params?.n_gpu_layers).toBe(0);
	});

	it('loads the loaded model once, and another after exiting the first', async () => {
		const t = setup();
		await t.settled(t.call('load', { model: SPEC }));
		const again = await t.settled(t.call('load', { model: SPEC }));
		expect(again).toMatchObject({ ok: true, value: { loadMs: 0 } });
		expect(t.fakes).toHaveLength(1);
		await t.settled(t.call('load', { model: { ...SPEC, id: 'gguf:other' } }));
		expect(t.fakes[0]?.log).toEqual(['load n_gpu_layers=999', 'exit']);
		expect(t.fakes).toHaveLength(2);
	});

	it('turns a refused model into model_corrupt with llama.cpp’s own reason', async () => {
		const t = setup((f) => {
			f.info = { ...f.info, success: false };
			f.loadLines = ['gguf_init_from_file_impl: invalid magic characters: "<!do"'];
		});
		const result = await t.settled(t.call('load', { model: SPEC }));
		expect(result).toMatchObject({ ok: false, error: { code: 'model_corrupt' } });
		if (result.ok) return;
		expect(result.error.message).toContain('invalid magic characters');
		expect(t.fakes[0]?.exited).toBe(true);
	});

	it('falls back to the CPU when the GPU refuses the model, but not for a bad file', async () => {
		let t = setup((f) => {
			if (f.sink && t.fakes.length === 0)
				f.loadError = new Error('WebGPU: failed to allocate buffer');
		});
		const result = await t.settled(t.call('load', { model: SPEC }));
		expect(result).toMatchObject({ ok: true, value: { device: 'cpu' } });
		expect(t.fakes.map((f) => f.params?.n_gpu_layers)).toEqual([999, 0]);
		t = setup((f) => (f.info = { ...f.info, success: false }));
		await t.settled(t.call('load', { model: SPEC }));
		expect(t.fakes).toHaveLength(1);
	});

	it('cancels a load by ending wllama, answering aborted', async () => {
		const t = setup((f) => (f.loadMs = 500));
		const id = t.call('load', { model: SPEC });
		await new Promise((r) => setTimeout(r, 20));
		t.cancel(id);
		expect(await t.settled(id)).toMatchObject({ ok: false, error: { code: 'aborted' } });
		expect(t.fakes[0]?.exited).toBe(true);
	});
});

describe('gguf host: chat', () => {
	it('streams text, then a result with usage, cached tokens and rates', async () => {
		const t = setup();
		await t.settled(t.call('load', { model: SPEC }));
		const id = t.call('chat', chatParams('Once upon a time', {}));
		const result = await t.settled(id);
		expect(t.deltas(id)).toEqual(['Once', ' upon']);
		expect(result).toMatchObject({
			ok: true,
			value: {
				finishReason: 'stop',
				usage: { promptTokens: 46, completionTokens: 2, cachedPromptTokens: 0 },
				timings: { promptMs: 14.5, decodeTokensPerSecond: 210 }
			}
		});
		const request = t.fakes[0]?.requests[0];
		expect(request).toMatchObject({
			messages: [{ role: 'user', content: 'Once upon a time' }],
			temperature: 0,
			top_p: 0.9,
			max_tokens: 40,
			stop: ['\n\n'],
			stream: true,
			stream_options: { include_usage: true }
		});
	});

	it('sends a schema as json_schema and tools natively only when the template knows them', async () => {
		const schema = { type: 'object', properties: { a: { type: 'string' } } };
		const tool = {
			name: 'lookup',
			description: 'x',
			parameters: { type: 'object', properties: {} }
		};
		const t = setup((f) => (f.template = 'tools'));
		await t.settled(t.call('load', { model: SPEC }));
		await t.settled(t.call('chat', chatParams('x', { responseSchema: schema, tools: [tool] })));
		expect(t.fakes[0]?.requests[0]).toMatchObject({
			response_format: {
				type: 'json_schema',
				json_schema: { name: 'reply', schema, strict: true }
			},
			tools: [{ type: 'function', function: tool }]
		});
	});

	it('forwards native tool-call fragments and finish tool_calls', async () => {
		const t = setup((f) => {
			f.template = 'tools';
			f.reply = () => ({
				pieces: [],
				finish: 'tool_calls',
				toolCalls: [{ index: 0, id: 'c1', function: { name: 'lookup', arguments: '{"q":"x"}' } }]
			});
		});
		await t.settled(t.call('load', { model: SPEC }));
		const id = t.call('chat', chatParams());
		const result = await t.settled(id);
		const fragments = t.posted.flatMap((m) =>
			m.type === 'tool-delta' && m.id === id ? m.fragments : []
		);
		expect(fragments).toEqual([{ index: 0, id: 'c1', name: 'lookup', arguments: '{"q":"x"}' }]);
		expect(result).toMatchObject({ ok: true, value: { finishReason: 'tool_calls' } });
	});

	it('posts the first text at once, then at most one delta a frame, and all of it before the result', async () => {
		// Every clock read is 4 ms later: tokens arrive 4 ms apart, four to a 16 ms frame.
		let clock = 0;
		const pieces = Array.from({ length: 20 }, (_, i) => `t${i} `);
		const t = setup(
			(f) => (f.reply = () => ({ pieces })),
			PROBE,
			() => (clock += 4)
		);
		await t.settled(t.call('load', { model: SPEC }));
		const id = t.call('chat', chatParams());
		await t.settled(id);
		const deltas = t.deltas(id);
		expect(deltas[0]).toBe('t0 ');
		expect(deltas.join('')).toBe(pieces.join(''));
		expect(deltas.length).toBeGreaterThan(2);
		expect(deltas.length).toBeLessThanOrEqual(1 + Math.ceil(pieces.length / (16 / 4)));
		const resultAt = t.posted.findIndex((m) => m.type === 'result' && m.id === id);
		const lastDeltaAt = t.posted.findLastIndex((m) => m.type === 'delta' && m.id === id);
		expect(lastDeltaAt).toBeLessThan(resultAt);
	});

	it('stops mid-stream on cancel and answers aborted; the next chat still runs', async () => {
		const t = setup((f) => (f.reply = () => ({ pieces: ['a', 'b', 'c', 'd', 'e'], delayMs: 20 })));
		await t.settled(t.call('load', { model: SPEC }));
		const id = t.call('chat', chatParams());
		while (t.deltas(id).length === 0) await new Promise((r) => setTimeout(r, 2));
		t.cancel(id);
		expect(await t.settled(id)).toMatchObject({ ok: false, error: { code: 'aborted' } });
		expect(t.deltas(id).length).toBeLessThan(5);
		const next = await t.settled(t.call('chat', chatParams()));
		expect(next.ok).toBe(true);
	});

	it('maps a context overflow, refuses an unloaded model, and forgets a crashed one', async () => {
		const overflow = new Error(
			'request (643 tokens) exceeds the available context size (512 tokens), try increasing it'
		);
		const t = setup((f) => (f.reply = () => ({ pieces: [], failWith: overflow })));
		expect(await t.settled(t.call('chat', chatParams()))).toMatchObject({
			ok: false,
			error: { code: 'model_not_found' }
		});
		await t.settled(t.call('load', { model: SPEC }));
		const result = await t.settled(t.call('chat', chatParams()));
		expect(result).toMatchObject({ ok: false, error: { code: 'context_overflow' } });
		if (!result.ok) expect(result.error.message).toContain('643 tokens; the model holds 512');

		const crash = new Error('(ABORT) memory access out of bounds');
		crash.name = 'RuntimeError';
		t.fakes[0]!.reply = () => ({ pieces: ['x'], failWith: crash });
		expect(await t.settled(t.call('chat', chatParams()))).toMatchObject({
			ok: false,
			error: { code: 'engine_crashed' }
		});
		// The wasm is dead: the model is no longer offered as loaded.
		expect(await t.settled(t.call('chat', chatParams()))).toMatchObject({
			ok: false,
			error: { code: 'model_not_found' }
		});
	});

	it('tells the page when llama.cpp’s own worker dies', async () => {
		const t = setup();
		await t.settled(t.call('load', { model: SPEC }));
		t.fakes[0]?.sink.died('Out of memory');
		expect(t.posted).toContainEqual({ type: 'crashed', message: 'Out of memory' });
	});
});

describe('gguf host: countPrompt', () => {
	it('counts with a one-token completion, and reads the count from an overflow', async () => {
		const t = setup((f) => (f.reply = () => ({ pieces: ['x'], prompt: 77 })));
		await t.settled(t.call('load', { model: SPEC }));
		const counted = await t.settled(
			t.call('countPrompt', { modelId: SPEC.id, messages: [{ role: 'user', content: 'hi' }] })
		);
		expect(counted).toMatchObject({ ok: true, value: { tokens: 77, cachedTokens: 0 } });
		expect(t.fakes[0]?.requests[0]?.max_tokens).toBe(1);
		t.fakes[0]!.reply = () => ({
			pieces: [],
			failWith: new Error('request (9001 tokens) exceeds the available context size (512 tokens)')
		});
		const over = await t.settled(
			t.call('countPrompt', { modelId: SPEC.id, messages: [{ role: 'user', content: 'long' }] })
		);
		expect(over).toMatchObject({ ok: true, value: { tokens: 9001 } });
	});
});
