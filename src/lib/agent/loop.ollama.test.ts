// The loop against the fake Ollama server: real HTTP, real engine, tool calls scripted by the
// fixture's [[tool:…]] directives (tests/fixtures/fixture-replies.js).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, startOllamaFixture } from '../../../tests/fixtures/ollama-fixture.js';
import type { OllamaFixture } from '../../../tests/fixtures/ollama-fixture.js';
import { runAgent } from '$lib/agent/loop';
import { addTool, agentInput, collect, webTools } from '$lib/agent/test-tools';
import type { ScriptedEngine } from '$lib/agent/scripted-engine';
import { OllamaEngine } from '$lib/engine/ollama';

const MODEL = DEFAULT_MODELS[0]?.name ?? 'llama3.2:1b';

describe('runAgent with the Ollama engine (fixture server)', () => {
	let fixture: OllamaFixture;
	let engine: OllamaEngine;

	beforeAll(async () => {
		fixture = await startOllamaFixture({ chunkDelayMs: 1 });
		engine = new OllamaEngine({ baseUrl: fixture.url, caller: { page: 'http://localhost' } });
	});
	afterAll(() => fixture.close());

	function input(prompt: string) {
		const { search } = webTools({});
		// agentInput is typed for the scripted engine; any LlmEngine fits the loop.
		return agentInput(engine as unknown as ScriptedEngine, [addTool, search], {
			model: MODEL,
			messages: [{ role: 'user', content: prompt }],
			userText: prompt
		});
	}

	it('runs native calls in turn and streams the answer that quotes their results', async () => {
		const out = await collect(
			runAgent(input('[[tool:add {"a":2,"b":3}]] then [[tool:web_search {"query":"hearth"}]]'))
		);
		expect(out.error).toBeUndefined();
		expect([...out.cards.values()].map((c) => [c.name, c.status])).toEqual([
			['add', 'done'],
			['web_search', 'done']
		]);
		expect(out.text).toMatch(/^Tool results: 5 \| <untrusted source="web_search hearth">/);
		expect(out.done).toMatchObject({ finishReason: 'stop', steps: 3 });
		expect(out.done?.usage?.promptTokens).toBeGreaterThan(0);
		const chats = fixture.requests.filter((r) => r.path === '/api/chat').slice(-3);
		const last = chats[2]?.body as { messages: { role: string }[]; tools: unknown[] };
		expect(last.tools).toHaveLength(2);
		expect(last.messages.map((m) => m.role)).toEqual([
			'system',
			'user',
			'assistant',
			'tool',
			'assistant',
			'tool'
		]);
	});

	it('repairs a malformed native call once', async () => {
		const out = await collect(runAgent(input('[[tool-bad:add {"a":]] [[tool:add {"a":1,"b":1}]]')));
		expect(out.error).toBeUndefined();
		expect([...out.cards.values()].map((c) => [c.name, c.status])).toEqual([['add', 'done']]);
		expect(out.text).toMatch(/^Tool results: The arguments are not valid JSON.* \| 2$/);
	});

	it('falls back to schema mode when the model refuses tools', async () => {
		const out = await collect(runAgent(input('[[tools-unsupported]] [[tool:add {"a":4,"b":4}]]')));
		expect(out.error).toBeUndefined();
		expect([...out.cards.values()].map((c) => [c.name, c.status])).toEqual([['add', 'done']]);
		expect(out.text).toBe('Tool results: 8');
		const chats = fixture.requests.filter((r) => r.path === '/api/chat').slice(-3);
		const bodies = chats.map((r) => r.body as Record<string, unknown>);
		expect(bodies[0]?.tools).toBeDefined(); // refused with 400
		expect(bodies[1]?.tools).toBeUndefined();
		expect(bodies[1]?.format).toMatchObject({ properties: { action: {} } });
	});
});
