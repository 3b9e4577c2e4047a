import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '$lib/types/llm';
import { readChat, planToolReply } from '../tests/fixtures/fixture-replies.js';
import { toWebLlmMessages, toolResultLabel } from '$workers/llm-webllm';

// web-llm takes `tool` turns only with a Hermes chat template, so the worker rewrites them.

const call = { id: 'c1', name: 'web_search', argumentsText: '{"query": "otters"}' };

describe('toWebLlmMessages', () => {
	it('passes system, user and plain assistant turns through unchanged', () => {
		const messages: ChatMessage[] = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Hello!' }
		];
		expect(toWebLlmMessages(messages)).toEqual(messages);
	});

	it('labels a tool result as a user turn naming the tool', () => {
		expect(
			toWebLlmMessages([
				{ role: 'tool', content: 'Sunny.', toolCallId: 'c1', toolName: 'weather' },
				{ role: 'tool', content: 'No name.' }
			])
		).toEqual([
			{ role: 'user', content: 'Tool result (weather):\nSunny.' },
			{ role: 'user', content: 'Tool result (a tool):\nNo name.' }
		]);
	});

	it('writes calls as schema-mode JSON lines after any text, raw when they never parsed', () => {
		const [out] = toWebLlmMessages([
			{
				role: 'assistant',
				content: 'Let me check.',
				toolCalls: [call, { id: 'c2', name: 'calc', argumentsText: '{"x":' }]
			}
		]);
		expect(out).toEqual({
			role: 'assistant',
			content:
				'Let me check.\n' +
				'{"action":"call","tool":"web_search","arguments":{"query":"otters"}}\n' +
				'{"action":"call","tool":"calc","arguments":{"x":}'
		});
	});

	it('keeps a schema-mode reply as it is instead of writing its call twice', () => {
		const content = '{"action":"call","tool":"web_search","arguments":{"query":"otters"}}';
		expect(toWebLlmMessages([{ role: 'assistant', content, toolCalls: [call] }])).toEqual([
			{ role: 'assistant', content }
		]);
	});

	it('writes the label the agent and the fixtures use for results', () => {
		// The agent's schema mode (agent/agent-messages.ts resultMessage) writes the same text;
		// workers may not import agent/, so the shared form is spelled out here.
		const [mine] = toWebLlmMessages([{ role: 'tool', content: 'body', toolName: 'web_search' }]);
		expect(mine).toEqual({ role: 'user', content: 'Tool result (web_search):\nbody' });
		const text = mine?.content;
		expect(typeof text === 'string' && text.startsWith(toolResultLabel('web_search'))).toBe(true);
		// The fixtures read a rewritten history as a finished tool turn.
		const messages = toWebLlmMessages([
			{ role: 'user', content: '[[tool:web_search {"query":"otters"}]]' },
			{ role: 'assistant', content: '', toolCalls: [call] },
			{ role: 'tool', content: 'body', toolName: 'web_search' }
		]);
		const chat = readChat({ messages });
		expect(planToolReply(chat.messages, { tools: true })).toEqual({
			kind: 'text',
			text: 'Tool results: body'
		});
	});
});

describe('toWebLlmMessages with images', () => {
	it('gives a user turn one text part and its images as data: URLs, as web-llm takes them', () => {
		const out = toWebLlmMessages([
			{ role: 'system', content: 'Be brief.' },
			{
				role: 'user',
				content: 'What is this?',
				images: [
					{ mime: 'image/jpeg', base64: '/9j/AA==' },
					{ mime: 'image/png', base64: 'iVBORw==' }
				]
			}
		]);
		expect(out).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'What is this?' },
					{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/AA==' } },
					{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } }
				]
			}
		]);
		// web-llm's own checks: one text part at most, URLs starting "data:image", no `detail`.
		const parts = out[1]?.content;
		expect(Array.isArray(parts)).toBe(true);
		if (!Array.isArray(parts)) return;
		expect(parts.filter((p) => p.type === 'text')).toHaveLength(1);
		for (const part of parts) {
			if (part.type !== 'image_url') continue;
			expect(part.image_url.url.startsWith('data:image')).toBe(true);
			expect(part.image_url).not.toHaveProperty('detail');
		}
	});

	it('keeps a turn without images a plain string (non-vision models refuse parts)', () => {
		expect(toWebLlmMessages([{ role: 'user', content: 'Hi', images: [] }])).toEqual([
			{ role: 'user', content: 'Hi' }
		]);
	});
});
