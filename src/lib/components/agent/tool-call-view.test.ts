import { describe, expect, it } from 'vitest';
import {
	acceptImages,
	argBlocks,
	formatDuration,
	gateNote,
	originsSentence,
	isNearBottom,
	isPngDataUrl,
	prettyArgs,
	startsOpen,
	statusLabel,
	summarizeArgs
} from './tool-call-view';

describe('summarizeArgs', () => {
	it('lists keys with short values', () => {
		expect(summarizeArgs({ query: 'rust borrow', limit: 5, safe: true, tags: ['a', 'b'] })).toBe(
			'query: "rust borrow", limit: 5, safe: true, tags: [2 items]'
		);
	});

	it('clips long and multi-line strings', () => {
		const code = 'import numpy as np\nprint(np.arange(10))';
		expect(summarizeArgs({ code })).toBe('code: "import numpy as np…"');
		const long = 'x'.repeat(100);
		expect(summarizeArgs({ text: long })).toBe(`text: "${'x'.repeat(39)}…"`);
	});

	it('caps the whole line', () => {
		const args = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
		const line = summarizeArgs(args, 50);
		expect(line).toHaveLength(50);
		expect(line.endsWith('…')).toBe(true);
	});

	it('shows raw text that never validated, first line only', () => {
		expect(summarizeArgs('{"query": "x"\n garbage')).toBe('{"query": "x"…');
	});

	it('is empty for no arguments', () => {
		expect(summarizeArgs(undefined)).toBe('');
		expect(summarizeArgs({})).toBe('');
		expect(summarizeArgs({ a: undefined })).toBe('');
	});

	it('marks nested objects without expanding them', () => {
		expect(summarizeArgs({ where: { city: 'Oslo' }, n: null })).toBe('where: {…}, n: null');
	});
});

describe('argBlocks and prettyArgs', () => {
	it('pulls code and long text out as blocks', () => {
		const code = 'for i in range(3):\n    print(i)';
		const blocks = argBlocks({ code, timeout: 10, note: 'short' });
		expect(blocks).toEqual([{ key: 'code', text: code }]);
	});

	it('treats raw text as one block and has no JSON for it', () => {
		expect(argBlocks('not json')).toEqual([{ key: 'Arguments (as sent)', text: 'not json' }]);
		expect(prettyArgs('not json')).toBe('');
	});

	it('pretty-prints objects, nothing for empty ones', () => {
		expect(prettyArgs({ a: 1 })).toBe('{\n  "a": 1\n}');
		expect(prettyArgs({})).toBe('');
		// What is shown as a block is not repeated, and nothing left means no heading at all.
		expect(prettyArgs({ code: 'print(1)\nprint(2)' }, ['code'])).toBe('');
		expect(prettyArgs({ code: 'x\ny', timeout: 5 }, ['code'])).toBe('{\n  "timeout": 5\n}');
		expect(prettyArgs(undefined)).toBe('');
	});
});

describe('formatDuration', () => {
	it.each([
		[0, '0 ms'],
		[420.4, '420 ms'],
		[1000, '1 s'],
		[4230, '4.2 s'],
		[12_400, '12 s'],
		[59_600, '1 min'],
		[65_000, '1 min 5 s'],
		[120_000, '2 min']
	])('%d ms → %s', (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});

	it('is empty for nonsense', () => {
		expect(formatDuration(-1)).toBe('');
		expect(formatDuration(Number.NaN)).toBe('');
	});
});

describe('images', () => {
	const png = 'data:image/png;base64,iVBORw0KGgo=';

	it('accepts only base64 PNG data URLs', () => {
		expect(isPngDataUrl(png)).toBe(true);
		expect(isPngDataUrl('data:image/svg+xml;base64,PHN2Zz4=')).toBe(false);
		expect(isPngDataUrl('data:image/png,<svg onload=alert(1)>')).toBe(false);
		expect(isPngDataUrl('https://example.com/a.png')).toBe(false);
		expect(isPngDataUrl('javascript:alert(1)//data:image/png;base64,AA')).toBe(false);
		expect(isPngDataUrl(`${png}" onerror="alert(1)`)).toBe(false);
		expect(isPngDataUrl(' data:image/png;base64,AA')).toBe(false);
	});

	it('counts what it refused', () => {
		expect(acceptImages([png, 'blob:https://x/1', png])).toEqual({ shown: [png, png], refused: 1 });
		expect(acceptImages(undefined)).toEqual({ shown: [], refused: 0 });
	});
});

describe('status', () => {
	it('labels every status', () => {
		expect(statusLabel('awaiting')).toBe('Waiting for you');
		expect(statusLabel('denied')).toBe('Not allowed');
	});

	it('opens while the user should look, collapses once done', () => {
		expect(startsOpen('awaiting', false)).toBe(true);
		expect(startsOpen('running', false)).toBe(true);
		expect(startsOpen('error', false)).toBe(true);
		expect(startsOpen('done', false)).toBe(false);
		expect(startsOpen('cancelled', false)).toBe(false);
		expect(startsOpen('done', true)).toBe(true);
	});
});

describe('isNearBottom', () => {
	it('follows only when the reader is at the end', () => {
		expect(isNearBottom({ scrollTop: 380, clientHeight: 100, scrollHeight: 500 })).toBe(true);
		expect(isNearBottom({ scrollTop: 200, clientHeight: 100, scrollHeight: 500 })).toBe(false);
		expect(isNearBottom({ scrollTop: 0, clientHeight: 100, scrollHeight: 80 })).toBe(true);
	});
});

describe('gateNote', () => {
	it('says whether the user was asked, and never claims it when they were not', () => {
		const done = { status: 'done' as const, tainted: true };
		expect(gateNote({ ...done, gate: 'untrusted' })).toMatch(/^You were asked because/);
		expect(gateNote({ ...done, gate: 'side-effect' })).toMatch(
			/^You were asked because it changes/
		);
		expect(gateNote({ ...done, gate: 'contained' })).toMatch(/Not asked: it cannot send/);
		expect(gateNote({ ...done, gate: 'your-words' })).toMatch(/Not asked: you wrote/);
		for (const gate of ['contained', 'your-words'] as const) {
			expect(gateNote({ ...done, gate })).not.toMatch(/You were asked/);
		}
		// A record from before `gate`: asked only if it carries the question it was asked.
		expect(gateNote(done)).toBe('Came after untrusted content.');
		expect(gateNote({ ...done, confirmation: 'Write a.txt' })).toMatch(/^You were asked/);
	});

	it('says nothing for a clean call, or while the question is still open', () => {
		expect(gateNote({ status: 'done', gate: 'side-effect' })).toBeUndefined();
		expect(gateNote({ status: 'awaiting', tainted: true, gate: 'untrusted' })).toBeUndefined();
	});
});

describe('originsSentence', () => {
	it('names the origins on one line, clipped, and says nothing when none are known', () => {
		expect(originsSentence(undefined)).toBe('');
		expect(originsSentence([])).toBe('');
		expect(
			originsSentence(['list_files Downloads', `read_page https://x.example/${'a'.repeat(90)}`])
		).toBe(`It came from: list_files Downloads; read_page https://x.example/${'a'.repeat(51)}….`);
		expect(originsSentence(['a\nb'])).toBe('It came from: a b.');
	});
});
