import { describe, expect, it } from 'vitest';
import { parseSchemaReply, responseSchema, toolPrompt } from '$lib/agent/schema-mode';
import type { ToolSpec } from '$lib/types/tools';

const specs: ToolSpec[] = [
	{
		name: 'fetch_page',
		description: 'Reads a page.',
		parameters: {
			type: 'object',
			properties: {
				url: { type: 'string', format: 'uri', pattern: '^https?://' },
				// An argument may be called like a keyword; it must survive the clean-up.
				pattern: { type: 'string' }
			},
			required: ['url']
		}
	},
	{ name: 'now', description: 'The time.', parameters: { type: 'object', properties: {} } }
];

describe('responseSchema', () => {
	it('binds each tool name to its own arguments, plus the answer object', () => {
		const schema = responseSchema(specs);
		expect(schema.properties).toEqual({ action: { type: 'string', enum: ['call', 'answer'] } });
		const options = schema.anyOf as Record<string, unknown>[];
		expect(options).toHaveLength(3);
		expect(options[0]).toEqual({
			type: 'object',
			properties: {
				action: { type: 'string', enum: ['call'] },
				tool: { type: 'string', enum: ['fetch_page'] },
				arguments: {
					type: 'object',
					properties: { url: { type: 'string' }, pattern: { type: 'string' } },
					required: ['url']
				}
			},
			required: ['action', 'tool', 'arguments'],
			additionalProperties: false
		});
		expect(options[2]).toEqual({
			type: 'object',
			properties: { action: { type: 'string', enum: ['answer'] } },
			required: ['action'],
			additionalProperties: false
		});
	});

	it('lists every tool in the prompt with its schema', () => {
		const prompt = toolPrompt(specs);
		expect(prompt).toContain('{"action":"answer"}');
		expect(prompt).toContain('- fetch_page: Reads a page.');
		expect(prompt).toContain('"required":["url"]');
		expect(prompt).toContain('- now: The time.');
	});
});

describe('parseSchemaReply', () => {
	it('reads calls and answers', () => {
		expect(parseSchemaReply(' {"action":"call","tool":"now","arguments":{}} ')).toEqual({
			kind: 'call',
			tool: 'now',
			argumentsText: '{}'
		});
		expect(parseSchemaReply('{"action":"call","tool":"now"}')).toMatchObject({
			argumentsText: '{}'
		});
		expect(parseSchemaReply('{"action":"answer"}')).toEqual({ kind: 'answer' });
		expect(parseSchemaReply('{"action":"answer","answer":"Hi"}')).toEqual({
			kind: 'answer',
			text: 'Hi'
		});
	});

	it('explains what is wrong with a bad reply', () => {
		expect(parseSchemaReply('{"action":')).toMatchObject({ kind: 'invalid' });
		expect(parseSchemaReply('[1]')).toMatchObject({ error: 'The reply must be one JSON object.' });
		expect(parseSchemaReply('{"action":"run"}')).toMatchObject({
			error: '"action" must be "call" or "answer".'
		});
		expect(parseSchemaReply('{"action":"call"}')).toMatchObject({
			error: '"tool" must be the name of a tool.'
		});
		expect(parseSchemaReply('{"action":"call","tool":"now","arguments":"x"}')).toEqual({
			kind: 'invalid',
			tool: 'now',
			error: '"arguments" must be a JSON object.'
		});
	});
});
