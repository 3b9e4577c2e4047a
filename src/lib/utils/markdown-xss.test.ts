// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '$lib/utils/markdown';
import { expectSafe, parse } from '$lib/utils/markdown-test-helpers';

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
