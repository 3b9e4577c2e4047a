import { describe, expect, it } from 'vitest';
import { markSegments, queryTerms, snippetSegments, snippetText } from './snippet';

describe('queryTerms', () => {
	it('keeps words of two or more characters, lower-cased, unique, longest first', () => {
		expect(queryTerms('Q3 budget, a BUDGET database?')).toEqual(['database', 'budget', 'q3']);
	});

	it('has no terms for punctuation only', () => {
		expect(queryTerms(' ?! - ')).toEqual([]);
	});
});

describe('markSegments', () => {
	it('marks word-start matches case-insensitively and keeps all the text', () => {
		const segments = markSegments('Budgets rose; the widgetbudget did not. BUDGET!', 'budget');
		expect(segments).toEqual([
			{ text: 'Budget', mark: true },
			{ text: 's rose; the widgetbudget did not. ', mark: false },
			{ text: 'BUDGET', mark: true },
			{ text: '!', mark: false }
		]);
		expect(segments.map((s) => s.text).join('')).toBe(
			'Budgets rose; the widgetbudget did not. BUDGET!'
		);
	});

	it('treats regex characters in the query as text', () => {
		expect(markSegments('a (b) c.*', '(b) .*')).toEqual([{ text: 'a (b) c.*', mark: false }]);
		expect(markSegments('use db.connect()', 'db.connect')).toEqual([
			{ text: 'use ', mark: false },
			{ text: 'db', mark: true },
			{ text: '.', mark: false },
			{ text: 'connect', mark: true },
			{ text: '()', mark: false }
		]);
	});

	it('returns markup as plain text segments', () => {
		const segments = markSegments('<img src=x onerror=alert(1)> budget', 'budget');
		expect(segments[0]).toEqual({ text: '<img src=x onerror=alert(1)> ', mark: false });
		expect(segments[1]).toEqual({ text: 'budget', mark: true });
	});

	it('leaves text unmarked for an empty query and gives nothing for empty text', () => {
		expect(markSegments('hello', '')).toEqual([{ text: 'hello', mark: false }]);
		expect(markSegments('', 'hello')).toEqual([]);
	});

	it('marks non-Latin words', () => {
		expect(markSegments('Über den Haushalt', 'haushalt')).toEqual([
			{ text: 'Über den ', mark: false },
			{ text: 'Haushalt', mark: true }
		]);
	});
});

describe('snippetText', () => {
	const long = `${'alpha '.repeat(60)}the Q3 budget was cut ${'omega '.repeat(60)}`;

	it('returns short passages whole, whitespace collapsed', () => {
		expect(snippetText('one\n\n two\tthree', 'two')).toBe('one two three');
	});

	it('cuts around the first match with ellipses on both sides, on word boundaries', () => {
		const text = snippetText(long, 'budget', 80);
		expect(text.startsWith('…')).toBe(true);
		expect(text.endsWith('…')).toBe(true);
		expect(text).toContain('Q3 budget was cut');
		expect(text.length).toBeLessThanOrEqual(82);
		expect(
			text
				.slice(1, -1)
				.split(' ')
				.every((w) => ['alpha', 'omega', 'the', 'Q3', 'budget', 'was', 'cut'].includes(w))
		).toBe(true);
	});

	it('starts at the beginning when no term occurs', () => {
		const text = snippetText(long, 'nothing', 40);
		expect(text.startsWith('alpha')).toBe(true);
		expect(text.endsWith('…')).toBe(true);
	});

	it('gives marked segments of the window', () => {
		const segments = snippetSegments(long, 'budget', 80);
		expect(segments.filter((s) => s.mark).map((s) => s.text)).toEqual(['budget']);
	});
});
