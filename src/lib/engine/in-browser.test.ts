import { describe, expect, it } from 'vitest';
import { collectChat } from '$lib/engine/contract';
import { InBrowserEngine, isGgufModel } from '$lib/engine/in-browser';
import type { GgufRuntime } from '$lib/engine/in-browser';
import { ScriptedEngine } from '$lib/agent/scripted-engine';
import type { ChatDelta, ChatRequest, EngineProbe, LlmEngine, ModelInfo } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';

// One engine "in this browser" over two runtimes: which one answers is decided by the model id.

class Runtime implements GgufRuntime {
	readonly kind = 'webllm';
	readonly label: string;
	readonly toolCalling = 'schema' as const;
	readonly asked: string[] = [];
	constructor(
		readonly name: string,
		readonly models: ModelInfo[],
		readonly probed: EngineProbe = { ok: true, version: name },
		readonly failList = false
	) {
		this.label = name;
	}
	toolCallingFor(model: string): 'native' | 'schema' {
		return model.includes('tools') ? 'native' : 'schema';
	}
	async countPrompt(model: string): Promise<number> {
		this.asked.push(`count ${model}`);
		return 42;
	}
	async probe() {
		return this.probed;
	}
	async listModels() {
		if (this.failList) throw new HearthError('storage_unavailable', 'No Cache Storage here.');
		return this.models;
	}
	async load(model: string) {
		this.asked.push(`load ${model}`);
	}
	async *chat(request: ChatRequest): AsyncGenerator<ChatDelta> {
		this.asked.push(`chat ${request.model}`);
		yield { type: 'text', text: this.name };
		yield { type: 'done', finishReason: 'stop', timings: { totalMs: 1 } };
	}
	async dispose() {}
}

const mlcModel = { id: 'SmolLM2-360M-Instruct-q4f32_1-MLC', name: 'SmolLM2' };
const ggufModel = { id: 'gguf:qwen2.5-0.5b', name: 'Qwen2.5 0.5B' };

describe('InBrowserEngine', () => {
	it('runs gguf: ids with llama.cpp and every other id with web-llm', async () => {
		const mlc = new Runtime('web-llm', [mlcModel]);
		const gguf = new Runtime('llama.cpp', [ggufModel]);
		const engine = new InBrowserEngine({ mlc, gguf });
		expect(isGgufModel(ggufModel.id)).toBe(true);
		expect((await collectChat(engine, { model: ggufModel.id, messages: [] })).text).toBe(
			'llama.cpp'
		);
		expect((await collectChat(engine, { model: mlcModel.id, messages: [] })).text).toBe('web-llm');
		await engine.load(ggufModel.id);
		expect(gguf.asked).toEqual([`chat ${ggufModel.id}`, `load ${ggufModel.id}`]);
		expect(await engine.listModels()).toEqual([mlcModel, ggufModel]);
		expect(engine.kind).toBe('webllm');
	});

	it('calls tools natively only for a GGUF whose template knows them', () => {
		const engine = new InBrowserEngine({
			mlc: new Runtime('web-llm', []),
			gguf: new Runtime('llama.cpp', [])
		});
		expect(engine.toolCallingFor('gguf:with-tools')).toBe('native');
		expect(engine.toolCallingFor('gguf:plain')).toBe('schema');
		expect(engine.toolCallingFor('Qwen2.5-1.5B-Instruct-q4f32_1-MLC')).toBe('schema');
	});

	it('stays usable without WebGPU: GGUF models run, an MLC id says why it cannot', async () => {
		const gguf = new Runtime('llama.cpp', [ggufModel]);
		const engine = new InBrowserEngine({ mlc: null, gguf });
		expect(await engine.probe()).toEqual({ ok: true, version: 'llama.cpp' });
		expect(await engine.listModels()).toEqual([ggufModel]);
		const { error } = await collectChat(engine, { model: mlcModel.id, messages: [] });
		expect(error).toMatchObject({ code: 'webgpu_unavailable' });
	});

	it('probes ok when either runtime can run, and lists what one can when the other fails', async () => {
		const noGpu: EngineProbe = {
			ok: false,
			error: { code: 'webgpu_unavailable', message: 'No WebGPU.' }
		};
		const engine = new InBrowserEngine({
			mlc: new Runtime('web-llm', [mlcModel], noGpu),
			gguf: new Runtime('llama.cpp', [ggufModel], { ok: true, version: 'llama.cpp' }, true)
		});
		expect(await engine.probe()).toEqual({ ok: true, version: 'llama.cpp' });
		expect(await engine.listModels()).toEqual([mlcModel]);
		const neither = new InBrowserEngine({
			mlc: new Runtime('web-llm', [], noGpu),
			gguf: new Runtime('llama.cpp', [], {
				ok: false,
				error: { code: 'model_unsupported', message: 'No SIMD.' }
			})
		});
		expect(await neither.probe()).toEqual({
			ok: false,
			error: { code: 'model_unsupported', message: 'No SIMD.' }
		});
	});

	it('counts whole prompts for GGUF models only; single texts go to web-llm', async () => {
		const mlc: LlmEngine = Object.assign(new ScriptedEngine('schema', []), {
			countTokens: async (_m: string, texts: string[]) => texts.map((t) => t.length)
		});
		const gguf = new Runtime('llama.cpp', []);
		const engine = new InBrowserEngine({ mlc, gguf });
		expect(await engine.countPrompt(ggufModel.id, [])).toBe(42);
		await expect(engine.countPrompt(mlcModel.id, [])).rejects.toMatchObject({
			code: 'model_unsupported'
		});
		expect(await engine.countTokens(mlcModel.id, ['abc'])).toEqual([3]);
		await expect(engine.countTokens(ggufModel.id, ['abc'])).rejects.toMatchObject({
			code: 'model_unsupported'
		});
	});
});
