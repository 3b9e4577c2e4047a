import { describe, expect, it } from 'vitest';
import {
	chunkEvents,
	templateKnowsTools,
	toWllamaMessages,
	toWllamaRequest,
	wllamaChatResult
} from '$workers/llm-wllama';
import type { ChatMessage } from '$lib/types/llm';

const call = { id: 'c1', name: 'weather', argumentsText: '{"city":"Oslo"}' };
const history: ChatMessage[] = [
	{ role: 'system', content: 'Be brief.' },
	{ role: 'user', content: 'Weather in Oslo?' },
	{ role: 'assistant', content: '', toolCalls: [call] },
	{ role: 'tool', content: '4 °C, rain', toolCallId: 'c1', toolName: 'weather' }
];

describe('toWllamaMessages', () => {
	it('keeps tool turns native when the template knows tools', () => {
		expect(toWllamaMessages(history, true)).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Weather in Oslo?' },
			{
				role: 'assistant',
				content: null,
				tool_calls: [
					{
						id: 'c1',
						type: 'function',
						function: { name: 'weather', arguments: '{"city":"Oslo"}' }
					}
				]
			},
			{ role: 'tool', content: '4 °C, rain', tool_call_id: 'c1' }
		]);
	});

	it('writes them as schema-mode JSON and a labelled user turn otherwise (any template)', () => {
		expect(toWllamaMessages(history, false).slice(2)).toEqual([
			{
				role: 'assistant',
				content: '{"action":"call","tool":"weather","arguments":{"city":"Oslo"}}'
			},
			{ role: 'user', content: 'Tool result (weather):\n4 °C, rain' }
		]);
	});

	it('sends images as bytes before the text, either way', () => {
		const withImage: ChatMessage = {
			role: 'user',
			content: 'What is this?',
			images: [{ mime: 'image/png', base64: btoa('PNGDATA') }]
		};
		for (const native of [true, false]) {
			const [message] = toWllamaMessages([withImage], native);
			const content = message?.content;
			expect(Array.isArray(content)).toBe(true);
			const parts = content as { type: string; data?: ArrayBuffer; text?: string }[];
			const image = parts.find((p) => p.type === 'image');
			expect(new TextDecoder().decode(image?.data)).toBe('PNGDATA');
			expect(parts.find((p) => p.type === 'text')?.text).toBe('What is this?');
		}
	});
});

describe('toWllamaRequest', () => {
	it('maps sampling, stop, the schema and native tools; leaves out what is unset', () => {
		const signal = new AbortController().signal;
		const schema = { type: 'object', properties: {} };
		const tool = {
			name: 'weather',
			description: 'Weather',
			parameters: { type: 'object', properties: {} }
		};
		expect(
			toWllamaRequest(
				{
					modelId: 'gguf:x',
					messages: [{ role: 'user', content: 'hi' }],
					options: { temperature: 0, topP: 0.9, maxTokens: 12, stop: ['\n\n'] },
					responseSchema: schema,
					tools: [tool]
				},
				true,
				signal
			)
		).toEqual({
			messages: [{ role: 'user', content: 'hi' }],
			stream: true,
			stream_options: { include_usage: true },
			abortSignal: signal,
			temperature: 0,
			top_p: 0.9,
			max_tokens: 12,
			stop: ['\n\n'],
			response_format: {
				type: 'json_schema',
				json_schema: { name: 'reply', schema, strict: true }
			},
			tools: [{ type: 'function', function: tool }]
		});
		const bare = toWllamaRequest({ modelId: 'gguf:x', messages: [] }, false, signal);
		expect(Object.keys(bare).sort()).toEqual([
			'abortSignal',
			'messages',
			'stream',
			'stream_options'
		]);
	});
});

describe('chunkEvents and wllamaChatResult', () => {
	it('reads text, tool pieces, the finish, usage with cached tokens and llama.cpp’s timings', () => {
		expect(chunkEvents({ choices: [{ delta: { content: null } }] })).toEqual({});
		expect(chunkEvents({ choices: [{ delta: { content: 'Once' } }] })).toEqual({ text: 'Once' });
		expect(
			chunkEvents({
				choices: [
					{
						delta: { tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{' } }] }
					}
				]
			})
		).toEqual({ fragments: [{ index: 0, id: 'a', name: 'f', arguments: '{' }] });
		expect(chunkEvents({ choices: [{ delta: {}, finish_reason: 'length' }] })).toEqual({
			finish: 'length'
		});
		expect(
			chunkEvents({
				choices: [],
				usage: {
					prompt_tokens: 80,
					completion_tokens: 5,
					prompt_tokens_details: { cached_tokens: 72 }
				},
				timings: { prompt_ms: 12.5, predicted_per_second: 180 }
			})
		).toEqual({
			usage: { promptTokens: 80, completionTokens: 5, cachedPromptTokens: 72 },
			promptMs: 12.5,
			decodeTokensPerSecond: 180
		});
	});

	it('maps finish reasons and works out a rate when llama.cpp gave none', () => {
		const usage = { promptTokens: 10, completionTokens: 20 };
		const base = {
			usage,
			promptMs: undefined,
			decodeTokensPerSecond: undefined,
			started: 0,
			firstTextAt: 100,
			end: 1100
		};
		expect(wllamaChatResult({ ...base, finish: 'length' })).toEqual({
			finishReason: 'length',
			usage,
			timings: {
				totalMs: 1100,
				timeToFirstTokenMs: 100,
				promptMs: undefined,
				decodeTokensPerSecond: 20
			}
		});
		expect(wllamaChatResult({ ...base, finish: 'tool_calls' }).finishReason).toBe('tool_calls');
		expect(wllamaChatResult({ ...base, finish: undefined }).finishReason).toBe('stop');
	});

	it('knows a template that renders tools', () => {
		expect(templateKnowsTools('{% if tools %}…{% endif %}')).toBe(true);
		expect(templateKnowsTools('{{ messages }}')).toBe(false);
		expect(templateKnowsTools(null)).toBe(false);
	});
});
