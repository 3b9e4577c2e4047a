// Test-only: the API server composed from real pieces, the way src/node/runtime.ts composes it
// for `hearth serve`: the SQLite store in a temp folder, llama.cpp on stories260K (one thread),
// the OpenAI-compatible fixture server, and small real tools (a side-effect one among them).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addTool, fileTools, webTools } from '$lib/agent/test-tools';
import type { EngineChooser, TurnTools } from '$lib/conversation/ports';
import type { ChatRequest, EngineKind, LlmEngine } from '$lib/engine/types';
import { OpenAiEngine } from '$lib/engine/openai';
import { createRegistry } from '$lib/tools/registry';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import { startOpenAiFixture } from '../../tests/fixtures/openai-fixture.js';
import { LLAMACPP_KIND, LlamaCppEngine } from '../node/llama-engine';
import { SqliteChatStore } from '../node/sqlite-chat-store';
import type { ApiModel, ServerDeps } from './api-chat';
import { createApiServer, type ApiServer, type ApiServerOptions } from './api-server';

export const MODEL_FILE = path.resolve(process.cwd(), '../shared/models/gguf/stories260K.gguf');
export const STORIES = 'stories260K.gguf';
export const HAVE_MODEL = existsSync(MODEL_FILE);
export const FIXTURE_MODEL = 'qwen2.5-0.5b-instruct';
export const TOKEN = 'hearth_test-token-0123456789abcdef';

/** Settings for API tests: the chat agent with the test tools, no routing, no extra model calls. */
export const API_SETTINGS: Settings = {
	...DEFAULT_SETTINGS,
	agentRouting: false,
	autoTitle: false,
	proposeMemories: false,
	useMemories: false,
	customAgents: [
		{
			id: 'chat',
			name: 'Chat',
			description: 'Test chat agent',
			systemPrompt: 'You are Hearth.',
			examples: [],
			tools: ['add', 'fetch_page', 'write_file'],
			model: '',
			chainOfThought: false
		}
	]
};

/** Every chat request an engine got (to compute a reference answer from the exact prompt). */
export function recording(engine: LlmEngine): { engine: LlmEngine; requests: ChatRequest[] } {
	const requests: ChatRequest[] = [];
	const wrapped: LlmEngine = Object.create(engine) as LlmEngine;
	Object.defineProperty(wrapped, 'chat', {
		value: (request: ChatRequest, signal?: AbortSignal) => {
			requests.push(structuredClone(request));
			return engine.chat(request, signal);
		}
	});
	for (const name of ['probe', 'listModels', 'load', 'countTokens', 'dispose'] as const) {
		const method = engine[name];
		if (typeof method === 'function') {
			Object.defineProperty(wrapped, name, { value: method.bind(engine) });
		}
	}
	return { engine: wrapped, requests };
}

export interface ApiHarness {
	server: ApiServer;
	url: string;
	store: SqliteChatStore;
	dir: string;
	fixture: Awaited<ReturnType<typeof startOpenAiFixture>>;
	llamaRequests: ChatRequest[];
	/** The fixture's engine (unwrapped) and every request it was sent. */
	openai: LlmEngine;
	openaiRequests: ChatRequest[];
	/** What write_file (the side-effect tool) wrote: empty unless it really ran. */
	written: { path: string; content: string }[];
	close(): Promise<void>;
}

export interface HarnessOptions {
	/** The model the chain picks when a request names none. */
	defaultModel?: 'fixture' | 'stories';
	server?: Partial<ApiServerOptions>;
	/** Pages fetch_page returns, by URL. */
	pages?: Record<string, string>;
	llama?: boolean;
	/** Hearth's tools behind the API (default true; stories260K's 512 tokens have no room). */
	tools?: boolean;
	/** The fixture's pause between streamed chunks (ms; default 1). */
	fixtureDelayMs?: number;
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
	const dir = await mkdtemp(path.join(tmpdir(), 'hearth-api-'));
	const store = await SqliteChatStore.open(path.join(dir, 'hearth.db'));
	const fixture = await startOpenAiFixture({ chunkDelayMs: options.fixtureDelayMs ?? 1 });
	const openai = recording(new OpenAiEngine({ baseUrl: fixture.url, origin: 'http://127.0.0.1' }));
	const llama =
		options.llama === false || !HAVE_MODEL
			? null
			: recording(new LlamaCppEngine({ files: [MODEL_FILE], threads: 1, contextSize: 512 }));
	const models: ApiModel[] = [
		{ id: FIXTURE_MODEL, kind: 'openai', contextLength: 32768 },
		...(llama ? [{ id: STORIES, kind: LLAMACPP_KIND, contextLength: 512 }] : [])
	];
	const engineOf = (kind: EngineKind): LlmEngine => {
		if (kind === 'openai') return openai.engine;
		if (kind === LLAMACPP_KIND && llama) return llama.engine;
		throw new HearthError('no_model', `No ${kind} engine here.`);
	};
	const engines: EngineChooser = {
		choose: async (pin) => {
			if (pin) return { kind: pin.engine, engine: engineOf(pin.engine), model: pin.model };
			return options.defaultModel === 'stories' && llama
				? { kind: LLAMACPP_KIND, engine: llama.engine, model: STORIES }
				: { kind: 'openai', engine: openai.engine, model: FIXTURE_MODEL };
		},
		modelInfo: (_kind, model) => {
			const found = models.find((m) => m.id === model);
			return found
				? { id: found.id, name: found.id, contextLength: found.contextLength }
				: undefined;
		}
	};
	const { writeFile, written } = fileTools();
	const { fetchPage } = webTools(options.pages ?? {});
	const registry = createRegistry([addTool, fetchPage, writeFile]);
	const tools: TurnTools = {
		registry: async () => registry,
		net: (url, init) => fetch(url, init),
		hasWritableFolder: async () => true,
		attachments: async () => []
	};
	const deps: ServerDeps = {
		store,
		engines,
		models: async () => models,
		settings: () => API_SETTINGS,
		tools: options.tools === false ? undefined : tools
	};
	const server = await createApiServer(deps, {
		token: TOKEN,
		port: 0,
		site: false,
		saveEveryMs: 5,
		...options.server
	});
	return {
		server,
		url: server.url,
		store,
		dir,
		fixture,
		llamaRequests: llama?.requests ?? [],
		openai: engineOf('openai'),
		openaiRequests: openai.requests,
		written,
		close: async () => {
			await server.close();
			await fixture.close();
			await llama?.engine.dispose();
			store.close();
			await rm(dir, { recursive: true, force: true });
		}
	};
}
