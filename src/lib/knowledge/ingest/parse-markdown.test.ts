import { describe, expect, it } from 'vitest';
import { collect } from './fixtures/make-files';
import { splitLines, stringPieces } from './lines';
import { parseMarkdown } from './parse-markdown';

const parse = (md: string) => collect(parseMarkdown(splitLines(stringPieces(md))));

describe('parseMarkdown', () => {
	it('makes one section per heading with the heading path and line numbers', async () => {
		const md = [
			'Preamble line.',
			'# Guide',
			'Intro.',
			'## Install',
			'Run it.',
			'### Linux ###',
			'apt.',
			'## Use',
			'Go.',
			'# Appendix'
		].join('\n');
		const sections = await parse(md);
		expect(sections.map((s) => [s.headings, s.startLine, s.endLine])).toEqual([
			[undefined, 1, 1],
			[['Guide'], 2, 3],
			[['Guide', 'Install'], 4, 5],
			[['Guide', 'Install', 'Linux'], 6, 7],
			[['Guide', 'Use'], 8, 9],
			[['Appendix'], 10, 10]
		]);
	});

	it('does not take a # inside a code fence for a heading', async () => {
		const md = [
			'# Script',
			'```bash',
			'# install the tools',
			'make',
			'```',
			'~~~',
			'## still code',
			'~~~',
			'After.'
		].join('\n');
		const sections = await parse(md);
		expect(sections).toHaveLength(1);
		expect(sections[0]?.headings).toEqual(['Script']);
		expect(sections[0]?.text).toBe(md);
	});

	it('needs a space after the hashes, as CommonMark does', async () => {
		const sections = await parse('#hashtag\n# Real');
		expect(sections.map((s) => s.headings)).toEqual([undefined, ['Real']]);
	});
});
