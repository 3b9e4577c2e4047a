// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '$lib/utils/markdown';
import { linkCitations, linkCitationsIn, parseCitationUrl } from './citations';
import type { CitationSource } from './citations';

const doc1: CitationSource = { title: 'notes.md', url: 'hearth-doc:d1#chunk=c7' };
const chat2: CitationSource = { title: 'Yesterday', url: 'hearth-chat:conv9#m3' };

function parse(html: string): HTMLElement {
	return new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html').body;
}

describe('parseCitationUrl', () => {
	it('reads document and conversation sources', () => {
		expect(parseCitationUrl('hearth-doc:d1#chunk=c7')).toEqual({
			kind: 'doc',
			docId: 'd1',
			chunkId: 'c7'
		});
		expect(parseCitationUrl('hearth-chat:conv9#m3')).toEqual({
			kind: 'chat',
			conversationId: 'conv9',
			messageId: 'm3'
		});
		expect(parseCitationUrl('hearth-doc:a%20b#chunk=c%2F1')).toEqual({
			kind: 'doc',
			docId: 'a b',
			chunkId: 'c/1'
		});
	});

	it('rejects anything else', () => {
		for (const url of [
			'https://example.com/#chunk=1',
			'javascript:alert(1)',
			'hearth-doc:d1',
			'hearth-doc:#chunk=c',
			'hearth-chat:conv',
			'hearth-doc:%E0%A4%A#chunk=x'
		]) {
			expect(parseCitationUrl(url), url).toBeNull();
		}
	});
});

describe('linkCitations', () => {
	it('turns markers with a source into buttons carrying the ids', () => {
		const html = linkCitations('<p>Q3 was cut [1] and we agreed [2].</p>', [doc1, chat2]);
		const body = parse(html);
		const buttons = [...body.querySelectorAll('button')];
		expect(buttons).toHaveLength(2);
		const [first, second] = buttons;
		expect(first?.getAttribute('type')).toBe('button');
		expect(first?.className).toBe('cite');
		expect(first?.dataset.citeDoc).toBe('d1');
		expect(first?.dataset.citeChunk).toBe('c7');
		expect(first?.getAttribute('aria-label')).toBe('Source 1: notes.md');
		expect(first?.textContent).toBe('[1]');
		expect(second?.dataset.citeChat).toBe('conv9');
		expect(second?.dataset.citeMessage).toBe('m3');
		expect(body.textContent).toBe('Q3 was cut [1] and we agreed [2].');
	});

	it('leaves markers without a source, array indexes and bad sources as text', () => {
		const sources = [doc1, { title: 'x', url: 'https://evil.example' }];
		const html = linkCitations('<p>see [1], [2], [3] and arr[1] or [0]</p>', sources);
		const body = parse(html);
		expect(body.querySelectorAll('button')).toHaveLength(1);
		expect(body.textContent).toBe('see [1], [2], [3] and arr[1] or [0]');
	});

	it('splits a list marker into one button per known source', () => {
		const body = parse(linkCitations('<p>both [1, 2] and [1][3]</p>', [doc1, chat2]));
		expect([...body.querySelectorAll('button')].map((b) => b.dataset.cite)).toEqual([
			'1',
			'2',
			'1'
		]);
		expect(body.textContent).toBe('both [1][2] and [1][3]');
	});

	it('returns the input unchanged when there is nothing to link', () => {
		const html = '<p>no markers here</p>';
		expect(linkCitations(html, [doc1])).toBe(html);
		expect(linkCitations('<p>[1]</p>', [])).toBe('<p>[1]</p>');
	});

	it('keeps hostile titles and ids as attribute text, never markup', () => {
		const hostile: CitationSource = {
			title: '"><img src=x onerror=alert(1)><script>alert(2)</script>',
			url: 'hearth-doc:%22%3E%3Cimg%20src%3Dx%3E#chunk=%22onmouseover%3Dalert(1)'
		};
		const body = parse(linkCitations('<p>see [1]</p>', [hostile]));
		expect(body.querySelectorAll('img, script')).toHaveLength(0);
		const button = body.querySelector('button');
		expect(button?.getAttribute('title')).toBe(hostile.title);
		expect(button?.dataset.citeDoc).toBe('"><img src=x>');
		expect(button?.dataset.citeChunk).toBe('"onmouseover=alert(1)');
		expect(button?.getAttributeNames().sort()).toEqual([
			'aria-label',
			'class',
			'data-cite',
			'data-cite-chunk',
			'data-cite-doc',
			'title',
			'type'
		]);
	});

	it('leaves markers in code blocks, inline code, links and math untouched', () => {
		const markdown = [
			'Fact [1].',
			'',
			'```python',
			'x = items[1]',
			'print("[1]")',
			'```',
			'',
			'Inline `a [1] b` and [link [1]](https://example.com) and $x_{[1]}$.'
		].join('\n');
		const rendered = renderMarkdown(markdown);
		const html = linkCitations(rendered, [doc1]);
		const body = parse(html);
		const buttons = [...body.querySelectorAll('button.cite')];
		expect(buttons).toHaveLength(1);
		expect(buttons[0]?.closest('p')?.textContent).toContain('Fact [1].');
		expect(body.querySelector('pre code')?.textContent).toContain('print("[1]")');
		expect(body.querySelector('pre')?.innerHTML).toBe(
			parse(rendered).querySelector('pre')?.innerHTML
		);
		expect(body.querySelector('p code')?.textContent).toBe('a [1] b');
		expect(body.querySelector('a')?.textContent).toBe('link [1]');
	});

	it('works in place on a rendered container and is idempotent', () => {
		const root = document.createElement('div');
		root.innerHTML = '<p>One [1]</p><pre><code>[1]</code></pre>';
		expect(linkCitationsIn(root, [doc1])).toBe(1);
		// The marker is now inside a button, which is skipped: a second pass adds nothing.
		expect(linkCitationsIn(root, [doc1])).toBe(0);
		expect(root.querySelectorAll('button')).toHaveLength(1);
		expect(root.querySelector('pre')?.textContent).toBe('[1]');
	});
});
