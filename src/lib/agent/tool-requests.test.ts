import { describe, expect, it } from 'vitest';
import { agentsFrom } from '$lib/agent/agents';
import { AMBIGUOUS_BELOW, heuristicRoute } from '$lib/agent/router';
import { ScriptedEngine } from '$lib/agent/scripted-engine';
import { requestedTools, unmetRequests } from '$lib/agent/tool-requests';
import { chooseAgent, serveRequests } from '$lib/agent/turn';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

const first = (text: string) => requestedTools(text).map((r) => r.tools[0]);

describe('requestedTools', () => {
	it('hears a request for a tool in so many words', () => {
		expect(first('remember that I prefer Python')).toEqual(['remember']);
		expect(first('Please remember my sister lives in Lisbon')).toEqual(['remember']);
		expect(first("Don't forget that I'm vegetarian")).toEqual(['remember']);
		expect(first('forget that I use JavaScript at work')).toEqual(['forget']);
		expect(first('What did we discuss about the garden last week?')).toEqual([
			'recall_conversations'
		]);
		expect(first('Run this Python: print(sum(range(10)))')).toEqual(['run_python']);
		expect(first('List the files in my notes folder')).toEqual(['list_files']);
		expect(first('Save that as shopping.md')).toEqual(['write_file']);
		expect(first('Remind me at 6 to call mum')).toEqual(['set_reminder']);
		expect(first('Search the web for Svelte 5 runes')).toEqual(['web_search']);
		expect(first("What's the weather in Porto?")).toEqual(['weather']);
	});

	it('does not mistake a topic for a request', () => {
		expect(first('Do you remember when computers had floppy disks?')).toEqual([]);
		expect(first('I forgot my password, what now?')).toEqual([]);
		expect(first('Explain how Python lists work')).toEqual([]);
		expect(first('Write a poem about the sea')).toEqual([]);
		expect(first('Hello!')).toEqual([]);
	});

	it('a request is met when the first of its tools is there', () => {
		const requests = requestedTools('remember that I prefer Python');
		expect(unmetRequests(requests, ['remember'])).toEqual([]);
		expect(unmetRequests(requests, ['run_python'])).toHaveLength(1);
	});
});

describe('serveRequests', () => {
	const agents = agentsFrom(DEFAULT_SETTINGS);
	const agent = (id: string) => agents.find((a) => a.id === id)!;

	it('the Memory screen’s own example is routed to an agent that can remember', () => {
		expect(heuristicRoute('remember that I prefer Python').agentId).toBe('chat');
	});

	it('moves the router’s pick to an agent with the tool asked for, and says why', () => {
		const served = serveRequests(
			{ agent: agent('code'), info: { id: 'code', name: 'Code', chosenBy: 'router' } },
			agents,
			requestedTools('remember that I write Rust at work')
		);
		expect(served.agent.id).toBe('chat');
		expect(served.extraTools).toEqual([]);
		expect(served.info.reason).toMatch(/Chat answered because you asked to remember something/);
	});

	it('an agent the person chose keeps answering, with the missing tool added', () => {
		const served = serveRequests(
			{
				agent: agent('research'),
				info: { id: 'research', name: 'Research', chosenBy: 'user', reason: 'You chose it.' }
			},
			agents,
			requestedTools('run this python: print(2 ** 10)')
		);
		expect(served.agent.id).toBe('research');
		expect(served.extraTools).toEqual(['run_python']);
		expect(served.info.addedTools).toEqual(['run_python']);
		expect(served.info.reason).toBe(
			'You chose it. Also given run_python for this answer, because you asked to run Python.'
		);
	});

	it('leaves a request the agent can serve alone', () => {
		const choice = {
			agent: agent('task'),
			info: { id: 'task', name: 'Tasks', chosenBy: 'router' as const }
		};
		const served = serveRequests(choice, agents, requestedTools('Remind me at 6 to call mum'));
		expect(served).toEqual({ ...choice, extraTools: [] });
	});
});

describe('chooseAgent with a request that names a tool', () => {
	it('does not ask the model to route it, however close the call', async () => {
		const text = 'Search for Python tutorials';
		expect(heuristicRoute(text).confidence).toBeLessThan(AMBIGUOUS_BELOW);
		const engine = new ScriptedEngine('native', []);
		const chosen = await chooseAgent({
			settings: DEFAULT_SETTINGS,
			userText: text,
			router: { engine, model: 'scripted' }
		});
		expect(engine.requests).toHaveLength(0);
		expect(chosen.agent.tools).toContain('web_search');
	});

	it('still asks the model about a close call that names no tool', async () => {
		const text = 'How do I sort a dictionary by value?';
		expect(heuristicRoute(text).confidence).toBeLessThan(AMBIGUOUS_BELOW);
		const engine = new ScriptedEngine('native', [{ text: '{"agent":"code"}' }]);
		const chosen = await chooseAgent({
			settings: DEFAULT_SETTINGS,
			userText: text,
			router: { engine, model: 'scripted' }
		});
		expect(engine.requests).toHaveLength(1);
		expect(chosen.agent.id).toBe('code');
	});
});
