import type { getDocument } from 'pdfjs-dist';
import type { ParsedSection } from '$lib/types/knowledge';
import { throwIfAborted, unreadable } from './errors';

// PDF: the text layer of each page through pdfjs-dist, one section per page. A scanned PDF has
// no text layer and yields nothing (ingest then says so). pdfjs is passed in, because the browser
// and Node load different builds (see pdf-browser.ts and the tests).

export interface PdfjsLib {
	getDocument: typeof getDocument;
}

/** pdfjs error names (its exception classes are not all exported). */
const PASSWORD = 'PasswordException';
const INVALID = 'InvalidPDFException';

function errorName(e: unknown): string {
	return e instanceof Error || (typeof e === 'object' && e !== null && 'name' in e)
		? String((e as { name: unknown }).name)
		: '';
}

function pdfError(name: string, e: unknown): Error {
	const kind = errorName(e);
	if (kind === PASSWORD) {
		return unreadable(
			name,
			'it is protected by a password. Save a copy without one and add that.',
			e
		);
	}
	if (kind === INVALID) {
		return unreadable(name, 'it is not a valid PDF (the file is damaged or incomplete).', e);
	}
	return unreadable(name, 'the PDF is damaged or uses features Hearth cannot read.', e);
}

export async function* parsePdf(
	name: string,
	data: Uint8Array,
	lib: PdfjsLib,
	signal: AbortSignal | undefined,
	onPage: (done: number, total: number) => void
): AsyncGenerator<ParsedSection> {
	const task = lib.getDocument({
		data,
		// No eval (our CSP forbids it) and no font loading: we only want the text.
		isEvalSupported: false,
		disableFontFace: true,
		verbosity: 0
	});
	const abort = () => void task.destroy();
	signal?.addEventListener('abort', abort, { once: true });
	try {
		let doc;
		try {
			doc = await task.promise;
		} catch (e) {
			throwIfAborted(signal);
			throw pdfError(name, e);
		}
		onPage(0, doc.numPages);
		for (let p = 1; p <= doc.numPages; p++) {
			throwIfAborted(signal);
			let text = '';
			try {
				const page = await doc.getPage(p);
				const content = await page.getTextContent();
				for (const item of content.items) {
					if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
				}
				page.cleanup();
			} catch (e) {
				throwIfAborted(signal);
				throw pdfError(name, e);
			}
			onPage(p, doc.numPages);
			if (text.trim() !== '') yield { text: text.trim(), page: p };
		}
	} finally {
		signal?.removeEventListener('abort', abort);
		await task.destroy().catch(() => undefined);
	}
}
