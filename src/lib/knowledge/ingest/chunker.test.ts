import { describe, expect, it } from 'vitest';
import type { ParsedSection } from '$lib/types/knowledge';
import { estimateTokens } from '$lib/utils/tokens';
import { chunkSections, type ChunkDraft, type ChunkOptions } from './chunker';
import { collect } from './fixtures/make-files';

const chunk = (sections: ParsedSection[], options: Partial<ChunkOptions> = {}) =>
	collect(chunkSections(sections, options));

/** Numbered sentences, one per line, so overlap and order can be checked exactly. */
const sentences = (from: number, to: number) =>
	Array.from({ length: to - from }, (_, i) => `Sentence number ${from + i} says something plain.`);

describe('chunkSections', () => {
	it('keeps chunks within the token budget and near the target', async () => {
		const text = sentences(0, 400).join('\n');
		const chunks = await chunk([{ text, startLine: 1, endLine: 400 }]);
		expect(chunks.length).toBeGreaterThan(5);
		for (const c of chunks.slice(0, -1)) {
			const tokens = estimateTokens(c.text);
			expect(tokens).toBeLessThanOrEqual(500);
			expect(tokens).toBeGreaterThanOrEqual(300);
		}
	});

	it('repeats about 15% of the previous chunk inside a continuous run', async () => {
		const lines = sentences(0, 300);
		const chunks = await chunk([{ text: lines.join('\n'), startLine: 1, endLine: 300 }]);
		for (let i = 1; i < chunks.length; i++) {
			const prev = chunks[i - 1] as ChunkDraft;
			const cur = chunks[i] as ChunkDraft;
			const prevLines = prev.text.split('\n');
			const curLines = cur.text.split('\n');
			// The overlap is the previous chunk's last lines, and the line numbers agree.
			const shared = curLines.filter((l) => prevLines.includes(l));
			expect(shared.length).toBeGreaterThan(0);
			expect(prevLines.slice(-shared.length)).toEqual(shared);
			expect(cur.startLine).toBe((prev.endLine as number) - shared.length + 1);
			const overlapTokens = estimateTokens(shared.join('\n'));
			expect(overlapTokens).toBeLessThanOrEqual(60);
			expect(overlapTokens).toBeGreaterThan(30);
		}
		// Nothing lost: every line appears somewhere, in order.
		const seen = new Set(chunks.flatMap((c) => c.text.split('\n')));
		for (const l of lines) expect(seen.has(l)).toBe(true);
	});

	it('does not overlap across a heading, function or page change', async () => {
		const a = sentences(0, 60).join('\n');
		const b = sentences(60, 120).join('\n');
		const chunks = await chunk([
			{ text: a, headings: ['A'] },
			{ text: b, headings: ['B'] }
		]);
		const firstOfB = chunks.findIndex((c) => c.headings?.[0] === 'B');
		expect(chunks[firstOfB]?.text.startsWith('Sentence number 60 ')).toBe(true);
	});

	it('keeps a code fence whole when it fits, even across blank lines inside it', async () => {
		const fence = ['```python', 'def a():', '    pass', '', '', 'def b():', '    pass', '```'].join(
			'\n'
		);
		const text = [sentences(0, 40).join(' '), fence, sentences(40, 80).join(' ')].join('\n\n');
		const chunks = await chunk([{ text }], { targetTokens: 120, minTokens: 60, maxTokens: 200 });
		const holding = chunks.filter((c) => c.text.includes('def a()'));
		expect(holding).toHaveLength(1);
		expect(holding[0]?.text).toContain(fence);
	});

	it('packs small sections together and lists their symbols', async () => {
		const chunks = await chunk([
			{ text: 'def a():\n    return 1', symbol: 'a', startLine: 1, endLine: 2 },
			{ text: 'def b():\n    return 2', symbol: 'b', startLine: 4, endLine: 5 },
			{ text: 'def c():\n    return 3', symbol: 'c', startLine: 7, endLine: 8 }
		]);
		expect(chunks).toEqual([
			{
				text: 'def a():\n    return 1\n\ndef b():\n    return 2\n\ndef c():\n    return 3',
				symbol: 'a; b; c',
				startLine: 1,
				endLine: 8
			}
		]);
	});

	it('never packs sections when packing is off (CSV groups)', async () => {
		const chunks = await chunk(
			[
				{ text: 'h\n1', startLine: 2, endLine: 2 },
				{ text: 'h\n2', startLine: 3, endLine: 3 }
			],
			{ packSections: false, overlapRatio: 0 }
		);
		expect(chunks.map((c) => c.text)).toEqual(['h\n1', 'h\n2']);
	});

	it('keeps the common heading prefix on a chunk spanning sibling sections', async () => {
		const chunks = await chunk([
			{ text: '## Q3\nUp.', headings: ['Budget', 'Q3'] },
			{ text: '## Q4\nDown.', headings: ['Budget', 'Q4'] }
		]);
		expect(chunks).toHaveLength(1);
		expect(chunks[0]?.headings).toEqual(['Budget']);
	});

	it('splits a function bigger than the budget at blank lines, with its symbol on every piece', async () => {
		const body = Array.from(
			{ length: 12 },
			(_, i) => `    step${i} = compute(${i})\n    log(step${i}, "done with step ${i}")\n`
		).join('\n');
		const chunks = await chunk([{ text: `def big():\n${body}`, symbol: 'big', startLine: 1 }], {
			targetTokens: 60,
			minTokens: 40,
			maxTokens: 80
		});
		expect(chunks.length).toBeGreaterThan(2);
		for (const c of chunks) {
			expect(c.symbol).toBe('big');
			expect(estimateTokens(c.text)).toBeLessThanOrEqual(80);
			// Cuts fall between statement groups: each chunk has whole `stepN = …` + `log(stepN…` pairs.
			const assigned = [...c.text.matchAll(/step(\d+) = /g)].map((m) => m[1]);
			const logged = [...c.text.matchAll(/log\(step(\d+)/g)].map((m) => m[1]);
			expect(logged).toEqual(assigned);
		}
	});

	it('cuts an over-long line at spaces without losing characters', async () => {
		const line = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ');
		const chunks = await chunk([{ text: line, startLine: 7, endLine: 7 }], { overlapRatio: 0 });
		expect(chunks.length).toBeGreaterThan(3);
		expect(chunks.map((c) => c.text).join('')).toBe(line);
		for (const c of chunks) {
			expect(c.startLine).toBe(7);
			expect(estimateTokens(c.text)).toBeLessThanOrEqual(500);
		}
	});

	it('skips blank sections and yields nothing for nothing', async () => {
		expect(await chunk([{ text: '  \n\n' }])).toEqual([]);
		expect(await chunk([])).toEqual([]);
	});
});
