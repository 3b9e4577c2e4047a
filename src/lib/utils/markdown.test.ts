// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '$lib/utils/markdown';
import { safeImageSrc, safeLinkHref } from '$lib/utils/markdown-urls';
import { expectSafe, parse } from '$lib/utils/markdown-test-helpers';

describe('renderMarkdown: markdown', () => {
	it('renders headings, lists and tables', () => {
		const body = parse(
			renderMarkdown(
				'# Title\n\n## Sub\n\n- one\n- two\n\n1. first\n2. second\n\n| a | b |\n|---|---|\n| 1 | 2 |'
			)
		);
		expect(body.querySelector('h1')?.textContent).toBe('Title');
		expect(body.querySelector('h2')?.textContent).toBe('Sub');
		expect(body.querySelectorAll('ul > li')).toHaveLength(2);
		expect(body.querySelectorAll('ol > li')).toHaveLength(2);
		expect(body.querySelectorAll('table th')).toHaveLength(2);
		expect(body.querySelector('table td')?.textContent).toBe('1');
	});

	it('renders task lists without <input>', () => {
		const html = renderMarkdown('- [x] done\n- [ ] todo');
		expect(html).not.toMatch(/<input/i);
		expect(parse(html).querySelectorAll('.task-box')).toHaveLength(2);
	});

	it('wraps fenced code with a language label and a copy button, escaping its content', () => {
		const html = renderMarkdown('```js\n<script>alert(1)</script>\nconst a = 1 & 2;\n```');
		expect(html).toContain(
			'<div class="code-block"><div class="code-head"><span class="code-lang">js</span>' +
				'<button type="button" class="copy-code">Copy</button></div>' +
				'<pre><code class="language-js">&lt;script&gt;alert(1)&lt;/script&gt;\nconst a = 1 &amp; 2;</code></pre></div>'
		);
		expectSafe(html);
		expect(parse(html).querySelector('pre code')?.textContent).toContain(
			'<script>alert(1)</script>'
		);
	});

	it('sanitises the language name and defaults it to "text"', () => {
		const weird = parse(renderMarkdown('```C++" onmouseover="x\ncode\n```'));
		expect(weird.querySelector('.code-lang')?.textContent).toBe('c++');
		expect(weird.querySelector('code')?.className).toBe('language-c++');
		const bare = parse(renderMarkdown('```\nplain\n```'));
		expect(bare.querySelector('.code-lang')?.textContent).toBe('text');
		expect(bare.querySelector('code')?.className).toBe('language-text');
		const indented = parse(renderMarkdown('    indented code'));
		expect(indented.querySelector('.copy-code')).not.toBeNull();
	});

	it('renders inline and display math with KaTeX', () => {
		const inline = parse(renderMarkdown('Energy: $E=mc^2$.'));
		expect(inline.querySelector('.katex')).not.toBeNull();
		expect(inline.querySelector('.katex annotation')?.textContent).toBe('E=mc^2');
		const display = parse(renderMarkdown('$$\\int x$$'));
		expect(display.querySelector('.katex-display .katex')).not.toBeNull();
		const block = parse(renderMarkdown('$$\n\\frac{a}{b}\n$$'));
		expect(block.querySelector('.katex-display')).not.toBeNull();
	});

	it('keeps broken TeX as a visible error instead of throwing', () => {
		const html = renderMarkdown('$\\frac{$ and $\\href{javascript:alert(1)}{x}$');
		expect(typeof html).toBe('string');
		expectSafe(html);
	});

	it('does not let KaTeX load or link anything', () => {
		const html = renderMarkdown(
			'$\\includegraphics{https://evil.example/x.png}$ $\\url{https://e.x}$'
		);
		expect(html).not.toContain('evil.example/x.png"');
		expect(parse(html).querySelector('a[href], img')).toBeNull();
	});
});

describe('renderMarkdown: links and images', () => {
	it('opens http(s) and mailto links in a new tab without referrer', () => {
		const body = parse(
			renderMarkdown('[site](https://example.com/a?b=1) <https://x.org> [mail](mailto:a@b.c)')
		);
		const links = Array.from(body.querySelectorAll('a'));
		expect(links.map((a) => a.getAttribute('href'))).toEqual([
			'https://example.com/a?b=1',
			'https://x.org/',
			'mailto:a@b.c'
		]);
		for (const a of links) {
			expect(a.getAttribute('target')).toBe('_blank');
			expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
		}
	});

	it('drops other hrefs but keeps the link text', () => {
		for (const href of [
			'javascript:alert(1)',
			'data:text/html,hi',
			'vbscript:x',
			'/relative',
			'#top'
		]) {
			const body = parse(renderMarkdown(`[keep me](${href}) <a href="${href}">me too</a>`));
			expect(body.textContent).toContain('keep me');
			expect(body.textContent).toContain('me too');
			expect(body.querySelector('a[href]')).toBeNull();
			expect(body.querySelector('a[target]')).toBeNull();
		}
	});

	it('turns markdown images into click-to-load placeholders', () => {
		const body = parse(renderMarkdown('![a cat](https://cdn.example.com:8443/cat.png "Cat")'));
		const button = body.querySelector('button.remote-image');
		expect(button).not.toBeNull();
		expect(button?.getAttribute('type')).toBe('button');
		expect(button?.getAttribute('data-src')).toBe('https://cdn.example.com:8443/cat.png');
		expect(button?.getAttribute('data-alt')).toBe('a cat');
		expect(button?.textContent).toBe('Load image from cdn.example.com:8443');
		expect(body.querySelector('img')).toBeNull();
	});

	it('turns raw <img> HTML into placeholders too, dropping its handlers', () => {
		const html = renderMarkdown(
			'<img src="http://pics.example.org/a.jpg" alt="raw" onerror="alert(1)" srcset="https://x/y 2x">'
		);
		expectSafe(html);
		const button = parse(html).querySelector('button.remote-image');
		expect(button?.getAttribute('data-src')).toBe('http://pics.example.org/a.jpg');
		expect(button?.getAttribute('data-alt')).toBe('raw');
		expect(button?.textContent).toBe('Load image from pics.example.org');
	});

	it('offers embedded raster data: images, and shows only the alt text for other sources', () => {
		const data = parse(renderMarkdown('![dot](data:image/png;base64,iVBORw0KGgo=)'));
		expect(data.querySelector('.remote-image')?.textContent).toBe('Load embedded image');
		expect(data.querySelector('.remote-image')?.getAttribute('data-src')).toBe(
			'data:image/png;base64,iVBORw0KGgo='
		);
		for (const src of [
			'javascript:alert(1)',
			'data:image/svg+xml,<svg/>',
			'file:///etc/passwd',
			'x.png'
		]) {
			const html = renderMarkdown(`<img src="${src}" alt="<b>alt</b> text">`);
			expectSafe(html);
			const body = parse(html);
			expect(body.querySelector('.remote-image')).toBeNull();
			expect(body.textContent).toContain('<b>alt</b> text');
			expect(body.querySelector('b')).toBeNull();
		}
	});

	it('validates URLs the same way for the click handler', () => {
		expect(safeImageSrc(' https://a.b/c.png ')).toBe('https://a.b/c.png');
		expect(safeImageSrc('data:image/webp;base64,AAAA')).toBe('data:image/webp;base64,AAAA');
		expect(safeImageSrc('data:image/svg+xml;base64,AAAA')).toBeNull();
		expect(safeImageSrc('data:image/png;base64,AA"><script>')).toBeNull();
		expect(safeImageSrc('javascript:alert(1)')).toBeNull();
		expect(safeImageSrc('//evil.example/x.png')).toBeNull();
		expect(safeLinkHref('JAVASCRIPT:alert(1)')).toBeNull();
		expect(safeLinkHref('\u0001javascript:alert(1)')).toBeNull();
		expect(safeLinkHref('HTTPS://Example.com')).toBe('https://example.com/');
	});
});
