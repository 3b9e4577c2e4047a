import { describe, expect, it } from 'vitest';
import {
	DEFAULT_OPENAI_MODELS,
	TOOLS_UNSUPPORTED_MESSAGE,
	startOpenAiFixture
} from '../../../tests/fixtures/openai-fixture.js';
import { CONTRACT_SCHEMA, collectChat } from '$lib/engine/contract';
import { askModel, cannedFetch, hearth, lastDone } from '$lib/engine/engine-test-kit';
import { OpenAiEngine } from '$lib/engine/openai';
import { ToolCallAssembler } from '$lib/engine/openai-tool-calls';
import {
	SEARCH_TOOL,
	expectToolExchange,
	toolCallsOf,
	useEngineOnFixture
} from '$lib/engine/tool-test-kit';
import type { ChatMessage, ChatRequest } from '$lib/engine/types';
import type { ProposedToolCall } from '$lib/types/tools';

// Tool calling and structured output against the fake OpenAI-compatible server: the request
// shape, streamed call fragments joined by index, and a multi-step exchange.

const MODEL = DEFAULT_OPENAI_MODELS[0]?.id ?? 'qwen2.5-0.5b-instruct';
/** An engine whose server streams exactly these chunk objects, then [DONE]. */
function streaming(chunks: unknown[]): OpenAiEngine {
	const body = [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'];
	return new OpenAiEngine({
		baseUrl: 'http://server.test',
		fetch: cannedFetch(() => new Response(body.join(''), { status: 200 }))
	});
}

const toolDelta = (fragment: Record<string, unknown>, finish: string | null = null) => ({
	choices: [{ index: 0, delta: { tool_calls: [fragment] }, finish_reason: finish }]
});

describe('OpenAiEngine tool calling', () => {
	const on = useEngineOnFixture(
		() => startOpenAiFixture({ chunkDelayMs: 1 }),
		(baseUrl) => new OpenAiEngine({ baseUrl }),
		'/v1/chat/completions'
	);

	it('sends tools, and history with tool_calls and tool_call_id', async () => {
		const call: ProposedToolCall = { id: 'c1', name: 'web_search', argumentsText: '{"query":"x"}' };
		const messages: ChatMessage[] = [
			{ role: 'user', content: 'Find x' },
			{ role: 'assistant', content: '', toolCalls: [call] },
			{ role: 'tool', content: 'x is y.', toolCallId: 'c1', toolName: 'web_search' },
			{ role: 'assistant', content: 'Checking once more.', toolCalls: [{ ...call, id: 'c2' }] },
			{ role: 'tool', content: 'still y', toolCallId: 'c2', toolName: 'web_search' }
		];
		await collectChat(on.engine, { model: MODEL, messages, tools: [SEARCH_TOOL] });
		const body = on.lastBody();
		expect(body.tools).toEqual([{ type: 'function', function: SEARCH_TOOL }]);
		expect(body.messages).toEqual([
			{ role: 'user', content: 'Find x' },
			{
				role: 'assistant',
				content: null,
				tool_calls: [
					{
						id: 'c1',
						type: 'function',
						function: { name: 'web_search', arguments: '{"query":"x"}' }
					}
				]
			},
			{ role: 'tool', tool_call_id: 'c1', content: 'x is y.' },
			{
				role: 'assistant',
				content: 'Checking once more.',
				tool_calls: [
					{
						id: 'c2',
						type: 'function',
						function: { name: 'web_search', arguments: '{"query":"x"}' }
					}
				]
			},
			{ role: 'tool', tool_call_id: 'c2', content: 'still y' }
		]);
		expect(body).not.toHaveProperty('response_format');
	});

	it('sends the schema as a strict json_schema response_format, and no tools key', async () => {
		await collectChat(on.engine, { ...askModel(MODEL, 'Hi'), responseSchema: CONTRACT_SCHEMA });
		expect(on.lastBody().response_format).toEqual({
			type: 'json_schema',
			json_schema: { name: 'reply', schema: CONTRACT_SCHEMA, strict: true }
		});
		expect(on.lastBody()).not.toHaveProperty('tools');
	});

	it('runs a two-step exchange from streamed fragments, then text quoting both results', async () => {
		const request: ChatRequest = {
			model: MODEL,
			tools: [SEARCH_TOOL],
			messages: [
				{
					role: 'user',
					content:
						'Compare [[tool:web_search {"query":"a long query"}]] [[tool:web_search {"query":"b"}]]'
				}
			]
		};
		await expectToolExchange(
			on.engine,
			request,
			['result for a', 'result for b'],
			(calls, done, step) => {
				expect(calls).toEqual([
					{
						id: expect.stringMatching(/^call_/),
						name: 'web_search',
						argumentsText: JSON.stringify({ query: step === 0 ? 'a long query' : 'b' })
					}
				]);
				expect(done.usage?.completionTokens).toBeGreaterThan(0);
			}
		);
	});

	it('joins two calls streamed in one reply with [[parallel]], by index', async () => {
		const { deltas } = await collectChat(on.engine, {
			...askModel(MODEL, '[[parallel]] [[tool:a {"n":"one"}]] [[tool:b {"n":"two"}]]'),
			tools: [SEARCH_TOOL]
		});
		expect(toolCallsOf(deltas).map((c) => [c.name, c.argumentsText])).toEqual([
			['a', '{"n":"one"}'],
			['b', '{"n":"two"}']
		]);
		expect(deltas.map((d) => d.type)).toEqual(['tool_call', 'tool_call', 'done']);
	});

	it('passes malformed arguments on verbatim', async () => {
		const { deltas } = await collectChat(on.engine, {
			...askModel(MODEL, '[[tool-bad:web_search {"query":}]]'),
			tools: [SEARCH_TOOL]
		});
		expect(toolCallsOf(deltas).map((c) => c.argumentsText)).toEqual(['{"query":}']);
	});

	it('fails with tools_unsupported when the server refuses tools', async () => {
		const { error } = await collectChat(on.engine, {
			...askModel(MODEL, '[[tools-unsupported]] [[tool:web_search {"query":"x"}]]'),
			tools: [SEARCH_TOOL]
		});
		const e = hearth(error);
		expect(e.code).toBe('tools_unsupported');
		expect(e.message).toContain(TOOLS_UNSUPPORTED_MESSAGE);
		expect(e.message).toContain('--jinja');
	});

	it('recognises vLLM’s refusal of auto tool choice, but only when tools were sent', async () => {
		const vllm = JSON.stringify({
			object: 'error',
			message:
				'"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
			type: 'BadRequestError',
			code: 400
		});
		const refusing = new OpenAiEngine({
			baseUrl: 'http://server.test',
			fetch: cannedFetch(() => new Response(vllm, { status: 400 }))
		});
		const withTools = await collectChat(refusing, {
			...askModel(MODEL, 'x'),
			tools: [SEARCH_TOOL]
		});
		expect(hearth(withTools.error).code).toBe('tools_unsupported');
		const without = await collectChat(refusing, askModel(MODEL, 'x'));
		expect(hearth(without.error).code).toBe('engine_http');
	});

	it('joins interleaved fragments by index and yields them at finish_reason', async () => {
		const server = streaming([
			{ choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }] },
			toolDelta({
				index: 0,
				id: 'call_A',
				type: 'function',
				function: { name: 'a', arguments: '' }
			}),
			toolDelta({
				index: 1,
				id: 'call_B',
				type: 'function',
				function: { name: 'b', arguments: '{"y"' }
			}),
			toolDelta({ index: 0, function: { arguments: '{"x":' } }),
			toolDelta({ index: 1, function: { arguments: ':2}' } }),
			toolDelta({ index: 0, function: { arguments: '1}' } }),
			{ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
			{ choices: [], usage: { prompt_tokens: 3, completion_tokens: 9 } }
		]);
		const { deltas, error } = await collectChat(server, askModel(MODEL, 'x'));
		expect(error).toBeUndefined();
		expect(toolCallsOf(deltas)).toEqual([
			{ id: 'call_A', name: 'a', argumentsText: '{"x":1}' },
			{ id: 'call_B', name: 'b', argumentsText: '{"y":2}' }
		]);
		const done = lastDone(deltas);
		expect(done).toMatchObject({ finishReason: 'tool_calls', usage: { completionTokens: 9 } });
	});

	it('finishes with tool_calls even when the server says stop, and fills missing ids', async () => {
		const server = streaming([
			toolDelta({ function: { name: 'now', arguments: { tz: 'UTC' } } }),
			{ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }
		]);
		const { deltas } = await collectChat(server, askModel(MODEL, 'x'));
		expect(toolCallsOf(deltas)).toEqual([
			{ id: expect.stringMatching(/^call_/), name: 'now', argumentsText: '{"tz":"UTC"}' }
		]);
		expect(lastDone(deltas).finishReason).toBe('tool_calls');
	});
});

describe('ToolCallAssembler', () => {
	it('continues the last call without an index and starts a new one on a new id or name', () => {
		let n = 0;
		const assembler = new ToolCallAssembler(() => `made_${++n}`);
		assembler.add({ id: 'x', name: 'a', arguments: '{"p"' });
		assembler.add({ arguments: ':1}' });
		assembler.add({ id: 'y', name: 'b' });
		assembler.add({ name: 'c', arguments: '{}' });
		assembler.add({ index: 7, arguments: 'orphan' });
		expect(assembler.take()).toEqual([
			{ id: 'x', name: 'a', argumentsText: '{"p":1}' },
			{ id: 'y', name: 'b', argumentsText: '{}' },
			{ id: 'made_1', name: 'c', argumentsText: '{}' }
		]);
		expect(assembler.size).toBe(0);
	});
});
