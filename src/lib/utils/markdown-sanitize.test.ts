// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPurifier, MARK_ATTR, PURIFY_CONFIG } from '$lib/utils/markdown-sanitize';

// The DOMPurify policy for model output, checked on the sanitiser itself, one rule at a time;
// markdown-xss.test.ts throws known attacks at the whole renderer.

let nonce = '';
const purifier = createPurifier(() => nonce)!;

afterEach(() => {
	nonce = '';
	vi.unstubAllGlobals();
});

/** What survives sanitising, as the renderer gets it: an inert body element. */
function clean(html: string): HTMLElement {
	return purifier.sanitize(html, PURIFY_CONFIG) as unknown as HTMLElement;
}

/** The attributes left on the first element matching `selector`. */
function attributesOf(html: string, selector: string): Record<string, string> {
	const el = clean(html).querySelector(selector);
	expect(el, `${selector} in ${html}`).not.toBeNull();
	return Object.fromEntries(Array.from(el!.attributes).map((a) => [a.name, a.value]));
}

describe('sanitising: elements', () => {
	it('hands back a DOM, not a string', () => {
		const body = clean('<p>hi</p>');
		expect(body.nodeType).toBe(1);
		expect(body.querySelector('p')?.textContent).toBe('hi');
	});

	// DOMPurify alone keeps these; the policy forbids them (forms, media that loads, dialogs).
	it.each([
		'style',
		'form',
		'input',
		'button',
		'textarea',
		'select',
		'option',
		'optgroup',
		'datalist',
		'dialog',
		'video',
		'audio',
		'source',
		'picture',
		'track',
		'marquee',
		'template'
	])('drops <%s>', (tag) => {
		const body = clean(`<div>before<${tag} id="x">inside</${tag}>after</div>`);
		expect(body.querySelector(tag)).toBeNull();
		expect(body.textContent).toContain('before');
	});

	it('drops what never belongs in an answer', () => {
		const html = [
			'<script>alert(1)</script>',
			'<iframe src="https://evil.example"></iframe>',
			'<object data="x"></object>',
			'<embed src="x">',
			'<link rel="stylesheet" href="https://evil.example/x.css">',
			'<meta http-equiv="refresh" content="0;url=https://evil.example">',
			'<base href="https://evil.example/">',
			'<noscript><p>x</p></noscript>',
			'<portal src="https://evil.example"></portal>',
			'<applet code="x"></applet>'
		].join('');
		const body = clean(`<p>kept</p>${html}`);
		expect(Array.from(body.querySelectorAll('*')).map((e) => e.localName)).toEqual(['p']);
	});

	it("keeps KaTeX's MathML, with the TeX source in <annotation> as text", () => {
		const body = clean(
			'<math><semantics><mi>x</mi><annotation encoding="application/x-tex">x^2</annotation></semantics></math>'
		);
		expect(body.querySelector('semantics')).not.toBeNull();
		expect(body.querySelector('annotation')?.textContent).toBe('x^2');
	});
});

describe('sanitising: attributes', () => {
	it.each(['srcset', 'ping', 'background', 'poster', 'download', 'autofocus'])(
		'drops %s',
		(attr) => {
			expect(
				attributesOf(`<a href="https://a.example/" ${attr}="x">t</a>`, 'a')
			).not.toHaveProperty(attr);
			expect(attributesOf(`<div ${attr}="x">t</div>`, 'div')).not.toHaveProperty(attr);
		}
	);

	it('drops form targets wherever they appear', () => {
		expect(attributesOf('<div formaction="https://e.example" action="x">t</div>', 'div')).toEqual(
			{}
		);
	});

	it('drops event handlers in any letter case', () => {
		expect(attributesOf('<p onclick="a()" ONMOUSEOVER="b()" OnFocus="c()">t</p>', 'p')).toEqual({});
	});

	it('drops data- attributes and unknown protocols', () => {
		expect(attributesOf('<p data-x="1" data-src="https://a.example">t</p>', 'p')).toEqual({});
		expect(attributesOf('<img src="weird:thing" alt="a">', 'img')).toEqual({ alt: 'a' });
	});

	it('prefixes ids and names so they cannot clobber the page', () => {
		expect(attributesOf('<p id="app" name="x">t</p>', 'p')).toEqual({
			id: 'user-content-app',
			name: 'user-content-x'
		});
	});
});

describe('sanitising: CSS that could fetch', () => {
	it.each([
		'background:url(https://evil.example/x.png)',
		'background: URL (https://evil.example/x.png)',
		'background-image:image-set("a.png" 1x)',
		'background-image:IMAGE-SET("a.png" 1x)',
		'background-image:image("a.png")',
		'background-image:image ("a.png")',
		'background-image:cross-fade("a.png", "b.png")',
		'@import "https://evil.example/x.css"',
		'width:expression(alert(1))',
		'width:EXPRESSION (alert(1))',
		'mask:src("https://evil.example/m.svg")',
		'mask:src ("https://evil.example/m.svg")',
		'behavior:x.htc',
		'-moz-binding:x',
		'background:\\75 rl(https://evil.example/x.png)'
	])('drops style="%s"', (style) => {
		expect(attributesOf(`<span style='${style}' title="t">x</span>`, 'span')).toEqual({
			title: 't'
		});
	});

	it('keeps harmless styles (KaTeX needs them), and url( outside CSS', () => {
		expect(attributesOf('<span style="color: red; margin-left: 0.5em">x</span>', 'span')).toEqual({
			style: 'color: red; margin-left: 0.5em'
		});
		expect(attributesOf('<span title="url(x) and image-set">x</span>', 'span')).toEqual({
			title: 'url(x) and image-set'
		});
	});

	it('treats every SVG and MathML attribute as CSS: no url() in fill, filter or mask', () => {
		expect(
			attributesOf('<svg><rect fill="url(https://evil.example/#g)" width="1"></rect></svg>', 'rect')
		).toEqual({ width: '1' });
		expect(attributesOf('<svg><rect fill="red" width="1"></rect></svg>', 'rect')).toEqual({
			fill: 'red',
			width: '1'
		});
		expect(
			attributesOf('<math><mi mathcolor="url(https://evil.example/)">x</mi></math>', 'mi')
		).toEqual({});
	});
});

describe('sanitising: links', () => {
	it('opens a safe link in a new tab, normalised, without referrer or opener', () => {
		expect(
			attributesOf('<a href="HTTPS://A.example" target="_self" rel="opener">t</a>', 'a')
		).toEqual({
			href: 'https://a.example/',
			target: '_blank',
			rel: 'noopener noreferrer nofollow'
		});
		expect(attributesOf('<a href="mailto:a@b.example">t</a>', 'a')).toEqual({
			href: 'mailto:a@b.example',
			target: '_blank',
			rel: 'noopener noreferrer nofollow'
		});
	});

	it('keeps the text of an unsafe link, or one without href, but not its href, target or rel', () => {
		for (const html of [
			'<a href="javascript:alert(1)" target="_top" rel="opener">t</a>',
			'<a href="/relative" target="_top" rel="opener">t</a>',
			'<a target="_top" rel="opener">t</a>'
		]) {
			expect(attributesOf(html, 'a')).toEqual({});
			expect(clean(html).textContent).toBe('t');
		}
	});

	it('treats image-map areas as links', () => {
		const html =
			'<map name="m"><area href="https://a.example" alt="a"><area href="javascript:x" alt="b" target="_top"></map>';
		const areas = Array.from(clean(html).querySelectorAll('area')).map((a) =>
			Object.fromEntries(Array.from(a.attributes).map((x) => [x.name, x.value]))
		);
		expect(areas).toEqual([
			{
				href: 'https://a.example/',
				alt: 'a',
				target: '_blank',
				rel: 'noopener noreferrer nofollow'
			},
			{ alt: 'b' }
		]);
	});

	it('drops href from every other HTML element', () => {
		expect(attributesOf('<span href="https://a.example/">t</span>', 'span')).toEqual({});
		expect(attributesOf('<div href="#top">t</div>', 'div')).toEqual({});
	});

	it('lets SVG point only inside the message, at the prefixed ids', () => {
		expect(attributesOf('<svg><a href="#part"><text>t</text></a></svg>', 'a')).toEqual({
			href: '#user-content-part'
		});
		expect(attributesOf('<svg><a xlink:href="#part"><text>t</text></a></svg>', 'a')).toEqual({
			'xlink:href': '#user-content-part'
		});
		for (const target of ['#', 'https://evil.example/x.svg#a', 'data:image/svg+xml,<svg/>']) {
			expect(
				attributesOf(
					`<svg><a href="${target}" xlink:href="${target}"><text>t</text></a></svg>`,
					'a'
				),
				target
			).toEqual({});
		}
	});
});

describe('sanitising: the code-block mark', () => {
	it("keeps the mark only on a div carrying this render's nonce", () => {
		nonce = 'n-1';
		expect(attributesOf(`<div ${MARK_ATTR}="n-1">x</div>`, 'div')).toEqual({ [MARK_ATTR]: 'n-1' });
		expect(attributesOf(`<div ${MARK_ATTR}="n-2">x</div>`, 'div')).toEqual({});
		expect(attributesOf(`<span ${MARK_ATTR}="n-1">x</span>`, 'span')).toEqual({});
	});

	it('keeps no mark outside a render, even an empty one', () => {
		expect(attributesOf(`<div ${MARK_ATTR}="">x</div>`, 'div')).toEqual({});
		expect(attributesOf(`<div ${MARK_ATTR}="n-1">x</div>`, 'div')).toEqual({});
	});
});

describe('createPurifier', () => {
	it('gives no purifier for a window without a usable DOM', () => {
		vi.stubGlobal('window', {});
		expect(createPurifier(() => '')).toBeNull();
	});

	it('keeps its hooks to itself: the shared DOMPurify is untouched', async () => {
		const { default: shared } = await import('dompurify');
		const body = shared.sanitize(
			'<a href="https://a.example">t</a><span style="background:url(x.png)">s</span>',
			{ RETURN_DOM: true }
		) as HTMLElement;
		expect(body.querySelector('a')?.getAttribute('href')).toBe('https://a.example');
		expect(body.querySelector('a')?.hasAttribute('target')).toBe(false);
		expect(body.querySelector('span')?.getAttribute('style')).toBe('background:url(x.png)');
	});
});
