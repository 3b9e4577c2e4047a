import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { HearthError } from '$lib/types/errors';
import type { ChunkData } from '$lib/types/knowledge';
import { collect, makeDocx, makePdf, makeZip, named } from './fixtures/make-files';
import { ingestFile, parsePasted, type IngestOptions, type IngestProgress } from './ingest';

const loadPdfjs = () => import('pdfjs-dist/legacy/build/pdf.mjs');
const htmlParser = (html: string) => new JSDOM(html).window.document;
const options: IngestOptions = { loadPdfjs, htmlParser };

async function failure(file: Blob & { name: string }, opts = options): Promise<HearthError> {
	try {
		await collect(ingestFile(file, opts));
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		return e as HearthError;
	}
	throw new Error('expected ingest to fail');
}

const words = (n: number, seed = 'word') =>
	Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ');

describe('ingestFile: formats', () => {
	it('reads plain text with line numbers, ordinals and SHA-256 hashes', async () => {
		const chunks = await collect(ingestFile(named('Hello there.\n\nSecond paragraph.\n', 'a.txt')));
		expect(chunks).toHaveLength(1);
		const [chunk] = chunks as [ChunkData];
		expect(chunk).toMatchObject({ ordinal: 0, startLine: 1, endLine: 3 });
		expect(chunk.text).toBe('Hello there.\n\nSecond paragraph.');
		const expected = Buffer.from(
			await crypto.subtle.digest('SHA-256', new TextEncoder().encode(chunk.text))
		).toString('hex');
		expect(chunk.hash).toBe(expected);
	});

	it('keeps Markdown heading paths on every chunk', async () => {
		const md = [
			'# Budget',
			'Intro.',
			'## Q3',
			'Q3 numbers went up.',
			'### Travel',
			'Travel was cut.',
			'## Q4',
			'Q4 plans.'
		].join('\n');
		const chunks = await collect(
			ingestFile(named(md, 'notes.md'), { chunking: { targetTokens: 8, minTokens: 1 } })
		);
		expect(chunks.map((c) => c.headings)).toEqual([
			['Budget'],
			['Budget', 'Q3'],
			['Budget', 'Q3', 'Travel'],
			['Budget', 'Q4']
		]);
		expect(chunks[2]?.text).toBe('### Travel\nTravel was cut.');
	});

	it('splits code on function and class boundaries with symbols', async () => {
		const ts = [
			"import { db } from './db';",
			'',
			'/** Opens the connection. */',
			'export async function connect(url: string): Promise<void> {',
			"\tif (!url) throw new Error('{');",
			'\tawait db.open(url);',
			'}',
			'',
			'export class Repo {',
			'\tconstructor(private readonly name: string) {}',
			'',
			'\tasync find(id: string) {',
			'\t\treturn db.get(this.name, id);',
			'\t}',
			'}'
		].join('\n');
		const chunks = await collect(
			ingestFile(named(ts, 'src/repo.ts'), { chunking: { targetTokens: 5, minTokens: 1 } })
		);
		expect(chunks.map((c) => [c.symbol, c.startLine, c.endLine])).toEqual([
			[undefined, 1, 1],
			['connect', 3, 7],
			['class Repo', 9, 9],
			['class Repo › constructor', 10, 10],
			['class Repo › find', 12, 15]
		]);
		expect(chunks[1]?.text.startsWith('/** Opens the connection. */\nexport async function')).toBe(
			true
		);
	});

	it('reads a PDF page by page, text layer only', async () => {
		const pdf = makePdf([
			['First page line', 'and its second line'],
			['Second page (with parens)']
		]);
		const chunks = await collect(
			ingestFile(named(pdf, 'report.pdf', 'application/pdf'), {
				...options,
				chunking: { minTokens: 1, targetTokens: 8 }
			})
		);
		expect(chunks.map((c) => [c.page, c.text])).toEqual([
			[1, 'First page line\nand its second line'],
			[2, 'Second page (with parens)']
		]);
	});

	it('reads DOCX through mammoth with Word headings kept', async () => {
		const docx = makeDocx([
			{ text: 'Plan', style: 'Heading1' },
			{ text: 'Costs & <risks> are listed.' },
			{ text: 'Travel', style: 'Heading2' },
			{ text: 'Trains only.' }
		]);
		const chunks = await collect(
			ingestFile(named(docx, 'plan.docx'), { chunking: { minTokens: 1, targetTokens: 12 } })
		);
		expect(chunks.map((c) => [c.headings, c.text])).toEqual([
			[['Plan'], '# Plan\n\nCosts & <risks> are listed.'],
			[['Plan', 'Travel'], '## Travel\n\nTrains only.']
		]);
		expect(chunks[0]?.startLine).toBeUndefined();
	});

	it('reads HTML as readable text with headings, without scripts or navigation', async () => {
		const html = `<!doctype html><html><head><title>Garden guide</title><script>var secret = 1;</script></head>
			<body><nav><a href="/">Home</a> <a href="/x">Shop</a></nav><article>
			<h1>Garden guide</h1><p>${words(60, 'soil')}</p>
			<h2>Watering</h2><p>${words(60, 'water')}</p></article></body></html>`;
		const chunks = await collect(
			ingestFile(named(html, 'guide.html', 'text/html'), {
				...options,
				chunking: { minTokens: 1, targetTokens: 60 }
			})
		);
		const all = chunks.map((c) => c.text).join('\n');
		expect(all).toContain('soil0');
		expect(all).toContain('water59');
		expect(all).not.toContain('secret');
		expect(chunks.at(-1)?.headings).toEqual(['Garden guide', 'Watering']);
	});

	it('says HTML cannot be read where there is no DOM parser', async () => {
		const err = await failure(named('<p>hi</p>', 'a.html'), {});
		expect(err.code).toBe('not_supported');
	});

	it('repeats the CSV header row in every chunk and never splits a quoted record', async () => {
		const rows = Array.from(
			{ length: 60 },
			(_, i) => `${i},"name ${i}","a note, with a comma${i === 7 ? '\nand a line break' : ''}"`
		);
		const csv = ['id,name,note', ...rows].join('\n');
		const chunks = await collect(
			ingestFile(named(csv, 'people.csv'), { chunking: { targetTokens: 80 } })
		);
		expect(chunks.length).toBeGreaterThan(3);
		for (const c of chunks) expect(c.text.startsWith('id,name,note\n')).toBe(true);
		const bodies = chunks.map((c) => c.text.split('\n').slice(1).join('\n')).join('\n');
		expect(bodies).toBe(rows.join('\n'));
		expect(chunks[0]?.startLine).toBe(2);
		expect(chunks.at(-1)?.endLine).toBe(62);
	});

	it('turns JSON into path: value lines grouped by top-level key', async () => {
		const json = JSON.stringify({
			server: { host: 'example.org', ports: [80, 443], tls: { on: true } },
			'odd key': null,
			users: [{ name: 'Ann' }, { name: 'Bo', tags: [] }]
		});
		const chunks = await collect(ingestFile(named(json, 'config.json')));
		const text = chunks.map((c) => c.text).join('\n');
		expect(text.split(/\n+/)).toEqual([
			'server.host: example.org',
			'server.ports[0]: 80',
			'server.ports[1]: 443',
			'server.tls.on: true',
			'["odd key"]: null',
			'users[0].name: Ann',
			'users[1].name: Bo',
			'users[1].tags: []'
		]);
	});

	it('indexes invalid JSON as plain text rather than failing', async () => {
		const chunks = await collect(ingestFile(named('{"a": 1,\n"b": oops}', 'broken.json')));
		expect(chunks[0]?.text).toBe('{"a": 1,\n"b": oops}');
	});

	it('decodes UTF-16 text with a byte order mark', async () => {
		const text = 'Grüße aus Köln';
		const bytes = new Uint8Array(2 + text.length * 2);
		bytes.set([0xff, 0xfe]);
		for (let i = 0; i < text.length; i++) bytes[2 + i * 2] = text.charCodeAt(i);
		const chunks = await collect(ingestFile(named(bytes, 'greeting.txt')));
		expect(chunks[0]?.text).toBe(text);
	});
});

describe('ingestFile: refusals', () => {
	it('refuses a binary file with NUL bytes', async () => {
		const bytes = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
		const err = await failure(named(bytes, 'data.txt'));
		expect(err.code).toBe('not_supported');
		expect(err.message).toContain('NUL bytes');
	});

	it('refuses text that is not UTF-8', async () => {
		const bytes = new Uint8Array(2000).map((_, i) => (i % 3 === 0 ? 0xe9 : 0x61));
		const err = await failure(named(bytes, 'latin1.txt'));
		expect(err.code).toBe('not_supported');
		expect(err.message).toMatch(/not UTF-8/);
	});

	it('refuses known binary formats by their first bytes, whatever the name says', async () => {
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
		const err = await failure(named(png, 'notes.md'));
		expect(err.code).toBe('not_supported');
		expect(err.message).toContain('PNG image');
		const zip = makeZip([{ name: 'a.txt', text: 'hi' }]);
		expect((await failure(named(zip, 'archive.zip'))).code).toBe('not_supported');
	});

	it('says an empty file is empty', async () => {
		const err = await failure(named('', 'empty.txt'));
		expect(err.code).toBe('content_unreadable');
		expect(err.message).toContain('empty');
		expect((await failure(named('  \n\n \t\n', 'blank.md'))).code).toBe('content_unreadable');
	});

	it('gives clear reasons for a corrupt PDF and a password-protected one', async () => {
		const corrupt = await failure(named('%PDF-1.7\nthis is not really a pdf', 'broken.pdf'));
		expect(corrupt.code).toBe('content_unreadable');
		expect(corrupt.message).toMatch(/damaged/);
		const truncated = makePdf([['some text']]).slice(0, 200);
		expect((await failure(named(truncated, 'cut.pdf'))).code).toBe('content_unreadable');
		const locked = await failure(named(makePdf([['secret']], { encrypt: true }), 'locked.pdf'));
		expect(locked.code).toBe('content_unreadable');
		expect(locked.message).toMatch(/password/);
	});

	it('says a PDF without a text layer has no text', async () => {
		const err = await failure(named(makePdf([[]]), 'scan.pdf'));
		expect(err.code).toBe('content_unreadable');
		expect(err.message).toMatch(/no text/);
	});

	it('gives a clear reason for a corrupt DOCX', async () => {
		const notZip = await failure(named('PK\u0003\u0004 garbage that is not a zip', 'a.docx'));
		expect(notZip.code).toBe('content_unreadable');
		const noDocument = await failure(named(makeZip([{ name: 'x.xml', text: '<x/>' }]), 'b.docx'));
		expect(noDocument.code).toBe('content_unreadable');
		expect(noDocument.message).toMatch(/Word document/);
	});

	it('refuses a PDF or DOCX over the size limit before reading it', async () => {
		const pdf = named(makePdf([['x']]), 'big.pdf');
		const err = await failure(pdf, { ...options, limits: { documentBytes: 100 } });
		expect(err.code).toBe('content_too_large');
	});
});

describe('ingestFile: streaming behaviour', () => {
	it('cuts a huge single line into bounded chunks and loses no text', async () => {
		const line = words(40_000);
		const chunks = await collect(ingestFile(named(line, 'one-line.txt')));
		expect(chunks.length).toBeGreaterThan(100);
		for (const c of chunks) {
			expect(c.startLine).toBe(1);
			expect(c.text.length).toBeLessThan(4000);
		}
		// Every word is in some chunk, in order (overlap repeats some, never drops any).
		let at = 0;
		const all = chunks.map((c) => c.text).join(' ');
		for (const w of ['word0', 'word1000', 'word20000', 'word39999']) {
			const i = all.indexOf(w, at);
			expect(i).toBeGreaterThanOrEqual(at);
			at = i;
		}
	});

	it('stops with `aborted` when cancelled mid-file, having read only part of it', async () => {
		const text = Array.from({ length: 20_000 }, (_, i) => `Line ${i} ${words(12)}`).join('\n');
		const controller = new AbortController();
		const progress: IngestProgress[] = [];
		const seen: ChunkData[] = [];
		let error: unknown;
		try {
			for await (const chunk of ingestFile(named(text, 'long.txt'), {
				signal: controller.signal,
				onProgress: (p) => progress.push(p)
			})) {
				seen.push(chunk);
				if (seen.length === 5) controller.abort();
			}
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('aborted');
		expect(seen).toHaveLength(5);
		const last = progress.at(-1) as IngestProgress;
		expect(last.unit).toBe('bytes');
		expect(last.done).toBeLessThan(text.length);
	});

	it('reports byte progress up to the whole file and the chunk count', async () => {
		const text = Array.from({ length: 5000 }, (_, i) => `Line ${i} ${words(10)}`).join('\n');
		const progress: IngestProgress[] = [];
		const chunks = await collect(
			ingestFile(named(text, 'long.txt'), { onProgress: (p) => progress.push(p) })
		);
		const last = progress.at(-1) as IngestProgress;
		expect(last).toEqual({
			done: text.length,
			total: text.length,
			unit: 'bytes',
			chunks: chunks.length
		});
	});

	it('reports PDF progress in pages', async () => {
		const progress: IngestProgress[] = [];
		await collect(
			ingestFile(named(makePdf([['one'], ['two'], ['three']]), 'p.pdf'), {
				...options,
				onProgress: (p) => progress.push(p)
			})
		);
		const pages = progress.filter((p) => p.unit === 'pages').map((p) => p.done);
		expect([...new Set(pages)]).toEqual([0, 1, 2, 3]);
		expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, chunks: 1 });
	});
});

describe('hashing and dedupe', () => {
	it('gives identical passages the same hash across documents, and different ones different', async () => {
		const shared = 'This paragraph appears in both files.';
		const a = await collect(ingestFile(named(`${shared}`, 'a.txt')));
		const b = await collect(parsePasted(shared));
		const c = await collect(parsePasted(`${shared}!`));
		expect(a[0]?.hash).toBe(b[0]?.hash);
		expect(c[0]?.hash).not.toBe(a[0]?.hash);
		expect(a[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
	});
});

describe('parsePasted', () => {
	it('uses the parser the name implies', async () => {
		const py = await collect(
			parsePasted('def a():\n    return 1\n\ndef b():\n    return 2\n', 'x.py', {
				chunking: { minTokens: 1, targetTokens: 4 }
			})
		);
		expect(py.map((c) => c.symbol)).toEqual(['a', 'b']);
		const plain = await collect(parsePasted('# not a heading in plain text'));
		expect(plain[0]?.headings).toBeUndefined();
	});

	it('refuses blank text and honours cancellation', async () => {
		await expect(collect(parsePasted('   '))).rejects.toMatchObject({ code: 'content_unreadable' });
		const controller = new AbortController();
		controller.abort();
		await expect(
			collect(parsePasted('hello', undefined, { signal: controller.signal }))
		).rejects.toMatchObject({
			code: 'aborted'
		});
	});
});
