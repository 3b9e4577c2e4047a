// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { render, until } from '$lib/components/component-test-kit';
import Markdown from './Markdown.svelte';

// The rendered answer in jsdom with Svelte's client runtime. The case that matters: the last
// tokens and the end of streaming arrive in one update, so the final HTML is written in the same
// flush that runs the effect adding citation buttons and highlighting.

function streamingMarkdown(source: string) {
	const props = $state({
		source,
		streaming: true,
		sources: [{ title: 'budget.md', url: 'hearth-doc:d1#chunk=c1' }]
	});
	const target = render(Markdown, props);
	return { target, props };
}

describe('Markdown', () => {
	it('links citations when streaming ends in the same update as the last text', async () => {
		const { target, props } = streamingMarkdown('The notes');
		await until(() => target.querySelector('p')?.textContent === 'The notes', 'the first render');
		props.source = 'The notes say [1] and [2].';
		props.streaming = false;
		await until(() => target.querySelector('button.cite') !== null, 'a citation button');
		expect(target.querySelector('p')?.textContent).toBe('The notes say [1] and [2].');
		const buttons = target.querySelectorAll('button.cite');
		// [2] has no source: it stays text.
		expect(buttons).toHaveLength(1);
		expect(buttons[0]?.getAttribute('aria-label')).toBe('Source 1: budget.md');
	});

	it('highlights code that arrives with the end of streaming', async () => {
		const { target, props } = streamingMarkdown('Here:');
		await until(() => target.querySelector('p') !== null, 'the first render');
		props.source = 'Here:\n\n```python\ndef f():\n    return 1\n```\n';
		props.streaming = false;
		await until(
			() => target.querySelector('code[data-highlighted]') !== null,
			'the highlighted block'
		);
		expect(target.querySelector('code .hljs-keyword')?.textContent).toBe('def');
	});

	it('shows sources that arrive after the answer finished', async () => {
		const { target, props } = streamingMarkdown('See [1].');
		props.streaming = false;
		props.sources = [];
		await until(() => target.querySelector('p')?.textContent === 'See [1].', 'the render');
		expect(target.querySelector('button.cite')).toBeNull();
		props.sources = [{ title: 'notes.md', url: 'hearth-doc:d2#chunk=c9' }];
		await until(() => target.querySelector('button.cite') !== null, 'a citation button');
		expect(target.querySelector('button.cite')?.getAttribute('data-cite-doc')).toBe('d2');
	});
});
