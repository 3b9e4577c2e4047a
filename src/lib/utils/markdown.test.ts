// @vitest-environment jsdom
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '$lib/utils/markdown';
import { safeImageSrc, safeLinkHref } from '$lib/utils/markdown-urls';

function parse(html: string): HTMLElement {
	// A DOMParser document is inert: nothing in it loads or runs while we inspect it.
	return new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html').body;
}

/** The DOM-level guarantees every rendering must keep, whatever the input. */
function domProblems(html: string): string[] {
	const body = parse(html);
	const problems: string[] = [];
	for (const el of Array.from(body.querySelectorAll('*'))) {
		const tag = el.localName;
		if (['script', 'img', 'iframe', 'object', 'embed', 'style', 'form', 'input'].includes(tag)) {
			problems.push(`<${tag}> element`);
		}
		if (tag === 'button' && !el.matches('button.copy-code, button.remote-image')) {
			problems.push('foreign <button>');
		}
		for (const attr of Array.from(el.attributes)) {
			const value = attr.value.trim().toLowerCase();
			if (/^on/i.test(attr.name)) problems.push(`${tag}[${attr.name}]`);
			if (['srcset', 'ping', 'background', 'poster', 'formaction'].includes(attr.name)) {
				problems.push(`${tag}[${attr.name}]`);
			}
			if (/^(?:javascript|vbscript|data):/.test(value) && attr.name !== 'data-src') {
				problems.push(`${tag}[${attr.name}=${value.slice(0, 20)}]`);
			}
			if (attr.name === 'style' && /url\s*\(|image-set|@import|expression\s*\(/.test(value)) {
				problems.push(`${tag}[style=${value}]`);
			}
		}
		if (tag === 'a' && el.hasAttribute('href')) {
			const href = el.getAttribute('href') ?? '';
			if (!/^(?:https?|mailto):/i.test(href)) problems.push(`a[href=${href}]`);
			if (el.getAttribute('rel') !== 'noopener noreferrer nofollow') problems.push('a without rel');
		}
	}
	return problems;
}

/**
 * Attributes as serialised markup: the serialiser always writes name="value" with `"` escaped
 * inside, so this sees exactly what a parser would, while text content can never match.
 */
function markupAttributes(html: string): Array<{ name: string; value: string }> {
	const attributes: Array<{ name: string; value: string }> = [];
	for (const tag of html.matchAll(/<[a-z][^\s/>]*((?:\s+[^\s=/>]+(?:="[^"]*")?)*)\s*\/?>/gi)) {
		for (const attr of (tag[1] ?? '').matchAll(/\s+([^\s=/>]+)(?:="([^"]*)")?/g)) {
			attributes.push({ name: attr[1] ?? '', value: attr[2] ?? '' });
		}
	}
	return attributes;
}

function expectSafe(html: string): void {
	// Text `<` is always escaped, so these can only match real elements.
	expect(html).not.toMatch(/<script/i);
	expect(html).not.toMatch(/<iframe/i);
	expect(html).not.toMatch(/<img/i);
	const attributes = markupAttributes(html);
	expect(attributes.filter((a) => /^on[a-z]+$/i.test(a.name))).toEqual([]);
	expect(attributes.filter((a) => /javascript:/i.test(a.value))).toEqual([]);
	expect(domProblems(html)).toEqual([]);
}

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

	it('renders every formula of a long, math-heavy answer', () => {
		// Regression: failed or far-reaching scans used to be charged in full, so the math budget
		// ran out after ~100 display formulas in a long answer.
		const section = '$$\n\\sum_i x_i\n$$\n\n' + 'filler '.repeat(300) + '\n\n';
		const body = parse(renderMarkdown(`Price: $5 or $ 6.\n\n${section.repeat(150)}`));
		expect(body.querySelectorAll('.katex-display')).toHaveLength(150);
	}, 60_000);

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

const XSS_VECTORS: Record<string, string> = {
	'script tag': '<script>alert(1)</script>',
	'script in markdown paragraph': 'hello <script src="https://evil.example/x.js"></script> world',
	'img onerror': '<img src=x onerror=alert(1)>',
	'markdown javascript link': '[click](javascript:alert(1))',
	'markdown javascript link, encoded': '[click](jav&#x09;ascript:alert(1))',
	'html javascript link': '<a href="javascript:alert(1)">click</a>',
	'html javascript link, entity-obfuscated': '<a href="&#106;avascript:alert(1)">click</a>',
	'svg onload': '<svg onload=alert(1)><circle r="5"/></svg>',
	'svg animate href':
		'<svg><a><animate attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
	'svg use external': '<svg><use href="https://evil.example/sprite.svg#x"/></svg>',
	'svg xlink javascript': '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
	iframe: '<iframe src="https://evil.example"></iframe>',
	'iframe srcdoc': '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
	'style element': '<style>body{background:url(https://evil.example/t.png)}</style>',
	'style attribute url': '<div style="background-image: url(https://evil.example/t.png)">x</div>',
	'style attribute escaped url':
		'<div style="background:\\75rl(https://evil.example/t.png)">x</div>',
	'style attribute image-set': '<p style="background: image-set(\'https://e.x/a.png\' 1x)">x</p>',
	'style attribute import': '<p style="@import \'https://e.x/a.css\'">x</p>',
	'style attribute expression': '<p style="width: expression(alert(1))">x</p>',
	'data: link': '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
	form: '<form action="https://evil.example"><input name="q"><button formaction="javascript:alert(1)">go</button></form>',
	'mutation XSS via mglyph': '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
	'mutation XSS via noscript': '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
	'mutation XSS via svg p': '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
	'object and embed': '<object data="https://e.x/a.swf"></object><embed src="https://e.x/a.swf">',
	'meta refresh': '<meta http-equiv="refresh" content="0;url=https://evil.example">',
	'base href': '<base href="https://evil.example/">',
	'link stylesheet': '<link rel="stylesheet" href="https://evil.example/a.css">',
	'video poster': '<video poster="https://e.x/p.png"><source src="https://e.x/v.mp4"></video>',
	'audio onerror': '<audio src=x onerror=alert(1)>',
	'picture source':
		'<picture><source srcset="https://e.x/a.png"><img src="https://e.x/b.png"></picture>',
	'table background': '<table background="https://e.x/bg.png"><tr><td>x</td></tr></table>',
	'a ping': '<a href="https://ok.example" ping="https://track.example">x</a>',
	'details ontoggle': '<details open ontoggle=alert(1)><summary>x</summary></details>',
	'markdown image javascript': '![x](javascript:alert(1))',
	'markdown image onerror injection': '![x" onerror="alert(1)](https://e.x/a.png)',
	'autolink javascript': '<javascript:alert(1)>',
	'forged code block':
		'<div class="code-block" data-hearth-n="guess"><div class="code-head"></div></div>',
	'forged placeholder':
		'<button class="remote-image" data-src="https://track.example/p.png">Continue</button>',
	'template smuggling': '<template><img src=x onerror=alert(1)></template>',
	'math href': '<math href="javascript:alert(1)"><mi>x</mi></math>',
	'svg fill url':
		'<svg><rect fill="url(https://evil.example/p.svg#g)" width="5" height="5"/></svg>',
	'dom clobbering': '<form id="location"></form><a id="defaultView" name="cookie">x</a>'
};

describe('renderMarkdown: untrusted HTML', () => {
	for (const [name, vector] of Object.entries(XSS_VECTORS)) {
		it(`neutralises ${name}`, () => {
			const html = renderMarkdown(vector);
			expectSafe(html);
			// Stricter still: the payload must not survive even as text, except where the
			// vector's visible text *is* the payload (an autolink shows its own URL).
			if (name !== 'autolink javascript') expect(html).not.toMatch(/javascript:/i);
			expect(html).not.toMatch(/evil\.example\/(?:t\.png|a\.css|x\.js|sprite)/);
		});
	}

	it('forged wrappers get no copy button and forged placeholders disappear', () => {
		const body = parse(renderMarkdown(XSS_VECTORS['forged code block'] ?? ''));
		expect(body.querySelector('.copy-code')).toBeNull();
		expect(body.querySelector('[data-hearth-n]')).toBeNull();
		const forged = parse(renderMarkdown(XSS_VECTORS['forged placeholder'] ?? ''));
		expect(forged.querySelector('button, [data-src]')).toBeNull();
	});

	it('keeps harmless inline styles (KaTeX needs them) and prefixes ids', () => {
		const body = parse(renderMarkdown('<span style="color: red" id="main">x</span>'));
		const span = body.querySelector('span');
		expect(span?.getAttribute('style')).toBe('color: red');
		expect(span?.id).toBe('user-content-main');
	});
});

const BLNS_PATH = path.resolve(process.cwd(), '../shared/data/blns/blns.json');

describe('renderMarkdown: Big List of Naughty Strings', () => {
	it('renders every string without script, handlers or images', (ctx) => {
		if (!existsSync(BLNS_PATH)) {
			const reason = `../shared is missing: ${BLNS_PATH} not found`;
			if (process.env.CI === 'true') throw new Error(`${reason}; CI must provide the shared data`);
			console.warn(`Skipping the BLNS test: ${reason}`);
			ctx.skip(reason);
		}
		const strings: unknown = JSON.parse(readFileSync(BLNS_PATH, 'utf8'));
		expect(Array.isArray(strings)).toBe(true);
		const list = (strings as unknown[]).filter((s): s is string => typeof s === 'string');
		expect(list.length).toBeGreaterThan(400);
		for (const input of list) {
			const html = renderMarkdown(input);
			const body = parse(html);
			const failure = { input, html };
			expect(body.querySelector('script, img, iframe'), JSON.stringify(failure)).toBeNull();
			const handlers = Array.from(body.querySelectorAll('*')).flatMap((el) =>
				Array.from(el.attributes).filter((a) => /^on/i.test(a.name))
			);
			expect(handlers, JSON.stringify(failure)).toEqual([]);
			expect(domProblems(html), JSON.stringify(failure)).toEqual([]);
		}
	}, 60_000);
});

describe('renderMarkdown: large and hostile input', () => {
	it('renders 1 MB of mixed markdown', () => {
		// Math only in every tenth chunk: jsdom is slow with KaTeX's thousands of inline styles.
		const chunk = (i: number): string =>
			[
				'## Section heading',
				'',
				`Some *emphasis*, **strong**, \`code\`, a [link](https://example.com/page)${i % 10 === 0 ? ' and $a^2+b^2=c^2$' : ''}.`,
				'',
				'- item one with a very-long-word-' + 'x'.repeat(200),
				'- item two',
				'  - nested item',
				'',
				'| col | value |',
				'|-----|-------|',
				'| a   | 1     |',
				'',
				'```python',
				'def f(x):',
				'    return x * 2  # <b>not html</b>',
				'```',
				'',
				'> a quote with ![img](https://img.example/p.png)',
				'',
				'<span onclick="alert(1)">raw html</span>',
				'',
				''
			].join('\n');
		let source = '';
		for (let i = 0; source.length < 1_000_000; i++) source += chunk(i);
		expect(source.length).toBeGreaterThanOrEqual(1_000_000);
		const html = renderMarkdown(source);
		expect(typeof html).toBe('string');
		expect(html.length).toBeGreaterThan(source.length);
		// Really rendered, not degraded to plain text by the complexity guards.
		expect(html).toContain('<h2>Section heading</h2>');
		expect(html).toContain('<div class="code-block">');
		expect(html).toContain('class="katex"');
		expect(html).toContain('class="remote-image"');
		expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
		expect(html).not.toMatch(/<img/i);
	}, 180_000);

	// Each of these took minutes (or overflowed the stack) before the render budgets.
	const hostile: Record<string, string> = {
		'unclosed escaped dollars': '$x\\'.repeat(100_000),
		'underscore run': '_a'.repeat(100_000),
		'star run': '*a'.repeat(100_000),
		'long space run': 'a' + ' '.repeat(200_000) + 'b',
		'deeply nested lists': Array.from({ length: 1000 }, (_, i) => ' '.repeat(i * 2) + '- a').join(
			'\n'
		),
		'list markers on one line': '1. '.repeat(100_000),
		'nested quotes': '> '.repeat(100_000),
		'heading-separated math fences': '# \\\n$$\n'.repeat(2000),
		'thousands of formulas': '$x^2$\n\n'.repeat(5000)
	};
	for (const [name, source] of Object.entries(hostile)) {
		it(`stays bounded on ${name}`, () => {
			const html = renderMarkdown(source);
			expect(typeof html).toBe('string');
			expect(parse(html).textContent?.length).toBeGreaterThan(0);
		}, 30_000);
	}

	it('does not penalise deep indentation that is not nesting', () => {
		const art = '```\n' + `${' '.repeat(300)}*\n`.repeat(20) + '```\n\n**bold**';
		expect(renderMarkdown(art)).toContain('<strong>bold</strong>');
	});

	it('degrades pathological input to escaped plain text', () => {
		const html = renderMarkdown('1. '.repeat(10_000) + '<script>alert(1)</script>');
		expect(html.startsWith('<p class="plain-text">')).toBe(true);
		expectSafe(html);
	});
});
