import { describe, expect, it } from 'vitest';
import { detectFormat, extensionOf } from './formats';
import { collect, makePdf, makeZip } from './fixtures/make-files';
import { splitLines } from './lines';
import { sniffText } from './sniff';

const text = (s: string) => new TextEncoder().encode(s);

describe('detectFormat', () => {
	it('goes by extension for text formats', () => {
		const kind = (name: string, mime = '') => {
			const d = detectFormat(name, mime, text('hello'));
			return d.ok ? d.format : d.reason;
		};
		expect(kind('notes.md')).toEqual({ kind: 'markdown' });
		expect(kind('app/main.py')).toEqual({ kind: 'code', language: 'python', family: 'python' });
		expect(kind('src/x.tsx')).toEqual({ kind: 'code', language: 'typescript', family: 'brace' });
		expect(kind('deploy.sh')).toEqual({ kind: 'code', language: 'shell', family: 'shell' });
		expect(kind('data.tsv')).toEqual({ kind: 'csv', delimiter: '\t' });
		expect(kind('page.htm')).toEqual({ kind: 'html' });
		expect(kind('config.json')).toEqual({ kind: 'json' });
		expect(kind('README')).toEqual({ kind: 'text' });
		expect(kind('download', 'text/markdown; charset=utf-8')).toEqual({ kind: 'markdown' });
	});

	it('trusts the first bytes over the name', () => {
		const pdf = detectFormat('oops.txt', 'text/plain', makePdf([['x']]));
		expect(pdf).toEqual({ ok: true, format: { kind: 'pdf' } });
		const png = detectFormat('photo.md', '', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10]));
		expect(png).toMatchObject({ ok: false, reason: expect.stringContaining('PNG') });
		const zip = makeZip([{ name: 'a', text: 'b' }]);
		expect(detectFormat('report.docx', '', zip)).toEqual({ ok: true, format: { kind: 'docx' } });
		expect(detectFormat('bundle.zip', '', zip).ok).toBe(false);
		expect(detectFormat('old.doc', '', new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0])).ok).toBe(false);
	});

	it('reads dotfiles and paths', () => {
		expect(extensionOf('.gitignore')).toBe('gitignore');
		expect(extensionOf('a/b.c/Makefile')).toBe('makefile');
		expect(extensionOf('x/Y.TS')).toBe('ts');
	});
});

describe('sniffText', () => {
	it('accepts UTF-8, including a multi-byte character cut off at the end of the sample', () => {
		const bytes = text('Grüße, 東京 😀');
		expect(sniffText(bytes)).toEqual({ ok: true, encoding: 'utf-8' });
		expect(sniffText(bytes.slice(0, bytes.length - 2))).toEqual({ ok: true, encoding: 'utf-8' });
	});

	it('refuses NUL bytes, invalid UTF-8 and control noise', () => {
		expect(sniffText(new Uint8Array([65, 0, 66]))).toMatchObject({ ok: false });
		expect(sniffText(new Uint8Array(100).fill(0xff))).toMatchObject({
			ok: false,
			reason: expect.stringContaining('not UTF-8')
		});
		expect(sniffText(new Uint8Array(100).map((_, i) => (i % 2 ? 1 : 65)))).toMatchObject({
			ok: false
		});
	});

	it('recognises UTF-16 by its byte order mark', () => {
		expect(sniffText(new Uint8Array([0xff, 0xfe, 65, 0]))).toEqual({
			ok: true,
			encoding: 'utf-16le'
		});
		expect(sniffText(new Uint8Array([0xfe, 0xff, 0, 65]))).toEqual({
			ok: true,
			encoding: 'utf-16be'
		});
	});
});

describe('splitLines', () => {
	async function* pieces(...parts: string[]) {
		yield* parts;
	}

	it('joins lines across pieces, drops CR, and numbers them', async () => {
		const lines = await collect(splitLines(pieces('one\r\ntw', 'o\n\nthr', 'ee')));
		expect(lines).toEqual([
			{ text: 'one', no: 1, partial: false },
			{ text: 'two', no: 2, partial: false },
			{ text: '', no: 3, partial: false },
			{ text: 'three', no: 4, partial: false }
		]);
	});

	it('hands on a line longer than the limit in pieces with the same number', async () => {
		const lines = await collect(splitLines(pieces('x'.repeat(25), 'y'.repeat(10), '\nz'), 10));
		expect(lines.map((l) => [l.text.length, l.no, l.partial])).toEqual([
			[10, 1, true],
			[10, 1, true],
			[10, 1, true],
			[5, 1, false],
			[1, 2, false]
		]);
		expect(
			lines
				.slice(0, 4)
				.map((l) => l.text)
				.join('')
		).toBe('x'.repeat(25) + 'y'.repeat(10));
	});
});
