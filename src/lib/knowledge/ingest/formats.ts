// Which parser reads a file: decided from its name, its MIME type and its first bytes. The bytes
// win where they are certain (a PDF named .txt is still a PDF; a PNG named .md is still binary).

export type CodeFamily = 'brace' | 'python' | 'ruby' | 'shell';

export type IngestFormat =
	| { kind: 'text' }
	| { kind: 'markdown' }
	| { kind: 'code'; language: string; family: CodeFamily }
	| { kind: 'csv'; delimiter: ',' | '\t' | ';' }
	| { kind: 'json' }
	| { kind: 'html' }
	| { kind: 'pdf' }
	| { kind: 'docx' };

/** Extension → language, and the splitter family that finds its functions and classes. */
const CODE: Record<string, [string, CodeFamily]> = {
	js: ['javascript', 'brace'],
	mjs: ['javascript', 'brace'],
	cjs: ['javascript', 'brace'],
	jsx: ['javascript', 'brace'],
	ts: ['typescript', 'brace'],
	mts: ['typescript', 'brace'],
	cts: ['typescript', 'brace'],
	tsx: ['typescript', 'brace'],
	svelte: ['svelte', 'brace'],
	vue: ['vue', 'brace'],
	go: ['go', 'brace'],
	rs: ['rust', 'brace'],
	java: ['java', 'brace'],
	c: ['c', 'brace'],
	h: ['c', 'brace'],
	cc: ['cpp', 'brace'],
	cpp: ['cpp', 'brace'],
	cxx: ['cpp', 'brace'],
	hpp: ['cpp', 'brace'],
	hh: ['cpp', 'brace'],
	cs: ['csharp', 'brace'],
	kt: ['kotlin', 'brace'],
	kts: ['kotlin', 'brace'],
	swift: ['swift', 'brace'],
	scala: ['scala', 'brace'],
	dart: ['dart', 'brace'],
	php: ['php', 'brace'],
	css: ['css', 'brace'],
	scss: ['scss', 'brace'],
	py: ['python', 'python'],
	pyi: ['python', 'python'],
	rb: ['ruby', 'ruby'],
	sh: ['shell', 'shell'],
	bash: ['shell', 'shell'],
	zsh: ['shell', 'shell']
};

const TEXT_EXT = new Set([
	'txt',
	'text',
	'log',
	'rst',
	'org',
	'ini',
	'cfg',
	'conf',
	'toml',
	'yaml',
	'yml',
	'xml',
	'sql',
	'env',
	'gitignore',
	'dockerfile',
	'makefile'
]);

export function extensionOf(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? name;
	const dot = base.lastIndexOf('.');
	// A dotfile such as ".gitignore" has no extension but its name says what it is.
	return (dot > 0 ? base.slice(dot + 1) : dot === 0 ? base.slice(1) : base).toLowerCase();
}

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
	return magic.every((b, i) => head[i] === b);
}

/** Known binary containers that are not text, with a word a person recognises. */
const BINARY_MAGIC: readonly [readonly number[], string][] = [
	[[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
	[[0xff, 0xd8, 0xff], 'a JPEG image'],
	[[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
	[[0x52, 0x49, 0x46, 0x46], 'a RIFF media file (WebP, WAV or AVI)'],
	[[0x1f, 0x8b], 'a gzip archive'],
	[[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
	[[0x4d, 0x5a], 'a Windows program'],
	[[0x00, 0x61, 0x73, 0x6d], 'a WebAssembly module'],
	[[0x49, 0x44, 0x33], 'an MP3 file'],
	[[0x25, 0x21, 0x50, 0x53], 'a PostScript file'],
	[[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
	[[0xd0, 0xcf, 0x11, 0xe0], 'an old Office file (.doc/.xls); save it as .docx or PDF']
];
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export type Detection = { ok: true; format: IngestFormat } | { ok: false; reason: string };

/** `head` is the file's first bytes (a few KB is plenty). */
export function detectFormat(name: string, mime: string, head: Uint8Array): Detection {
	const ext = extensionOf(name);
	const type = mime.split(';')[0]?.trim().toLowerCase() ?? '';
	if (startsWith(head, PDF_MAGIC)) return { ok: true, format: { kind: 'pdf' } };
	if (startsWith(head, ZIP_MAGIC)) {
		if (ext === 'docx' || type.includes('wordprocessingml')) {
			return { ok: true, format: { kind: 'docx' } };
		}
		return { ok: false, reason: `${ext ? `.${ext}` : 'This file'} is a zip archive` };
	}
	for (const [magic, what] of BINARY_MAGIC) {
		if (startsWith(head, magic)) return { ok: false, reason: `It is ${what}` };
	}
	// Claimed PDF or DOCX without the right first bytes: a damaged or renamed file.
	if (ext === 'pdf' || type === 'application/pdf') return { ok: true, format: { kind: 'pdf' } };
	if (ext === 'docx') return { ok: true, format: { kind: 'docx' } };
	const code = CODE[ext];
	if (code) return { ok: true, format: { kind: 'code', language: code[0], family: code[1] } };
	if (ext === 'md' || ext === 'markdown' || ext === 'mdx' || type === 'text/markdown') {
		return { ok: true, format: { kind: 'markdown' } };
	}
	if (ext === 'csv' || type === 'text/csv') {
		return { ok: true, format: { kind: 'csv', delimiter: ',' } };
	}
	if (ext === 'tsv' || type === 'text/tab-separated-values') {
		return { ok: true, format: { kind: 'csv', delimiter: '\t' } };
	}
	if (ext === 'json' || type === 'application/json') return { ok: true, format: { kind: 'json' } };
	if (ext === 'html' || ext === 'htm' || ext === 'xhtml' || type === 'text/html') {
		return { ok: true, format: { kind: 'html' } };
	}
	if (TEXT_EXT.has(ext) || type.startsWith('text/') || type === '' || type.endsWith('+xml')) {
		return { ok: true, format: { kind: 'text' } };
	}
	// Unknown extensions and MIME types: read as text if the bytes look like text (checked next).
	return { ok: true, format: { kind: 'text' } };
}
