import { describe, expect, it } from 'vitest';
import {
	DEFAULT_MODELS,
	startOllamaFixture,
	toolsUnsupportedMessage
} from '../../../tests/fixtures/ollama-fixture.js';
import { TOOL_RESULTS_PREFIX } from '../../../tests/fixtures/fixture-replies.js';
import { CONTRACT_SCHEMA, collectChat } from '$lib/engine/contract';
import { askModel, cannedFetch, hearth, lastDone } from '$lib/engine/engine-test-kit';
import { OllamaEngine } from '$lib/engine/ollama';
import {
	SEARCH_TOOL,
	expectToolExchange,
	toolCallsOf,
	useEngineOnFixture
} from '$lib/engine/tool-test-kit';
import type { ChatMessage, ChatRequest } from '$lib/engine/types';
import type { ProposedToolCall } from '$lib/types/tools';

// Tool calling and structured output against the fake Ollama: what goes on the wire, what
// comes back, and a multi-step exchange driven by [[tool:…]] directives.

const MODEL = DEFAULT_MODELS[0]?.name ?? 'llama3.2:1b';

describe('OllamaEngine tool calling', () => {
	const on = useEngineOnFixture(
		() => startOllamaFixture({ chunkDelayMs: 1 }),
		(baseUrl) => new OllamaEngine({ baseUrl }),
		'/api/chat'
	);

	it('sends tools in the documented shape and history with tool_calls and tool_name', async () => {
		const call: ProposedToolCall = {
			id: 'c1',
			name: 'web_search',
			argumentsText: '{"query":"otters"}'
		};
		const messages: ChatMessage[] = [
			{ role: 'user', content: 'Find otters' },
			{ role: 'assistant', content: '', toolCalls: [call, { ...call, argumentsText: '{bad' }] },
			{ role: 'tool', content: 'Otters are mustelids.', toolCallId: 'c1', toolName: 'web_search' }
		];
		await collectChat(on.engine, { model: MODEL, messages, tools: [SEARCH_TOOL] });
		expect(on.lastBody()).toMatchObject({
			tools: [{ type: 'function', function: SEARCH_TOOL }],
			messages: [
				{ role: 'user', content: 'Find otters' },
				{
					role: 'assistant',
					content: '',
					tool_calls: [
						{ function: { name: 'web_search', arguments: { query: 'otters' } } },
						// Ollama only takes objects; text that never parsed goes as {}.
						{ function: { name: 'web_search', arguments: {} } }
					]
				},
				{ role: 'tool', content: 'Otters are mustelids.', tool_name: 'web_search' }
			]
		});
		expect(on.lastBody()).not.toHaveProperty('format');
	});

	it('sends no tools key without tools, and the schema as format', async () => {
		await collectChat(on.engine, { ...askModel(MODEL, 'Hi'), responseSchema: CONTRACT_SCHEMA });
		expect(on.lastBody()).not.toHaveProperty('tools');
		expect(on.lastBody().format).toEqual(CONTRACT_SCHEMA);
	});

	it('runs a two-step exchange: one call per reply, then text quoting both results', async () => {
		const request: ChatRequest = {
			model: MODEL,
			tools: [SEARCH_TOOL],
			messages: [
				{
					role: 'user',
					content: 'Compare [[tool:web_search {"query":"a"}]] [[tool:web_search {"query":"b"}]]'
				}
			]
		};
		const ids: string[] = [];
		await expectToolExchange(
			on.engine,
			request,
			['result for a', 'result for b'],
			(calls, _, step) => {
				expect(calls.map((c) => JSON.parse(c.argumentsText))).toEqual([
					{ query: step === 0 ? 'a' : 'b' }
				]);
				ids.push(...calls.map((c) => c.id));
			}
		);
		expect(new Set(ids).size).toBe(2);
	});

	it('yields every call of one message with [[parallel]], in order', async () => {
		const { deltas } = await collectChat(on.engine, {
			...askModel(MODEL, '[[parallel]] [[tool:a {"n":1}]] [[tool:b {"n":2}]]'),
			tools: [SEARCH_TOOL]
		});
		expect(toolCallsOf(deltas).map((c) => c.name)).toEqual(['a', 'b']);
		expect(deltas.map((d) => d.type)).toEqual(['tool_call', 'tool_call', 'done']);
	});

	it('passes string arguments on verbatim, so the agent can repair them', async () => {
		const { deltas } = await collectChat(on.engine, {
			...askModel(MODEL, '[[tool-bad:web_search {"query":}]]'),
			tools: [SEARCH_TOOL]
		});
		expect(toolCallsOf(deltas)).toEqual([
			{ id: expect.any(String), name: 'web_search', argumentsText: '{"query":}' }
		]);
	});

	it('fails with tools_unsupported when the model cannot use tools', async () => {
		const { error, deltas } = await collectChat(on.engine, {
			...askModel(MODEL, 'Search [[tools-unsupported]] [[tool:web_search {"query":"x"}]]'),
			tools: [SEARCH_TOOL]
		});
		expect(deltas).toHaveLength(0);
		const e = hearth(error);
		expect(e.code).toBe('tools_unsupported');
		expect(e.message).toContain(MODEL);
		expect(toolsUnsupportedMessage(MODEL)).toContain('does not support tools');
		// The same prompt without tools is an ordinary chat.
		const plain = await collectChat(on.engine, askModel(MODEL, 'Hi [[tools-unsupported]]'));
		expect(plain.error).toBeUndefined();
	});

	it('scripts the schema-mode fallback after tools_unsupported', async () => {
		const prompt = 'Search [[tools-unsupported]] [[tool:web_search {"query":"x"}]]';
		const schema = {
			type: 'object',
			properties: { action: { type: 'string', enum: ['call', 'answer'] } },
			required: ['action']
		};
		const first = await collectChat(on.engine, {
			...askModel(MODEL, prompt),
			responseSchema: schema
		});
		expect(JSON.parse(first.text)).toEqual({
			action: 'call',
			tool: 'web_search',
			arguments: { query: 'x' }
		});
		const second = await collectChat(on.engine, {
			model: MODEL,
			responseSchema: schema,
			messages: [
				{ role: 'user', content: prompt },
				{ role: 'assistant', content: first.text },
				{ role: 'user', content: 'Tool result (web_search):\nX is a letter.' }
			]
		});
		expect(JSON.parse(second.text)).toEqual({
			action: 'answer',
			answer: `${TOOL_RESULTS_PREFIX}X is a letter.`
		});
	});

	it('keeps ids Ollama sends and reads text and calls from the same stream', async () => {
		const lines = [
			{ message: { role: 'assistant', content: 'Let me look.' }, done: false },
			{
				message: {
					role: 'assistant',
					content: '',
					tool_calls: [
						{ id: 'call_abc', function: { index: 0, name: 'web_search', arguments: { q: 1 } } },
						{ function: { name: '' } },
						{ function: { name: 'now' } }
					]
				},
				done: false
			},
			{ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' }
		];
		const canned = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(
				() => new Response(lines.map((l) => JSON.stringify(l)).join('\n'), { status: 200 })
			)
		});
		const { deltas, error } = await collectChat(canned, askModel(MODEL, 'x'));
		expect(error).toBeUndefined();
		expect(deltas[0]).toEqual({ type: 'text', text: 'Let me look.' });
		const [first, second] = toolCallsOf(deltas);
		expect(first).toEqual({ id: 'call_abc', name: 'web_search', argumentsText: '{"q":1}' });
		expect(second).toMatchObject({ name: 'now', argumentsText: '{}' });
		expect(second?.id).toMatch(/^call_/);
		expect(lastDone(deltas).finishReason).toBe('tool_calls');
	});
});

describe('OllamaEngine holding calls until the reply ends', () => {
	it('yields no call from a reply that breaks after it', async () => {
		const line = JSON.stringify({
			message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'now' } }] },
			done: false
		});
		const cut = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(() => new Response(`${line}\n`, { status: 200 }))
		});
		const { deltas, error } = await collectChat(cut, askModel(MODEL, 'x'));
		expect(deltas).toHaveLength(0);
		expect(hearth(error).code).toBe('engine_stream_broken');
	});
});
