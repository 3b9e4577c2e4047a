// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '$lib/utils/markdown';
import { expectSafe, parse } from '$lib/utils/markdown-test-helpers';

// Large and hostile input: each test renders up to a megabyte. *.slow.test.ts files run in
// `npm test` and are left out of mutation runs (npm run mutate), where every mutant would pay for
// them; markdown-guards.test.ts checks the same guards with small budgets.

describe('renderMarkdown: a long answer', () => {
	it('renders every formula of a long, math-heavy answer', () => {
		// Regression: failed or far-reaching scans used to be charged in full, so the math budget
		// ran out after ~100 display formulas in a long answer.
		const section = '$$\n\\sum_i x_i\n$$\n\n' + 'filler '.repeat(300) + '\n\n';
		const body = parse(renderMarkdown(`Price: $5 or $ 6.\n\n${section.repeat(150)}`));
		expect(body.querySelectorAll('.katex-display')).toHaveLength(150);
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
