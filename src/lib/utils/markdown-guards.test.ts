import { describe, expect, it } from 'vitest';
import type { Token, Tokens } from 'marked';
import { boundedLexer, freshInlineBudget, tooDeeplyNested } from '$lib/utils/markdown-guards';

// The complexity guards on small inputs with small budgets, so every rule of the cost is checked
// exactly; markdown-large.slow.test.ts feeds the real budgets real hostile input.

/** True at `cost`, false one below: the nesting cost of `source` is exactly `cost`. */
function expectNestingCost(source: string, cost: number): void {
	expect(tooDeeplyNested(source, cost), `${JSON.stringify(source)} within ${cost}`).toBe(false);
	if (cost > 0) {
		expect(tooDeeplyNested(source, cost - 1), `${JSON.stringify(source)} over ${cost - 1}`).toBe(
			true
		);
	}
}

describe('tooDeeplyNested: the cost of nesting', () => {
	it('charges each line its depth times its length (newline included)', () => {
		expectNestingCost('- a', 1 * 4);
		expectNestingCost('- a\n- b', 4 + 4);
		expectNestingCost('- a\n\n- b', 4 + 0 + 4);
		expectNestingCost('a\n- b', 0 + 4);
		expectNestingCost('- a\nplain text', 4 + 0);
	});

	it('counts two spaces of indentation as one level, and a tab to the next multiple of four', () => {
		expectNestingCost('  a', 1 * 4);
		expectNestingCost('    - a', (2 + 1) * 8);
		expectNestingCost('\t- a', (2 + 1) * 5);
		expectNestingCost('  \t- a', (2 + 1) * 7);
		expectNestingCost(' \t\ta', 4 * 5);
		expectNestingCost('   a', 1 * 5);
	});

	it('counts every quote and list marker on the line', () => {
		expectNestingCost('> a', 1 * 4);
		expectNestingCost('>a', 1 * 3);
		expectNestingCost('> > a', 2 * 6);
		for (const marker of ['-', '+', '*']) {
			expectNestingCost(`${marker} a`, 1 * 4);
			expectNestingCost(`${marker}\ta`, 1 * 4);
			expectNestingCost(`${marker} ${marker} a`, 2 * 6);
		}
		expectNestingCost('1. a', 1 * 5);
		expectNestingCost('9) a', 1 * 5);
		expectNestingCost('123456789.\ta', 1 * 13);
		expectNestingCost('> - 1. 2) a', 4 * 12);
		expectNestingCost('  > \t- a', (1 + 2) * 9);
	});

	it('does not count what only looks like a marker', () => {
		for (const text of ['-a', '+a', '*a', '1.a', '1)a', '1234567890. a', '.) a', 'a - b']) {
			expectNestingCost(text, 0);
		}
		expectNestingCost('- -a', 1 * 5);
	});

	it('refuses a line with more than 64 markers at once, whatever the budget', () => {
		expect(tooDeeplyNested('> '.repeat(64) + 'a')).toBe(false);
		expect(tooDeeplyNested('> '.repeat(65) + 'a')).toBe(true);
		expect(tooDeeplyNested('a\n' + '- '.repeat(65) + 'a')).toBe(true);
	});

	it('passes ordinary markdown with the real budget', () => {
		const doc = '# Title\n\n- one\n  - two\n    - three\n\n> quote\n\n```\n    code\n```\n';
		expect(tooDeeplyNested(doc)).toBe(false);
		expect(tooDeeplyNested('')).toBe(false);
	});
});

/** Lexes `src` with a budget of `cost`; returns the tokens and what is left of the budget. */
function lex(src: string, cost: number): { tokens: Token[]; left: number } {
	const budget = { cost };
	const tokens = boundedLexer(() => budget)(src);
	return { tokens, left: budget.cost };
}

/** The inline tokens of the first paragraph. */
function inline(tokens: Token[]): Token[] {
	return (tokens.find((t) => t.type === 'paragraph') as Tokens.Paragraph | undefined)?.tokens ?? [];
}

describe('boundedLexer: the inline budget', () => {
	it('starts each render with 300 million', () => {
		expect(freshInlineBudget()).toEqual({ cost: 300_000_000 });
		expect(freshInlineBudget()).not.toBe(freshInlineBudget());
	});

	it('charges a run its length times one more than its scan-starting characters', () => {
		expect(lex('abc', 1000).left).toBe(1000 - 3 * 1);
		expect(lex('a b', 1000).left).toBe(1000 - 3 * 1);
		for (const special of ['*', '_', '~', '`', '[', ']', '(', ')', '<', '>', '!', '$', '\\']) {
			expect(lex(`a${special}b`, 1000).left, special).toBe(1000 - 3 * 2);
		}
		// A run of spaces: every space after the first.
		expect(lex('a  b', 1000).left).toBe(1000 - 4 * 2);
		expect(lex('a   b', 1000).left).toBe(1000 - 5 * 3);
		expect(lex('a*b_c', 1000).left).toBe(1000 - 5 * 3);
	});

	it('charges each top-level run once, and nested runs (emphasis, link text) not again', () => {
		expect(lex('x\n\ny', 1000).left).toBe(1000 - 1 - 1);
		// "*a **b** c*": 11 characters, 6 stars and one '(' free: 11 × 7.
		const nested = lex('*a **b** c*', 1000);
		expect(nested.left).toBe(1000 - 11 * 7);
		expect(inline(nested.tokens).map((t) => t.type)).toEqual(['em']);
		const em = inline(nested.tokens)[0] as Tokens.Em;
		expect(em.tokens.map((t) => t.type)).toEqual(['text', 'strong', 'text']);
	});

	it('parses a run its budget covers exactly, and leaves one it does not as plain text', () => {
		const covered = lex('*a*', 9);
		expect(covered.left).toBe(0);
		expect(inline(covered.tokens).map((t) => t.type)).toEqual(['em']);

		const over = lex('*a*', 8);
		expect(over.left).toBe(-1);
		expect(inline(over.tokens)).toEqual([
			{ type: 'text', raw: '*a*', text: '*a*', escaped: false }
		]);
	});

	it('keeps charging after a run: once spent, later runs stay text too', () => {
		const { tokens, left } = lex('*a*\n\n*b*\n\n*c*', 20);
		expect(left).toBe(20 - 9 - 9 - 9);
		const paragraphs = tokens.filter((t): t is Tokens.Paragraph => t.type === 'paragraph');
		expect(paragraphs.map((p) => p.tokens.map((t) => t.type))).toEqual([['em'], ['em'], ['text']]);
	});

	it('reads the budget for every run, so a render can start a fresh one', () => {
		let budget = { cost: 9 };
		const lexer = boundedLexer(() => budget);
		expect(inline(lexer('*a*')).map((t) => t.type)).toEqual(['em']);
		budget = { cost: 9 };
		expect(inline(lexer('*b*')).map((t) => t.type)).toEqual(['em']);
		expect(inline(lexer('*c*')).map((t) => t.type)).toEqual(['text']);
	});
});
