import { describe, expect, it } from 'vitest';
import { ANSWER_NOW } from '$lib/agent/schema-mode';
import { SCHEMA_ANSWER, ScriptedEngine, schemaCall } from '$lib/agent/scripted-engine';
import { addTool, agentInput, run, webTools } from '$lib/agent/test-tools';
import { UNTRUSTED_RULE } from '$lib/agent/untrusted';
import { HearthError } from '$lib/types/errors';
import type { ChatMessage } from '$lib/types/llm';

const lastMessage = (messages: ChatMessage[]) => messages[messages.length - 1];

describe('runAgent without tools', () => {
	it('is one plain streamed reply', async () => {
		const engine = new ScriptedEngine('native', [{ text: ['Hel', 'lo!'] }]);
		const out = await run(agentInput(engine, []));
		expect(out.error).toBeUndefined();
		expect(out.events.map((e) => e.type)).toEqual(['text', 'text', 'done']);
		expect(out.text).toBe('Hello!');
		expect(engine.requests).toHaveLength(1);
		expect(engine.requests[0]?.tools).toBeUndefined();
		expect(engine.requests[0]?.responseSchema).toBeUndefined();
		expect(engine.requests[0]?.messages[0]?.content).toBe('You are Hearth.');
		expect(out.done).toMatchObject({ finishReason: 'stop', steps: 1 });
		expect(out.done?.usage).toEqual({ promptTokens: 10, completionTokens: 2 });
		expect(out.done?.limit).toBeUndefined();
	});
});

describe('runAgent, native tool calling', () => {
	it('runs call → result → call → answer, feeding each result back', async () => {
		const { search } = webTools({});
		const engine = new ScriptedEngine('native', [
			{ text: 'Let me add.', calls: [{ name: 'add', args: { a: 2, b: 3 }, id: 'c1' }] },
			{ calls: [{ name: 'web_search', args: { query: 'five' }, id: 'c2' }] },
			{ text: ['The sum is ', '5.'] }
		]);
		const out = await run(agentInput(engine, [addTool, search]));
		expect(out.error).toBeUndefined();
		expect(out.text).toBe('Let me add.\n\nThe sum is 5.');
		expect([...out.cards.values()].map((c) => [c.id, c.name, c.status, c.preview])).toEqual([
			['c1', 'add', 'done', '= 5'],
			['c2', 'web_search', 'done', '1 result']
		]);
		expect(engine.requests[0]?.tools?.map((t) => t.name)).toEqual(['add', 'web_search']);
		expect(engine.requests[0]?.tools?.[0]?.parameters).toMatchObject({
			type: 'object',
			required: ['a', 'b']
		});
		expect(engine.requests[0]?.messages[0]?.content).toContain(UNTRUSTED_RULE);

		const second = engine.requests[1]?.messages ?? [];
		expect(second.at(-2)).toMatchObject({ role: 'assistant', content: 'Let me add.' });
		expect(second.at(-2)?.toolCalls?.[0]).toMatchObject({ id: 'c1', name: 'add' });
		expect(lastMessage(second)).toEqual({
			role: 'tool',
			toolCallId: 'c1',
			toolName: 'add',
			content: '5'
		});
		// The search result is untrusted: it reaches the model fenced and labelled.
		expect(lastMessage(engine.requests[2]?.messages ?? [])?.content).toBe(
			'<untrusted source="web_search five">\nResults for five\n</untrusted>'
		);
		expect(out.done).toMatchObject({ finishReason: 'stop', steps: 3 });
		expect(out.done?.usage).toEqual({ promptTokens: 30, completionTokens: 3 });
		expect(out.done?.timings.promptMs).toBe(6);
		const { timeToFirstTokenMs, totalMs } = out.done!.timings;
		expect(timeToFirstTokenMs).toBeGreaterThan(0);
		expect(timeToFirstTokenMs).toBeLessThan(totalMs);
	});

	it('falls back to schema mode for the rest of the turn when the model refuses tools', async () => {
		const engine = new ScriptedEngine('native', [
			{ error: new HearthError('tools_unsupported', 'This model cannot use tools.') },
			schemaCall('add', { a: 1, b: 1 }),
			SCHEMA_ANSWER,
			{ text: 'Two.' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect(out.error).toBeUndefined();
		expect(out.text).toBe('Two.');
		expect(out.cards.size).toBe(1);
		const [, second, third, last] = engine.requests;
		for (const request of [second, third]) {
			expect(request?.tools).toBeUndefined();
			expect(request?.responseSchema).toBeDefined();
		}
		expect(last?.tools).toBeUndefined();
		expect(last?.responseSchema).toBeUndefined();
		expect(out.done?.steps).toBe(2);
	});

	it('gives malformed arguments one repair, then runs the corrected call', async () => {
		const engine = new ScriptedEngine('native', [
			{ calls: [{ name: 'add', argumentsText: '{"a": 1, "b": ', id: 'bad' }] },
			{ calls: [{ name: 'add', args: { a: 1, b: 2 }, id: 'good' }] },
			{ text: '3' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect([...out.cards.keys()]).toEqual(['good']); // the repaired attempt leaves no card
		const repair = lastMessage(engine.requests[1]?.messages ?? []);
		expect(repair).toMatchObject({ role: 'tool', toolCallId: 'bad' });
		expect(repair?.content).toMatch(/not valid JSON.*Call add again with corrected arguments/);
		expect(out.text).toBe('3');
	});

	it('fails a call on the card when the repair is malformed too, and tells the model', async () => {
		const engine = new ScriptedEngine('native', [
			{ calls: [{ name: 'add', args: { a: 'one', b: 2 }, id: 'bad1' }] },
			{ calls: [{ name: 'add', args: { a: 1 }, id: 'bad2' }] },
			{ text: 'I could not add them.' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect(engine.requests[1]?.messages.at(-1)?.content).toContain('a: Invalid type');
		const card = out.cards.get('bad2');
		expect(card).toMatchObject({ status: 'error', args: '{"a":1}' });
		expect(card?.error?.code).toBe('tool_invalid_args');
		expect(card?.error?.message).toContain('b:');
		const told = engine.requests[2]?.messages.at(-1)?.content ?? '';
		expect(told).toMatch(/failed \(tool_invalid_args\).*did not run/);
		expect(out.text).toBe('I could not add them.');
	});

	it('reports an unknown tool on a card and lists the real ones to the model', async () => {
		const engine = new ScriptedEngine('native', [
			{ calls: [{ name: 'delete_everything', args: {}, id: 'x' }] },
			{ text: 'Sorry.' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect(out.cards.get('x')).toMatchObject({ status: 'error', name: 'delete_everything' });
		expect(out.cards.get('x')?.error?.code).toBe('tool_unknown');
		expect(engine.requests[1]?.messages.at(-1)?.content).toContain('The tools are: add.');
	});

	it('stops offering tools at the step limit and still answers, saying so', async () => {
		const call = { calls: [{ name: 'add', args: { a: 1, b: 1 } }] };
		const engine = new ScriptedEngine('native', [call, call, { text: 'Out of steps.' }]);
		const out = await run(agentInput(engine, [addTool], { limits: { maxSteps: 2, maxCalls: 10 } }));
		expect(out.error).toBeUndefined();
		expect(engine.requests).toHaveLength(3);
		const final = engine.requests[2];
		expect(final?.tools).toBeUndefined();
		expect(lastMessage(final?.messages ?? [])?.content).toMatch(
			/limit of 2 tool steps.*tell the user that the tool limit was reached/
		);
		// Tool turns are flattened to plain text for a request without tools.
		expect(final?.messages.some((m) => m.role === 'tool' || m.toolCalls)).toBe(false);
		expect(final?.messages.some((m) => m.content.startsWith('Tool result (add):\n2'))).toBe(true);
		expect(out.text).toBe('Out of steps.');
		expect(out.done).toMatchObject({ limit: 'steps', steps: 2 });
	});

	it('refuses calls past the call limit on their card and answers', async () => {
		const engine = new ScriptedEngine('native', [
			{
				calls: [
					{ name: 'add', args: { a: 1, b: 1 }, id: 'first' },
					{ name: 'add', args: { a: 2, b: 2 }, id: 'second' }
				]
			},
			{ text: 'Only one call allowed.' }
		]);
		const out = await run(agentInput(engine, [addTool], { limits: { maxSteps: 6, maxCalls: 1 } }));
		expect(out.cards.get('first')?.status).toBe('done');
		expect(out.cards.get('second')).toMatchObject({ status: 'error' });
		expect(out.cards.get('second')?.error?.code).toBe('tool_limit');
		expect(engine.requests[1]?.tools).toBeUndefined();
		expect(lastMessage(engine.requests[1]?.messages ?? [])?.content).toContain(
			'limit of 1 tool calls'
		);
		expect(out.text).toBe('Only one call allowed.');
		expect(out.done?.limit).toBe('calls');
	});

	it('gives repeated engine call ids distinct cards', async () => {
		const engine = new ScriptedEngine('native', [
			{ calls: [{ name: 'add', args: { a: 1, b: 1 }, id: 'same' }] },
			{ calls: [{ name: 'add', args: { a: 1, b: 2 }, id: 'same' }] },
			{ text: 'ok' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect(out.cards.size).toBe(2);
	});
});

describe('runAgent, schema mode', () => {
	it('asks for constrained JSON each step, then streams the answer without constraints', async () => {
		const { search } = webTools({});
		const engine = new ScriptedEngine('schema', [
			schemaCall('add', { a: 2, b: 2 }),
			schemaCall('web_search', { query: 'four' }),
			SCHEMA_ANSWER,
			{ text: ['It is ', 'four.'] }
		]);
		const out = await run(agentInput(engine, [addTool, search]));
		expect(out.error).toBeUndefined();
		expect(out.text).toBe('It is four.'); // the JSON steps are never shown
		expect([...out.cards.values()].map((c) => [c.name, c.status])).toEqual([
			['add', 'done'],
			['web_search', 'done']
		]);
		const first = engine.requests[0];
		expect(first?.tools).toBeUndefined();
		expect(first?.responseSchema?.anyOf).toHaveLength(3);
		expect(first?.messages[0]?.content).toContain('"action":"call"');
		expect(first?.messages[0]?.content).toContain('- add: Adds two numbers.');
		const second = engine.requests[1]?.messages ?? [];
		expect(second.at(-2)).toEqual({
			role: 'assistant',
			content: '{"action":"call","tool":"add","arguments":{"a":2,"b":2}}'
		});
		expect(lastMessage(second)).toEqual({ role: 'user', content: 'Tool result (add):\n4' });
		const final = engine.requests[3];
		expect(final?.responseSchema).toBeUndefined();
		expect(final?.messages[0]?.content).not.toContain('"action":"call"');
		expect(lastMessage(final?.messages ?? [])?.content).toBe(ANSWER_NOW);
		expect(out.done).toMatchObject({ steps: 3, finishReason: 'stop' });
		expect(out.done?.usage?.promptTokens).toBe(40);
	});

	it('answers at once, without a note, when no tool was needed', async () => {
		const engine = new ScriptedEngine('schema', [SCHEMA_ANSWER, { text: 'Hi there.' }]);
		const out = await run(agentInput(engine, [addTool]));
		expect(out.text).toBe('Hi there.');
		expect(lastMessage(engine.requests[1]?.messages ?? [])).toEqual({
			role: 'user',
			content: 'Hello'
		});
	});

	it('uses an answer written inside the JSON as it is', async () => {
		const engine = new ScriptedEngine('schema', [
			{ text: '{"action":"answer","answer":"Already written."}' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect(out.text).toBe('Already written.');
		expect(engine.requests).toHaveLength(1);
	});

	it('repairs a malformed reply once within the step, showing the error', async () => {
		const engine = new ScriptedEngine('schema', [
			{ text: '{"action":"call","tool":"add","arguments":{"a":1,' },
			schemaCall('add', { a: 1, b: 5 }),
			SCHEMA_ANSWER,
			{ text: 'Six.' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		const repair = lastMessage(engine.requests[1]?.messages ?? []);
		expect(repair?.role).toBe('user');
		expect(repair?.content).toMatch(/could not be used\. The reply is not valid JSON/);
		expect([...out.cards.values()].map((c) => c.status)).toEqual(['done']);
		expect(out.text).toBe('Six.');
		expect(out.done?.steps).toBe(2); // the repair is part of its step
	});

	it('fails the call on its card after a second bad reply, and tells the model', async () => {
		const engine = new ScriptedEngine('schema', [
			schemaCall('add', { a: 1 }),
			schemaCall('add', { a: 'x', b: 1 }),
			SCHEMA_ANSWER,
			{ text: 'Could not.' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		const cards = [...out.cards.values()];
		expect(cards).toHaveLength(1);
		expect(cards[0]).toMatchObject({ name: 'add', status: 'error' });
		expect(cards[0]?.error?.code).toBe('tool_invalid_args');
		expect(lastMessage(engine.requests[2]?.messages ?? [])?.content).toMatch(
			/^The call failed \(tool_invalid_args\)/
		);
		expect(out.text).toBe('Could not.');
	});

	it('reports a call of an unknown tool', async () => {
		const engine = new ScriptedEngine('schema', [
			schemaCall('nope', {}),
			SCHEMA_ANSWER,
			{ text: 'ok' }
		]);
		const out = await run(agentInput(engine, [addTool]));
		expect([...out.cards.values()][0]?.error?.code).toBe('tool_unknown');
	});
});
