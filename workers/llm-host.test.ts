import { describe, expect, it } from 'vitest';
import type { AppConfig } from '@mlc-ai/web-llm';
import { probeGpuWith } from '$lib/protocol/gpu-probe';
import { watchDeviceLoss } from '$workers/llm-gpu';
import type { GpuAdapterLike } from '$lib/protocol/gpu-probe';
import { createLlmHost } from '$workers/llm-host';
import type { LlmHostDeps } from '$workers/llm-host';
import { countTokensViaPipeline } from '$workers/llm-tokens';
import type {
	WebLlmChatRequest,
	WebLlmChunk,
	WebLlmLike,
	WebLlmProgress
} from '$workers/llm-webllm';
import type { GpuProbe, LlmFromWorker, LlmResult, WebModelSpec } from '$lib/protocol/llm';

// web-llm is a library we do not own and WebGPU is not in Node, so this double stands in for
// MLCEngine. It mirrors the behaviour the host relies on, as read in web-llm 0.2.86's index.js:
// reload() reports progress then resolves; unload() during reload aborts it (rejecting with the
// abort reason string, or resolving when web-llm swallows an AbortError); interruptGenerate()
// makes the stream end with finish_reason 'abort'; the last chunk carries usage with `extra`.

function webLlmError(name: string, message: string): Error {
	const e = new Error(message);
	e.name = name;
	return e;
}

interface Reply {
	pieces: string[];
	finish?: string;
	/** Milliseconds between pieces. */
	delayMs?: number;
	usage?: WebLlmChunk['usage'] | null;
	/** Thrown after the pieces instead of finishing. */
	failWith?: unknown;
}

class FakeWebLlm implements WebLlmLike {
	readonly log: string[] = [];
	appConfig?: AppConfig;
	loadedId?: string;
	/** How an aborted reload ends: web-llm rejects with its abort reason, or resolves. */
	abortStyle: 'reject-string' | 'resolve' = 'reject-string';
	/** Milliseconds a reload takes (spread over progress reports). */
	reloadMs = 0;
	reloadError?: unknown;
	createError?: unknown;
	reply: (request: WebLlmChatRequest) => Reply = () => ({ pieces: ['Hel', 'lo'] });
	lastRequest?: WebLlmChatRequest;
	#interrupt = false;
	#abortReload?: () => void;

	constructor(readonly onProgress: (report: WebLlmProgress) => void) {}

	setAppConfig(config: AppConfig): void {
		this.log.push('setAppConfig');
		this.appConfig = config;
	}

	async reload(modelId: string): Promise<void> {
		this.log.push(`reload ${modelId}`);
		this.loadedId = undefined;
		if (!this.appConfig?.model_list.some((m) => m.model_id === modelId)) {
			throw webLlmError(
				'ModelNotFoundError',
				`Cannot find model record in appConfig for ${modelId}.`
			);
		}
		if (this.reloadError !== undefined) throw this.reloadError;
		const aborted = await new Promise<boolean>((resolve) => {
			this.#abortReload = () => resolve(true);
			const steps = 4;
			for (let i = 1; i <= steps; i++) {
				setTimeout(
					() => {
						if (!this.#abortReload) return;
						this.onProgress({ progress: i / steps, text: `Loading shard ${i}/${steps}` });
						if (i === steps) resolve(false);
					},
					(this.reloadMs * i) / steps
				);
			}
		});
		this.#abortReload = undefined;
		if (aborted) {
			if (this.abortStyle === 'reject-string') throw 'Engine.unload() is called.';
			return;
		}
		this.loadedId = modelId;
	}

	async unload(): Promise<void> {
		this.log.push('unload');
		this.loadedId = undefined;
		this.#abortReload?.();
	}

	interruptGenerate(): void {
		this.log.push('interruptGenerate');
		this.#interrupt = true;
	}

	/** What web-llm does after a device loss outside reload: logs it and unloads by itself. */
	loseDevice(): void {
		this.loadedId = undefined;
	}

	chat = {
		completions: {
			create: async (request: WebLlmChatRequest): Promise<AsyncIterable<WebLlmChunk>> => {
				this.log.push('create');
				this.lastRequest = request;
				if (this.createError !== undefined) throw this.createError;
				if (this.loadedId === undefined) {
					throw webLlmError(
						'ModelNotLoadedError',
						'Model not loaded before trying to complete ChatCompletionRequest.'
					);
				}
				return this.#stream(this.reply(request));
			}
		}
	};

	async *#stream(reply: Reply): AsyncGenerator<WebLlmChunk> {
		this.#interrupt = false; // as web-llm does when a generation starts
		let sent = 0;
		let finish = reply.finish ?? 'stop';
		for (const piece of reply.pieces) {
			await new Promise((r) => setTimeout(r, reply.delayMs ?? 0));
			if (this.#interrupt) {
				finish = 'abort';
				break;
			}
			sent++;
			yield { choices: [{ delta: { content: piece }, finish_reason: null }] };
		}
		if (reply.failWith !== undefined) throw reply.failWith;
		yield { choices: [{ delta: { content: '' }, finish_reason: finish }] };
		if (reply.usage !== null) {
			yield {
				choices: [],
				usage: reply.usage ?? {
					prompt_tokens: 12,
					completion_tokens: sent,
					extra: { prefill_tokens_per_s: 240, decode_tokens_per_s: 31.5 }
				}
			};
		}
	}
}

const SPEC: WebModelSpec = {
	id: 'Tiny-q4f32_1-MLC',
	modelUrl: 'https://models.example/tiny/',
	modelLibUrl: 'https://models.example/tiny/tiny-webgpu.wasm',
	contextWindow: 4096,
	requiredFeatures: [],
	vramMB: 900
};
const OTHER: WebModelSpec = { ...SPEC, id: 'Other-q4f16_1-MLC', requiredFeatures: ['shader-f16'] };

const GPU: GpuProbe = { webgpu: true, shaderF16: true, vendor: 'test', fallbackAdapter: false };

function setup(overrides: Partial<LlmHostDeps> = {}, configure?: (fake: FakeWebLlm) => void) {
	const posted: LlmFromWorker[] = [];
	const engines: FakeWebLlm[] = [];
	const host = createLlmHost({
		createEngine: (onProgress) => {
			const engine = new FakeWebLlm(onProgress);
			configure?.(engine);
			engines.push(engine);
			return engine;
		},
		probeGpu: async () => GPU,
		post: (m) => posted.push(m),
		...overrides
	});
	let nextId = 1;
	const engine = (): FakeWebLlm => {
		const e = engines[0];
		if (!e) throw new Error('no engine created yet');
		return e;
	};
	const resultOf = (id: number): LlmResult | undefined =>
		posted.find((m): m is LlmResult => m.type === 'result' && m.id === id);
	const settled = async (id: number, timeoutMs = 2000): Promise<LlmResult> => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const result = resultOf(id);
			if (result) return result;
			if (Date.now() > deadline) throw new Error(`no result for request ${id}`);
			await new Promise((r) => setTimeout(r, 2));
		}
	};
	const load = (model = SPEC): number => {
		const id = nextId++;
		host.handle({ type: 'call', id, call: 'load', params: { model } });
		return id;
	};
	const chat = (content = 'hi', modelId = SPEC.id): number => {
		const id = nextId++;
		host.handle({
			type: 'call',
			id,
			call: 'chat',
			params: {
				modelId,
				messages: [{ role: 'user', content }],
				options: { temperature: 0.2, topP: 0.9, maxTokens: 64, stop: ['\n\n'] }
			}
		});
		return id;
	};
	const deltas = (id: number): string[] =>
		posted.flatMap((m) => (m.type === 'delta' && m.id === id ? [m.text] : []));
	return { host, posted, engine, settled, load, chat, deltas, nextId: () => nextId++ };
}

describe('llm host: load', () => {
	it('configures one model record from the spec, forwards progress and reports the load time', async () => {
		const t = setup();
		const id = t.load();
		const result = await t.settled(id);
		expect(result).toMatchObject({ call: 'load', ok: true });
		expect(t.engine().appConfig).toEqual({
			model_list: [
				{
					model: SPEC.modelUrl,
					model_id: SPEC.id,
					model_lib: SPEC.modelLibUrl,
					overrides: { context_window_size: 4096 },
					vram_required_MB: 900,
					required_features: []
				}
			],
			cacheBackend: 'cache'
		});
		const progress = t.posted.flatMap((m) =>
			m.type === 'progress' && m.id === id ? [m.progress] : []
		);
		expect(progress.map((p) => p.fraction)).toEqual([0.25, 0.5, 0.75, 1]);
		expect(progress[0]?.text).toBe('Loading shard 1/4');
		// Progress for a request always comes before its result.
		const resultIndex = t.posted.findIndex((m) => m.type === 'result' && m.id === id);
		const lastProgress = t.posted.findLastIndex((m) => m.type === 'progress');
		expect(lastProgress).toBeLessThan(resultIndex);
	});

	it('treats loading the loaded model as a no-op, and unloads before loading another', async () => {
		const t = setup();
		await t.settled(t.load());
		const again = await t.settled(t.load());
		expect(again).toEqual({ type: 'result', id: 2, call: 'load', ok: true, value: { loadMs: 0 } });
		expect(t.engine().log).toEqual(['setAppConfig', `reload ${SPEC.id}`]);
		await t.settled(t.load(OTHER));
		expect(t.engine().log.slice(2)).toEqual(['unload', 'setAppConfig', `reload ${OTHER.id}`]);
		expect(t.engine().appConfig?.model_list[0]?.required_features).toEqual(['shader-f16']);
	});

	it.each(['reject-string', 'resolve'] as const)(
		'cancel during a load unloads (aborting the download) and answers aborted (web-llm abort: %s)',
		async (style) => {
			const t = setup({}, (fake) => {
				fake.reloadMs = 400;
				fake.abortStyle = style;
			});
			const id = t.load();
			await new Promise((r) => setTimeout(r, 5));
			t.host.handle({ type: 'cancel', id });
			const result = await t.settled(id, 300);
			expect(result).toMatchObject({ ok: false, error: { code: 'aborted' } });
			expect(t.engine().log).toContain('unload');
			// The model is not considered loaded: a chat is refused, a new load really loads.
			const chatResult = await t.settled(t.chat());
			expect(chatResult).toMatchObject({ ok: false, error: { code: 'model_not_found' } });
			t.engine().reloadMs = 0;
			expect(await t.settled(t.load())).toMatchObject({ ok: true });
			expect(t.engine().loadedId).toBe(SPEC.id);
		}
	);

	it('maps load failures thrown as strings and as Error subclasses to codes', async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().reloadError = 'Cannot fetch https://models.example/other/mlc-chat-config.json';
		const download = await t.settled(t.load(OTHER));
		expect(download).toMatchObject({ ok: false, error: { code: 'model_download_failed' } });
		if (download.ok) return;
		expect(download.error.message).toContain('https://models.example/other/mlc-chat-config.json');

		t.engine().reloadError = webLlmError(
			'ShaderF16SupportError',
			'This model requires WebGPU extension shader-f16, which is not enabled in this browser.'
		);
		expect(await t.settled(t.load(OTHER))).toMatchObject({
			ok: false,
			error: { code: 'model_unsupported' }
		});
		t.engine().reloadError = webLlmError(
			'DeviceLostError',
			'The WebGPU device was lost while loading the model.'
		);
		expect(await t.settled(t.load(OTHER))).toMatchObject({
			ok: false,
			error: { code: 'webgpu_device_lost' }
		});
	});
});

describe('llm host: chat', () => {
	it('streams deltas in order, then one result with usage and timings from web-llm', async () => {
		let clock = 0;
		const t = setup({ now: () => (clock += 10) });
		await t.settled(t.load());
		t.engine().reply = () => ({ pieces: ['The ', 'answer ', 'is 42.'] });
		const id = t.chat('question');
		const result = await t.settled(id);
		expect(t.deltas(id)).toEqual(['The ', 'answer ', 'is 42.']);
		const forId = t.posted.filter((m) => 'id' in m && m.id === id);
		expect(forId.at(-1)?.type).toBe('result');
		expect(forId.filter((m) => m.type === 'result')).toHaveLength(1);
		if (!result.ok || result.call !== 'chat') throw new Error('expected a chat result');
		expect(result.value.finishReason).toBe('stop');
		expect(result.value.usage).toEqual({ promptTokens: 12, completionTokens: 3 });
		expect(result.value.timings.decodeTokensPerSecond).toBe(31.5);
		expect(result.value.timings.promptMs).toBeCloseTo(50);
		// The injected clock ticks 10 per reading: start, first text, end.
		expect(result.value.timings.timeToFirstTokenMs).toBe(10);
		expect(result.value.timings.totalMs).toBe(20);
		expect(t.engine().lastRequest).toEqual({
			stream: true,
			stream_options: { include_usage: true },
			messages: [{ role: 'user', content: 'question' }],
			temperature: 0.2,
			top_p: 0.9,
			max_tokens: 64,
			stop: ['\n\n']
		});
	});

	it("reports 'length' when web-llm stops at max_tokens, and measures decode speed itself without extra", async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().reply = () => ({
			pieces: ['a', 'b'],
			finish: 'length',
			delayMs: 5,
			usage: { prompt_tokens: 3, completion_tokens: 2 }
		});
		const result = await t.settled(t.chat());
		if (!result.ok || result.call !== 'chat') throw new Error('expected a chat result');
		expect(result.value.finishReason).toBe('length');
		expect(result.value.timings.decodeTokensPerSecond).toBeGreaterThan(0);
		expect(result.value.timings.promptMs).toBeUndefined();
	});

	it('cancel mid-stream interrupts the generation and answers aborted, with no text after it', async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().reply = () => ({
			pieces: Array.from({ length: 50 }, (_, i) => `w${i} `),
			delayMs: 10
		});
		const id = t.chat();
		while (t.deltas(id).length < 2) await new Promise((r) => setTimeout(r, 2));
		t.host.handle({ type: 'cancel', id });
		const countAtCancel = t.deltas(id).length;
		const result = await t.settled(id, 200);
		expect(result).toMatchObject({ ok: false, call: 'chat', error: { code: 'aborted' } });
		expect(t.engine().log).toContain('interruptGenerate');
		expect(t.deltas(id).length).toBe(countAtCancel);
		// The engine is free again.
		t.engine().reply = () => ({ pieces: ['ok'] });
		expect(await t.settled(t.chat())).toMatchObject({ ok: true });
	});

	it('runs a second chat after the first instead of interleaving them; a cancelled queued chat never runs', async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().reply = (r) => ({
			pieces: [`${r.messages[0]?.content}-1`, `${r.messages[0]?.content}-2`],
			delayMs: 5
		});
		const first = t.chat('A');
		const second = t.chat('B');
		const third = t.chat('C');
		t.host.handle({ type: 'cancel', id: third });
		expect(await t.settled(third, 50)).toMatchObject({ ok: false, error: { code: 'aborted' } });
		await t.settled(second);
		const order = t.posted.flatMap((m) => (m.type === 'delta' ? [m.text] : []));
		expect(order).toEqual(['A-1', 'A-2', 'B-1', 'B-2']);
		expect(t.engine().log.filter((l) => l === 'create')).toHaveLength(2);
		expect(t.posted.find((m) => m.type === 'result' && m.id === first)).toMatchObject({ ok: true });
	});

	it('maps chat failures to codes: context overflow, a failure mid-stream, a model it never loaded', async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().createError = webLlmError(
			'ContextWindowSizeExceededError',
			'Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096'
		);
		expect(await t.settled(t.chat())).toMatchObject({
			ok: false,
			error: { code: 'context_overflow' }
		});
		t.engine().createError = undefined;
		t.engine().reply = () => ({ pieces: ['partial'], failWith: 'Something broke in the runtime' });
		const broken = t.chat();
		expect(await t.settled(broken)).toEqual({
			type: 'result',
			id: broken,
			call: 'chat',
			ok: false,
			error: { code: 'unknown', message: 'Something broke in the runtime' }
		});
		expect(t.deltas(broken)).toEqual(['partial']);
		expect(await t.settled(t.chat('hi', 'Never-Loaded'))).toMatchObject({
			ok: false,
			error: { code: 'model_not_found' }
		});
	});

	it('reports a device loss when web-llm dropped the model by itself after losing the GPU', async () => {
		const t = setup();
		await t.settled(t.load());
		t.engine().loseDevice();
		expect(await t.settled(t.chat())).toMatchObject({
			ok: false,
			error: { code: 'webgpu_device_lost' }
		});
		// The next load really reloads instead of trusting the stale state.
		await t.settled(t.load());
		expect(t.engine().log.filter((l) => l.startsWith('reload'))).toHaveLength(2);
	});
});

describe('llm host: probe, countTokens, unload', () => {
	it('answers probe with probeGpu, without waiting behind a running load', async () => {
		const t = setup({}, (fake) => (fake.reloadMs = 300));
		const loadId = t.load();
		const probeId = t.nextId();
		t.host.handle({ type: 'call', id: probeId, call: 'probe', params: {} });
		expect(await t.settled(probeId, 100)).toEqual({
			type: 'result',
			id: probeId,
			call: 'probe',
			ok: true,
			value: GPU
		});
		expect(t.posted.some((m) => m.type === 'result' && m.id === loadId)).toBe(false);
	});

	it('turns a failing probe into a coded error, never a thrown string', async () => {
		const t = setup({
			probeGpu: () => Promise.reject('WebGPU is not supported in your current environment')
		});
		const id = t.nextId();
		t.host.handle({ type: 'call', id, call: 'probe', params: {} });
		expect(await t.settled(id)).toMatchObject({ ok: false, error: { code: 'webgpu_unavailable' } });
	});

	it('fails countTokens with a coded error when no counter is available', async () => {
		const t = setup();
		await t.settled(t.load());
		const id = t.nextId();
		t.host.handle({
			type: 'call',
			id,
			call: 'countTokens',
			params: { modelId: SPEC.id, texts: ['a'] }
		});
		expect(await t.settled(id)).toMatchObject({ ok: false, error: { code: 'model_unsupported' } });
	});

	it('counts with the counter it was given, for the loaded model only', async () => {
		const t = setup({ countTokens: (_engine, _model, texts) => texts.map((s) => s.length) });
		await t.settled(t.load());
		const id = t.nextId();
		t.host.handle({
			type: 'call',
			id,
			call: 'countTokens',
			params: { modelId: SPEC.id, texts: ['abc', 'de'] }
		});
		expect(await t.settled(id)).toMatchObject({ ok: true, value: { counts: [3, 2] } });
		const other = t.nextId();
		t.host.handle({
			type: 'call',
			id: other,
			call: 'countTokens',
			params: { modelId: 'x', texts: [] }
		});
		expect(await t.settled(other)).toMatchObject({ ok: false, error: { code: 'model_not_found' } });
	});

	it('unload frees the model', async () => {
		const t = setup();
		await t.settled(t.load());
		const id = t.nextId();
		t.host.handle({ type: 'call', id, call: 'unload', params: {} });
		expect(await t.settled(id)).toMatchObject({ ok: true, value: null });
		expect(t.engine().loadedId).toBeUndefined();
		expect(await t.settled(t.chat())).toMatchObject({
			ok: false,
			error: { code: 'model_not_found' }
		});
	});
});

describe('countTokensViaPipeline', () => {
	it("reads the loaded pipeline's tokenizer the way MLCEngine 0.2.86 stores it", () => {
		const engine = {
			loadedModelIdToPipeline: new Map([
				[
					SPEC.id,
					{ tokenizer: { encode: (text: string) => new Int32Array(text.split(' ').length) } }
				]
			])
		};
		expect(countTokensViaPipeline(engine, SPEC.id, ['one two three', 'four'])).toEqual([3, 1]);
	});

	it('fails with a coded error when web-llm no longer looks like that', () => {
		expect(() => countTokensViaPipeline({}, SPEC.id, ['x'])).toThrowError(
			expect.objectContaining({ code: 'model_unsupported' })
		);
		const noTokenizer = { loadedModelIdToPipeline: new Map([[SPEC.id, {}]]) };
		expect(() => countTokensViaPipeline(noTokenizer, SPEC.id, ['x'])).toThrowError(
			expect.objectContaining({ code: 'model_unsupported' })
		);
	});
});

// WebGPU is a browser API we do not own and Node lacks: a double of the adapter stands in.
function fakeAdapter(overrides: Partial<GpuAdapterLike> = {}): GpuAdapterLike {
	return {
		features: new Set(['shader-f16']),
		limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 },
		info: { vendor: 'apple', architecture: 'metal-3', description: '', isFallbackAdapter: false },
		requestDevice: async () => ({ lost: new Promise(() => undefined) }),
		...overrides
	};
}

describe('probeGpuWith', () => {
	it('reports the adapter, its f16 support and buffer limits', async () => {
		const probe = await probeGpuWith({ requestAdapter: async () => fakeAdapter() });
		expect(probe).toEqual({
			webgpu: true,
			vendor: 'apple',
			architecture: 'metal-3',
			description: undefined,
			fallbackAdapter: false,
			shaderF16: true,
			maxBufferSize: 2 ** 31,
			maxStorageBufferBindingSize: 2 ** 30
		});
	});

	it('falls back to requestAdapterInfo() and the adapter flag on older browsers', async () => {
		const adapter = fakeAdapter({
			info: undefined,
			isFallbackAdapter: true,
			features: new Set<string>(),
			requestAdapterInfo: async () => ({ vendor: 'google', description: 'SwiftShader' })
		});
		const probe = await probeGpuWith({ requestAdapter: async () => adapter });
		expect(probe).toMatchObject({
			webgpu: true,
			vendor: 'google',
			description: 'SwiftShader',
			fallbackAdapter: true,
			shaderF16: false
		});
	});

	it('says why when there is no WebGPU, no adapter, or the request fails', async () => {
		const none = await probeGpuWith(undefined);
		const noAdapter = await probeGpuWith({ requestAdapter: async () => null });
		const refused = await probeGpuWith({
			requestAdapter: () => Promise.reject(new Error('blocked by policy'))
		});
		for (const probe of [none, noAdapter, refused]) {
			expect(probe.webgpu).toBe(false);
			expect(probe.reason?.length).toBeGreaterThan(0);
		}
		expect(refused.reason).toContain('blocked by policy');
	});
});

describe('watchDeviceLoss', () => {
	it('reports a real loss of its sentinel device once, but not a destroy', async () => {
		let lose: (info: { reason: string; message: string }) => void = () => undefined;
		const adapter = fakeAdapter({
			requestDevice: async () => ({ lost: new Promise((resolve) => (lose = resolve)) })
		});
		const lost: string[] = [];
		expect(
			await watchDeviceLoss({ requestAdapter: async () => adapter }, (m) => lost.push(m))
		).toBe(true);
		lose({ reason: 'unknown', message: 'GPU process crashed' });
		await new Promise((r) => setTimeout(r, 0));
		expect(lost).toEqual(['GPU process crashed']);

		const destroyed: string[] = [];
		const quiet = fakeAdapter({
			requestDevice: async () => ({
				lost: Promise.resolve({ reason: 'destroyed', message: '' })
			})
		});
		await watchDeviceLoss({ requestAdapter: async () => quiet }, (m) => destroyed.push(m));
		await new Promise((r) => setTimeout(r, 0));
		expect(destroyed).toEqual([]);
	});

	it('does nothing without WebGPU', async () => {
		expect(await watchDeviceLoss(undefined, () => undefined)).toBe(false);
	});
});
