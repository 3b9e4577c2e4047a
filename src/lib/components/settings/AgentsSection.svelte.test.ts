// @vitest-environment jsdom
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { render } from '$lib/components/component-test-kit';
import { BUILT_IN_AGENTS } from '$lib/agent/agents';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import AgentsSection from './AgentsSection.svelte';

// The agents settings in jsdom with Svelte's client runtime: what a user does with the editor
// lands in settings as the agent library expects it, and nothing lands until Save.

let settings: Settings;
let target: HTMLElement;

function show(): void {
	const props = $state({
		settings,
		toolNames: ['web_search', 'fetch_page'],
		onChange: (patch: Partial<Settings>) => {
			settings = { ...settings, ...patch };
			props.settings = settings;
		}
	});
	target = render(AgentsSection, props);
}

const button = (name: string): HTMLButtonElement => {
	const found = [...target.querySelectorAll('button')].find(
		(b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name
	);
	if (!found) throw new Error(`no button "${name}"`);
	return found;
};
const field = (label: string): HTMLInputElement | HTMLTextAreaElement => {
	const found = [...target.querySelectorAll('label')].find((l) => l.textContent?.trim() === label);
	const control = found && document.getElementById(found.htmlFor);
	if (!control) throw new Error(`no field "${label}"`);
	return control as HTMLInputElement;
};
const type = (label: string, value: string): void => {
	const control = field(label);
	control.value = value;
	control.dispatchEvent(new Event('input', { bubbles: true }));
	flushSync();
};
const click = (name: string): void => {
	button(name).click();
	flushSync();
};
const alertText = (): string | undefined =>
	target.querySelector('.editor [role="alert"]')?.textContent?.trim();

beforeEach(() => {
	settings = { ...DEFAULT_SETTINGS, customAgents: [] };
	show();
});

describe('AgentsSection', () => {
	it('adds an agent with a unique id, its tools and its examples; blank examples are dropped', () => {
		click('Add agent');
		expect(document.activeElement).toBe(field('Name'));
		type('Name', '  Chat  ');
		type('Instructions (system prompt)', 'Answer in French.');
		click('Add example');
		type('Example 1: the user says', 'Hi');
		type('Example 1: the agent replies', 'Bonjour');
		click('Add example');
		const toolBox = [...target.querySelectorAll('.editor label')]
			.find((l) => l.textContent?.trim() === 'fetch_page')
			?.querySelector('input');
		toolBox!.click();
		flushSync();
		click('Save agent');

		expect(settings.customAgents).toHaveLength(1);
		const saved = settings.customAgents[0]!;
		expect(saved.name).toBe('Chat');
		// "chat" is the built-in casual agent's id: the new one must not replace it.
		expect(BUILT_IN_AGENTS.map((a) => a.id)).not.toContain(saved.id);
		expect(saved.systemPrompt).toBe('Answer in French.');
		expect(saved.examples).toEqual([{ user: 'Hi', assistant: 'Bonjour' }]);
		expect(saved.tools).toEqual(['fetch_page']);
		expect(target.querySelector('.editor')).toBeNull();
		expect(target.querySelector('.agents')?.textContent).toContain('yours');
	});

	it('refuses a nameless agent or a malformed model, keeping what was typed', () => {
		click('Add agent');
		click('Save agent');
		expect(alertText()).toBe('Give the agent a name.');
		type('Name', 'Coder');
		type('Preferred model', 'qwen2.5-coder');
		click('Save agent');
		expect(alertText()).toMatch(/engine:model/);
		expect(settings.customAgents).toEqual([]);
		expect(field('Name').value).toBe('Coder');
		type('Preferred model', 'ollama:qwen2.5-coder:7b');
		click('Save agent');
		expect(settings.customAgents.map((a) => a.model)).toEqual(['ollama:qwen2.5-coder:7b']);
	});

	it('cancel leaves settings alone; an edited built-in can be reset to its default', () => {
		const first = BUILT_IN_AGENTS[0]!;
		click(`Edit ${first.name}`);
		type('Instructions (system prompt)', 'Be brief.');
		click('Cancel');
		expect(settings.customAgents).toEqual([]);

		click(`Edit ${first.name}`);
		expect(field('Instructions (system prompt)').value).toBe(first.systemPrompt);
		type('Instructions (system prompt)', 'Be brief.');
		click('Save agent');
		expect(settings.customAgents.map((a) => [a.id, a.systemPrompt])).toEqual([
			[first.id, 'Be brief.']
		]);
		click(`Reset to default: ${first.name}`);
		expect(settings.customAgents).toEqual([]);
	});

	it('deletes an agent of yours only once asked, with its reflection setting', () => {
		click('Add agent');
		type('Name', 'Poet');
		click('Save agent');
		const poet = settings.customAgents[0]!;
		const poetRow = [...target.querySelectorAll('.agents li')].find((li) =>
			li.textContent?.includes('Poet')
		)!;
		poetRow.querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
		flushSync();
		expect(settings.reflection).toEqual({ [poet.id]: true });
		click('Delete Poet');
		expect(settings.customAgents).toHaveLength(1);
		expect(target.querySelector('[role="group"]')?.textContent).toContain('Delete Poet?');
		click('Keep');
		expect(settings.customAgents).toHaveLength(1);
		click('Delete Poet');
		click('Yes, delete');
		expect(settings.customAgents).toEqual([]);
		expect(settings.reflection).toEqual({});
	});

	it('saving a built-in unchanged stores nothing', () => {
		click(`Edit ${BUILT_IN_AGENTS[1]!.name}`);
		click('Save agent');
		expect(settings.customAgents).toEqual([]);
	});
});
