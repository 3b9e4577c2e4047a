import { describe, expect, it } from 'vitest';
import {
	BUILT_IN_AGENTS,
	agentModel,
	agentsFrom,
	builtInAgent,
	exampleMessages,
	findAgent,
	newAgentId,
	reflectionOn,
	systemPromptFor,
	toCustomAgent,
	withAgentRemoved,
	withAgentSaved
} from '$lib/agent/agents';
import { CHAIN_OF_THOUGHT } from '$lib/agent/prompts';
import type { CustomAgent } from '$lib/types/settings';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

const custom = (over: Partial<CustomAgent> & { id: string }): CustomAgent => ({
	name: 'Tutor',
	description: 'Explains maths step by step.',
	systemPrompt: 'You are a patient maths tutor.',
	examples: [],
	tools: ['calculator'],
	model: '',
	chainOfThought: true,
	...over
});

const NOW = new Date(2025, 10, 24, 12, 0, 0);

describe('agentsFrom', () => {
	it('gives the four built-ins in order with their tool subsets when nothing is customised', () => {
		const agents = agentsFrom(DEFAULT_SETTINGS);
		expect(agents.map((a) => a.id)).toEqual(['code', 'research', 'task', 'chat']);
		expect(agents.every((a) => a.builtIn && !a.edited && a.model === '')).toBe(true);
		expect(findAgent(agents, 'code')!.tools).toEqual(
			expect.arrayContaining(['run_python', 'calculator', 'read_file'])
		);
		expect(findAgent(agents, 'code')!.tools).not.toContain('write_file');
		expect(findAgent(agents, 'research')!.tools).toEqual([
			'web_search',
			'fetch_page',
			'search_knowledge',
			'recall_conversations'
		]);
		expect(findAgent(agents, 'task')!.tools).toEqual(
			expect.arrayContaining([
				'set_reminder',
				'current_time',
				'weather',
				'calculator',
				'write_file'
			])
		);
		expect(findAgent(agents, 'chat')!.tools).toEqual(
			expect.arrayContaining(['current_time', 'calculator', 'weather', 'remember'])
		);
	});

	it('hands out copies: changing one does not change the defaults', () => {
		const agents = agentsFrom(DEFAULT_SETTINGS);
		findAgent(agents, 'code')!.tools.push('write_file');
		expect(builtInAgent('code')!.tools).not.toContain('write_file');
		expect(findAgent(agentsFrom(DEFAULT_SETTINGS), 'code')!.tools).not.toContain('write_file');
	});

	it('replaces a built-in by the edit with its id, keeping its place, flags and reflection default', () => {
		const edit = custom({ id: 'research', name: 'Librarian', systemPrompt: 'Cite or be quiet.' });
		const agents = agentsFrom({ customAgents: [edit] });
		expect(agents.map((a) => a.id)).toEqual(['code', 'research', 'task', 'chat']);
		const research = findAgent(agents, 'research')!;
		expect(research).toMatchObject({
			name: 'Librarian',
			systemPrompt: 'Cite or be quiet.',
			tools: ['calculator'],
			builtIn: true,
			edited: true,
			reflect: true
		});
	});

	it('appends user-defined agents after the built-ins, first entry winning on a duplicate id', () => {
		const agents = agentsFrom({
			customAgents: [custom({ id: 'tutor' }), custom({ id: 'tutor', name: 'Second' })]
		});
		expect(agents.map((a) => a.id)).toEqual(['code', 'research', 'task', 'chat', 'tutor']);
		expect(agents[4]).toMatchObject({
			name: 'Tutor',
			builtIn: false,
			edited: false,
			reflect: false
		});
	});

	it('survives malformed stored agents (old versions, imports)', () => {
		const broken = [
			{ id: 'code', name: '', tools: 'run_python', examples: [null, { user: 'hi' }] },
			{ id: '' },
			null,
			{ id: 'x', name: 7, chainOfThought: 'yes' }
		] as unknown as CustomAgent[];
		const agents = agentsFrom({ customAgents: broken });
		const code = findAgent(agents, 'code')!;
		// Missing or wrong fields fall back to the built-in's.
		expect(code.name).toBe('Code');
		expect(code.systemPrompt).toBe(builtInAgent('code')!.systemPrompt);
		expect(code.tools).toEqual(builtInAgent('code')!.tools);
		expect(code.examples).toEqual([{ user: 'hi', assistant: '' }]);
		const x = findAgent(agents, 'x')!;
		expect(x).toMatchObject({ name: 'Untitled agent', chainOfThought: false, tools: [] });
		expect(agents).toHaveLength(5);
	});

	it('resets an edited built-in and deletes a user-defined agent by removing the entry', () => {
		const stored = [custom({ id: 'code', name: 'Hacker' }), custom({ id: 'tutor' })];
		const reset = withAgentRemoved(stored, 'code');
		expect(findAgent(agentsFrom({ customAgents: reset }), 'code')).toEqual(builtInAgent('code'));
		const deleted = withAgentRemoved(reset, 'tutor');
		expect(agentsFrom({ customAgents: deleted }).map((a) => a.id)).not.toContain('tutor');
	});

	it('saves an agent in place, or adds it, and round-trips through toCustomAgent', () => {
		const a = custom({ id: 'a' });
		const b = custom({ id: 'b' });
		const saved = withAgentSaved([a, b], { ...a, name: 'Renamed' });
		expect(saved.map((c) => [c.id, c.name])).toEqual([
			['a', 'Renamed'],
			['b', 'Tutor']
		]);
		expect(withAgentSaved([a], b).map((c) => c.id)).toEqual(['a', 'b']);
		const agent = findAgent(agentsFrom({ customAgents: [b] }), 'b')!;
		expect(toCustomAgent(agent)).toEqual(b);
	});
});

describe('systemPromptFor', () => {
	const code = builtInAgent('code')!;

	it("puts the user's prompt, the agent's prompt and today's date together", () => {
		const prompt = systemPromptFor(code, '  Answer in Portuguese.  ', {
			now: NOW,
			toolNames: code.tools,
			reasoningModel: true
		});
		const parts = prompt.split('\n\n');
		expect(parts[0]).toBe('Answer in Portuguese.');
		expect(parts[1]).toBe(code.systemPrompt);
		expect(prompt).toContain('Today is Monday, 24 November 2025.');
		expect(prompt).not.toContain('not available');
	});

	it('asks for step-by-step thinking only when set and the model does not reason by itself', () => {
		const base = { now: NOW, toolNames: code.tools };
		expect(systemPromptFor(code, '', base)).toContain(CHAIN_OF_THOUGHT);
		expect(systemPromptFor(code, '', { ...base, reasoningModel: true })).not.toContain(
			CHAIN_OF_THOUGHT
		);
		const chat = builtInAgent('chat')!;
		expect(systemPromptFor(chat, '', { now: NOW, toolNames: chat.tools })).not.toContain(
			CHAIN_OF_THOUGHT
		);
	});

	it('says which of its tools are missing, or that none are available', () => {
		const some = systemPromptFor(code, '', { now: NOW, toolNames: ['calculator'] });
		expect(some).toMatch(/not available now.*run_python/);
		expect(some).not.toMatch(/not available now.*calculator/);
		const none = systemPromptFor(code, '', { now: NOW, toolNames: [] });
		expect(none).toContain('No tools are available now');
	});

	it('leaves out empty parts (no user prompt, an emptied agent prompt)', () => {
		const blank = { ...code, systemPrompt: '  ', tools: [], chainOfThought: false };
		expect(systemPromptFor(blank, '', { now: NOW, toolNames: [] })).toBe(
			'Today is Monday, 24 November 2025.'
		);
	});
});

describe('exampleMessages, reflectionOn, agentModel, newAgentId', () => {
	it('turns complete examples into user/assistant turns and skips half-written ones', () => {
		const agent = {
			...builtInAgent('chat')!,
			examples: [
				{ user: ' Hi ', assistant: ' Hello! ' },
				{ user: 'unfinished', assistant: '' }
			]
		};
		expect(exampleMessages(agent)).toEqual([
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Hello!' }
		]);
		expect(exampleMessages(builtInAgent('research')!)).toHaveLength(2);
	});

	it('reflects by default for research and code, and follows the per-agent setting', () => {
		const byId = (id: string) => builtInAgent(id)!;
		const on = (id: string, reflection = {}) => reflectionOn(byId(id), { reflection });
		expect(BUILT_IN_AGENTS.map((a) => [a.id, on(a.id)])).toEqual([
			['code', true],
			['research', true],
			['task', false],
			['chat', false]
		]);
		expect(on('research', { research: false })).toBe(false);
		expect(on('chat', { chat: true })).toBe(true);
	});

	it('splits a preferred model and ignores a malformed one', () => {
		const withModel = (model: string) => ({ ...builtInAgent('code')!, model });
		expect(agentModel(withModel('ollama:qwen2.5-coder:7b'))).toEqual({
			engine: 'ollama',
			model: 'qwen2.5-coder:7b'
		});
		expect(agentModel(withModel(''))).toBeNull();
		expect(agentModel(withModel('qwen2.5'))).toBeNull();
	});

	it('makes ids that clash neither with built-ins nor with existing agents', () => {
		expect(newAgentId('My Tutor!', [])).toBe('my-tutor');
		expect(newAgentId('My tutor', ['my-tutor', 'my-tutor-2'])).toBe('my-tutor-3');
		expect(newAgentId('Code', [])).toBe('code-2');
		expect(newAgentId('✨', [])).toBe('agent');
	});
});
