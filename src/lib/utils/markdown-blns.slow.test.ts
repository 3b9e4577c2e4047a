// @vitest-environment jsdom
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedMissing } from '../../../tests/fixtures/ci.js';
import { renderMarkdown } from '$lib/utils/markdown';
import { domProblems, parse } from '$lib/utils/markdown-test-helpers';

// The Big List of Naughty Strings through the renderer (~500 renders): a *.slow.test.ts file, left
// out of mutation runs; markdown-xss.test.ts holds the focused vectors.

const BLNS_PATH = path.resolve(process.cwd(), '../shared/data/blns/blns.json');

describe('renderMarkdown: Big List of Naughty Strings', () => {
	it('renders every string without script, handlers or images', (ctx) => {
		if (!existsSync(BLNS_PATH)) ctx.skip(sharedMissing(BLNS_PATH));
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
