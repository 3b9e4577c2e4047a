import { describe, expect, it } from 'vitest';
import type { BrowserEngineKind, LlmEngine, ModelInfo } from '$lib/engine/types';
import { EngineState, type EngineFactory } from '$lib/state/engine.svelte';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// The chain logic against engines whose answers the test scripts: listModels either returns the
// given models or throws the given error. Chat itself is covered by each engine's contract suite.
type Script = ModelInfo[] | HearthError | null;

function scripted(
	kind: BrowserEngineKind,
	script: () => Script,
	disposed: string[]
): LlmEngine | null {
	if (script() === null) return null;
	return {
		kind,
		label: `${kind} engine`,
		toolCalling: 'native',
		probe: async () => ({ ok: true }),
		listModels: async () => {
			const s = script();
			if (s instanceof HearthError) throw s;
			return s ?? [];
		},
		load: async () => {},
		chat: async function* () {},
		dispose: async () => {
			disposed.push(kind);
		}
	};
}

function setup(scripts: Record<BrowserEngineKind, Script>, patch: Partial<Settings> = {}) {
	const settings: Settings = { ...DEFAULT_SETTINGS, ...patch };
	const disposed: string[] = [];
	const factory: EngineFactory = {
		create: (kind) => scripted(kind, () => scripts[kind], disposed),
		key: (kind, s) => (kind === 'ollama' ? s.ollamaUrl : kind)
	};
	const state = new EngineState(() => settings, factory);
	return { state, settings, scripts, disposed };
}

const model = (id: string): ModelInfo => ({ id, name: id });
const down = () => new HearthError('engine_unreachable', 'Ollama is not running (OLLAMA_ORIGINS).');

describe('EngineState fallback chain', () => {
	it('prefers the in-browser engine when it has a downloaded model', async () => {
		const { state } = setup({
			webllm: [model('qwen-web')],
			ollama: [model('llama')],
			openai: null
		});
		await state.refresh();
		expect(state.active?.kind).toBe('webllm');
		expect(state.model).toBe('qwen-web');
		const choice = await state.choose();
		expect(choice).toMatchObject({ kind: 'webllm', model: 'qwen-web' });
	});

	it('falls back to Ollama, then to the OpenAI-compatible server', async () => {
		const { state, scripts } = setup({
			webllm: [],
			ollama: [model('llama')],
			openai: [model('gpt')]
		});
		await state.refresh();
		expect(state.active?.kind).toBe('ollama');
		scripts.ollama = down();
		await state.refresh();
		expect(state.active?.kind).toBe('openai');
		expect((await state.choose()).model).toBe('gpt');
	});

	it('with nothing ready, explains every way to get an engine', async () => {
		const { state } = setup({ webllm: [], ollama: down(), openai: null });
		await state.refresh();
		expect(state.status).toBe('none');
		expect(state.candidates.openai.status).toBe('off');
		const error = await state.choose().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(HearthError);
		// Ollama's own error leads (it names its fixes), then the other ways.
		expect((error as HearthError).code).toBe('engine_unreachable');
		expect((error as HearthError).message).toMatch(/OLLAMA_ORIGINS.*in-browser model.*OpenAI/s);
	});

	it('checks again before failing a send, so a server started since is used', async () => {
		const { state, scripts } = setup({ webllm: null, ollama: down(), openai: null });
		await state.refresh();
		expect(state.status).toBe('none');
		scripts.ollama = [model('llama')];
		expect(await state.choose()).toMatchObject({ kind: 'ollama', model: 'llama' });
	});

	it('a forced engine is used even when another is ready, and its own error is reported', async () => {
		const { state } = setup(
			{ webllm: [model('qwen-web')], ollama: down(), openai: null },
			{ engine: 'ollama' }
		);
		await state.refresh();
		expect(state.active?.kind).toBe('ollama');
		await expect(state.choose()).rejects.toMatchObject({ code: 'engine_unreachable' });
	});

	it('a pinned conversation gets its engine and model, or a coded error, never a switch', async () => {
		const { state, scripts } = setup({
			webllm: [model('qwen-web')],
			ollama: [model('llama'), model('mistral')],
			openai: null
		});
		await state.refresh();
		expect(await state.choose({ engine: 'ollama', model: 'mistral' })).toMatchObject({
			kind: 'ollama',
			model: 'mistral'
		});
		await expect(state.choose({ engine: 'ollama', model: 'gone' })).rejects.toMatchObject({
			code: 'model_not_found'
		});
		scripts.ollama = down();
		await state.refresh();
		await expect(state.choose({ engine: 'ollama', model: 'mistral' })).rejects.toMatchObject({
			code: 'engine_unreachable'
		});
		await expect(state.choose({ engine: 'openai', model: 'x' })).rejects.toMatchObject({
			code: 'no_model'
		});
	});

	it('a conversation pinned to llama.cpp in the terminal (from a backup) is refused by name', async () => {
		const { state } = setup({ webllm: [model('qwen-web')], ollama: null, openai: null });
		await state.refresh();
		const pin = { engine: 'llamacpp', model: 'stories260K.gguf' } as const;
		await expect(state.choose(pin)).rejects.toMatchObject({
			code: 'no_model',
			message: expect.stringContaining('stories260K.gguf through llama.cpp in the terminal')
		});
		expect(state.candidates.llamacpp.status).toBe('off');
		expect(state.candidates.llamacpp.label).toBe('llama.cpp in the terminal');
	});

	it('uses the chosen model when the engine has it, else the first', async () => {
		const { state, settings } = setup(
			{ webllm: null, ollama: [model('a'), model('b')], openai: null },
			{ model: 'b' }
		);
		await state.refresh();
		expect(state.model).toBe('b');
		settings.model = 'missing';
		expect(state.model).toBe('a');
	});

	it('recreates an engine whose address changed, disposing the old one', async () => {
		const { state, settings, disposed } = setup({
			webllm: null,
			ollama: [model('a')],
			openai: null
		});
		const first = state.candidates.ollama.engine;
		settings.ollamaUrl = 'http://elsewhere:11434';
		await state.refresh();
		expect(state.candidates.ollama.engine).not.toBe(first);
		expect(disposed).toEqual(['ollama']);
	});

	it('shows an earlier engine being checked instead of flickering to a later ready one', async () => {
		const { state } = setup({ webllm: [model('w')], ollama: [model('o')], openai: null });
		expect(state.status).toBe('checking');
		const refreshing = state.refresh();
		expect(state.active?.kind).toBe('webllm');
		await refreshing;
		expect(state.active?.kind).toBe('webllm');
	});
});

describe('EngineState.recheck', () => {
	it('finds a server started later without passing through "checking" (no flicker)', async () => {
		const { state, scripts } = setup({ webllm: null, ollama: down(), openai: null });
		await state.refresh();
		expect(state.status).toBe('none');
		const seen: string[] = [];
		// A slow answer: the status must stay 'none' while the re-check is out.
		scripts.ollama = [model('llama')];
		const pending = state.recheck();
		seen.push(state.status);
		await pending;
		seen.push(state.status);
		expect(seen).toEqual(['none', 'ready']);
		expect(state.model).toBe('llama');
	});

	it('leaves an engine that answers alone and keeps a still-missing one as it was', async () => {
		const { state } = setup({ webllm: [model('qwen-web')], ollama: down(), openai: null });
		await state.refresh();
		await state.recheck();
		expect(state.candidates.webllm.status).toBe('ready');
		expect(state.candidates.ollama.status).toBe('unreachable');
		expect(state.candidates.ollama.error?.code).toBe('engine_unreachable');
	});
});
