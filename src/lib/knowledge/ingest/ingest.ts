import type { HtmlParser } from '$lib/net/readable';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { ChunkData, ParsedSection } from '$lib/types/knowledge';
import { chunkSections, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './chunker';
import { throwIfAborted, tooLarge, unreadable, unsupported } from './errors';
import { detectFormat, type IngestFormat } from './formats';
import { sha256Hex } from '$lib/knowledge/store/hash';
import { readTextPieces, splitLines, stringPieces, type Line } from './lines';
import { parseCode } from './parse-code';
import { parseCsv } from './parse-csv';
import { docxToText } from './parse-docx';
import { htmlToText } from './parse-html';
import { parseJson } from './parse-json';
import { parseMarkdown } from './parse-markdown';
import { parsePdf, type PdfjsLib } from './parse-pdf';
import { parseText } from './parse-text';
import { SNIFF_BYTES, sniffText, type TextEncoding } from './sniff';

// The one way into the knowledge base: a file (or pasted text) in, chunks out, one at a time, so
// the caller embeds and stores as they come. Text, Markdown, code and CSV are streamed from the
// Blob with bounded memory; PDF, DOCX, HTML and JSON are parsed whole, under a size limit.
// Every failure is a HearthError: content_unreadable, content_too_large, not_supported, aborted.

export interface IngestLimits {
	/** PDF and DOCX are read whole. */
	documentBytes: number;
	/** HTML and JSON are parsed whole; JSON over the limit is indexed as plain text instead. */
	markupBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
	documentBytes: 100 * 1024 * 1024,
	markupBytes: 20 * 1024 * 1024
};

export interface IngestProgress {
	/** Bytes read (streamed files, PDF/DOCX once loaded) or pages done (PDF). */
	done: number;
	total: number;
	unit: 'bytes' | 'pages';
	chunks: number;
}

export interface IngestOptions {
	signal?: AbortSignal;
	onProgress?: (progress: IngestProgress) => void;
	/** Builds a Document for HTML files; the browser's DOMParser by default (absent in workers). */
	htmlParser?: HtmlParser;
	/** Loads pdfjs; by default its browser build with the worker served from our origin. */
	loadPdfjs?: () => Promise<PdfjsLib>;
	chunking?: Partial<ChunkOptions>;
	limits?: Partial<IngestLimits>;
}

export type NamedBlob = Blob & { name: string };

type Report = (done: number, total: number, unit: IngestProgress['unit']) => void;

async function defaultHtmlParser(): Promise<HtmlParser | null> {
	if (typeof DOMParser === 'undefined') return null;
	return (await import('$lib/net/readable')).browserHtmlParser;
}

async function defaultPdfjs(): Promise<PdfjsLib> {
	return (await import('./pdf-browser')).loadBrowserPdfjs();
}

function lineSource(format: IngestFormat, lines: AsyncIterable<Line>, target: number) {
	switch (format.kind) {
		case 'markdown':
			return parseMarkdown(lines);
		case 'code':
			return parseCode(lines, format.language, format.family);
		case 'csv':
			return parseCsv(lines, target);
		default:
			return parseText(lines);
	}
}

/** CSV groups are sized by the parser: one group per chunk, no overlap, no packing. */
function chunkingFor(format: IngestFormat, base: ChunkOptions): ChunkOptions {
	if (format.kind === 'csv') return { ...base, packSections: false, overlapRatio: 0 };
	if (format.kind === 'json') return { ...base, overlapRatio: 0 };
	return base;
}

async function wholeText(
	name: string,
	blob: Blob,
	limit: number,
	encoding: TextEncoding
): Promise<string> {
	if (blob.size > limit) throw tooLarge(name, blob.size, limit);
	return new TextDecoder(encoding).decode(await blob.arrayBuffer());
}

/** `keepLines` off for text extracted from HTML or DOCX: its line numbers mean nothing to a reader. */
async function* stringSections(
	format: IngestFormat,
	text: string,
	target: number,
	keepLines = true
): AsyncGenerator<ParsedSection> {
	for await (const section of lineSource(format, splitLines(stringPieces(text)), target)) {
		if (keepLines) yield section;
		else yield { ...section, startLine: undefined, endLine: undefined };
	}
}

async function* sectionsOf(
	file: NamedBlob,
	format: IngestFormat,
	head: Uint8Array,
	options: IngestOptions,
	chunking: ChunkOptions,
	report: Report
): AsyncGenerator<ParsedSection> {
	const { name, size } = file;
	const limits = { ...DEFAULT_INGEST_LIMITS, ...options.limits };
	if (format.kind === 'pdf' || format.kind === 'docx') {
		if (size > limits.documentBytes) throw tooLarge(name, size, limits.documentBytes);
		const data = await file.arrayBuffer();
		report(size, size, 'bytes');
		throwIfAborted(options.signal);
		if (format.kind === 'docx') {
			yield* stringSections({ kind: 'markdown' }, await docxToText(name, data), 0, false);
			return;
		}
		const lib = await (options.loadPdfjs ?? defaultPdfjs)();
		yield* parsePdf(name, new Uint8Array(data), lib, options.signal, (done, total) =>
			report(done, total, 'pages')
		);
		return;
	}
	const sniff = sniffText(head);
	if (!sniff.ok) throw unsupported(name, sniff.reason);
	if (format.kind === 'html') {
		const parse = options.htmlParser ?? (await defaultHtmlParser());
		if (!parse) throw unsupported(name, 'HTML can only be read where a page parser is available.');
		const text = htmlToText(
			await wholeText(name, file, limits.markupBytes, sniff.encoding),
			name,
			parse
		);
		report(size, size, 'bytes');
		yield* stringSections({ kind: 'markdown' }, text, 0, false);
		return;
	}
	if (format.kind === 'json' && size <= limits.markupBytes && sniff.encoding === 'utf-8') {
		const text = await wholeText(name, file, limits.markupBytes, 'utf-8');
		report(size, size, 'bytes');
		let sections: ParsedSection[] | null = null;
		try {
			sections = parseJson(text);
		} catch {
			// Not valid JSON (or JSON Lines): its text is still worth indexing as it is.
		}
		if (sections) yield* sections;
		else yield* stringSections({ kind: 'text' }, text, 0);
		return;
	}
	const pieces = readTextPieces(file, sniff.encoding, options.signal, (bytes) =>
		report(bytes, size, 'bytes')
	);
	yield* lineSource(format, splitLines(pieces), chunking.targetTokens);
}

/** Numbers and hashes chunks; stops on abort; a document with no text at all is an error. */
async function* finish(
	name: string,
	drafts: AsyncIterable<Omit<ChunkData, 'ordinal' | 'hash'>>,
	signal: AbortSignal | undefined,
	onChunk: (count: number) => void
): AsyncGenerator<ChunkData> {
	let ordinal = 0;
	for await (const draft of drafts) {
		throwIfAborted(signal);
		const hash = await sha256Hex(draft.text);
		throwIfAborted(signal);
		yield { ordinal, ...draft, hash };
		onChunk(++ordinal);
	}
	if (ordinal === 0) {
		throw unreadable(name, 'it contains no text (a scanned PDF or an image needs OCR first).');
	}
}

function asIngestError(name: string, e: unknown): HearthError {
	const err = toHearthError(e);
	if (err.code === 'aborted') return err;
	if (e instanceof HearthError) return e;
	// Anything else thrown by a parser library means the file could not be understood.
	return unreadable(name, 'the file is damaged or not in the format its name says.', e);
}

export async function* ingestFile(
	file: NamedBlob,
	options: IngestOptions = {}
): AsyncGenerator<ChunkData> {
	const { signal, onProgress } = options;
	const name = file.name || 'This file';
	const chunkingBase = { ...DEFAULT_CHUNK_OPTIONS, ...options.chunking };
	const state: IngestProgress = { done: 0, total: file.size, unit: 'bytes', chunks: 0 };
	const report: Report = (done, total, unit) => {
		Object.assign(state, { done, total, unit });
		onProgress?.({ ...state });
	};
	try {
		throwIfAborted(signal);
		if (file.size === 0) throw unreadable(name, 'the file is empty.');
		const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
		const detected = detectFormat(name, file.type, head);
		if (!detected.ok) throw unsupported(name, `${detected.reason}.`);
		const chunking = chunkingFor(detected.format, chunkingBase);
		const sections = sectionsOf(file, detected.format, head, options, chunking, report);
		yield* finish(name, chunkSections(sections, chunking), signal, (chunks) => {
			state.chunks = chunks;
			onProgress?.({ ...state });
		});
	} catch (e) {
		throw asIngestError(name, e);
	}
}

/**
 * Pasted text, chunked like a file of that `name` would be (a name ending in .md or .py picks
 * that parser; without one it is plain text). PDF and DOCX names are refused: paste their text.
 */
export async function* parsePasted(
	text: string,
	name = 'Pasted text',
	options: Pick<IngestOptions, 'signal' | 'chunking' | 'htmlParser'> = {}
): AsyncGenerator<ChunkData> {
	try {
		throwIfAborted(options.signal);
		const head = new TextEncoder().encode(text.slice(0, 1024));
		const detected = detectFormat(name, 'text/plain', head);
		let format: IngestFormat =
			detected.ok && detected.format.kind !== 'pdf' && detected.format.kind !== 'docx'
				? detected.format
				: { kind: 'text' };
		const chunking = chunkingFor(format, { ...DEFAULT_CHUNK_OPTIONS, ...options.chunking });
		let sections: AsyncIterable<ParsedSection> | Iterable<ParsedSection>;
		if (format.kind === 'json') {
			try {
				sections = parseJson(text);
			} catch {
				format = { kind: 'text' };
				sections = stringSections(format, text, 0);
			}
		} else if (format.kind === 'html' && options.htmlParser) {
			sections = stringSections(
				{ kind: 'markdown' },
				htmlToText(text, name, options.htmlParser),
				0
			);
		} else {
			if (format.kind === 'html') format = { kind: 'text' };
			sections = stringSections(format, text, chunking.targetTokens);
		}
		yield* finish(name, chunkSections(sections, chunking), options.signal, () => undefined);
	} catch (e) {
		throw asIngestError(name, e);
	}
}
