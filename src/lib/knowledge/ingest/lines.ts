import type { TextEncoding } from './sniff';
import { throwIfAborted } from './errors';

// Reading text files piece by piece: Blob slices' streams through TextDecoderStream, then lines. Memory
// stays bounded by the stream's piece size plus one line, and a line is itself cut at
// `maxLineChars`, so even a 50 MB file with no line breaks is read in bounded pieces.

export interface Line {
	text: string;
	/** 1-based line number in the file. */
	no: number;
	/** A piece of a line longer than the limit: more of the same line follows. */
	partial: boolean;
}

/** Longest piece of one line handed on at once. */
export const MAX_LINE_CHARS = 16 * 1024;

/** Bytes read from the file at a time. */
export const PIECE_BYTES = 64 * 1024;

/**
 * The file's bytes in pieces of at most `PIECE_BYTES`. Pieces come from Blob slices rather than
 * `blob.stream()` itself, because an in-memory Blob's stream may hand over everything in one piece
 * (Node's does); slicing bounds memory whatever backs the Blob.
 */
function blobPieces(
	blob: Blob,
	onBytes?: (bytesRead: number) => void
): ReadableStream<BufferSource> {
	let offset = 0;
	return new ReadableStream<BufferSource>(
		{
			async pull(controller) {
				if (offset >= blob.size) return controller.close();
				const end = Math.min(blob.size, offset + PIECE_BYTES);
				const reader = blob.slice(offset, end).stream().getReader();
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					controller.enqueue(value);
				}
				offset = end;
				onBytes?.(offset);
			}
		},
		{ highWaterMark: 1 }
	);
}

export async function* readTextPieces(
	blob: Blob,
	encoding: TextEncoding,
	signal?: AbortSignal,
	onBytes?: (bytesRead: number) => void
): AsyncGenerator<string> {
	let bytesRead = 0;
	const reader = blobPieces(blob, (n) => (bytesRead = n))
		.pipeThrough(new TextDecoderStream(encoding))
		.getReader();
	try {
		for (;;) {
			throwIfAborted(signal);
			const { done, value } = await reader.read();
			if (done) return;
			onBytes?.(bytesRead);
			if (value) yield value;
		}
	} finally {
		// Stops reading the file when the consumer stops early (cancel or error).
		await reader.cancel().catch(() => undefined);
	}
}

/** Where to cut an over-long line: at a space near the limit, never inside a surrogate pair. */
function cutAt(text: string, limit: number): number {
	const space = text.lastIndexOf(' ', limit);
	let cut = space > limit * 0.8 ? space + 1 : limit;
	const c = text.charCodeAt(cut - 1);
	if (c >= 0xd800 && c <= 0xdbff) cut--;
	return cut;
}

export async function* splitLines(
	pieces: AsyncIterable<string>,
	maxLineChars = MAX_LINE_CHARS
): AsyncGenerator<Line> {
	let buffer = '';
	let no = 1;
	for await (const piece of pieces) {
		buffer += piece;
		let start = 0;
		for (;;) {
			const nl = buffer.indexOf('\n', start);
			if (nl < 0) break;
			const end = nl > start && buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
			if (end - start > maxLineChars) {
				// A long line that arrived whole: hand it on in pieces too.
				let rest = buffer.slice(start, end);
				while (rest.length > maxLineChars) {
					const cut = cutAt(rest, maxLineChars);
					yield { text: rest.slice(0, cut), no, partial: true };
					rest = rest.slice(cut);
				}
				yield { text: rest, no, partial: false };
			} else {
				yield { text: buffer.slice(start, end), no, partial: false };
			}
			no++;
			start = nl + 1;
		}
		buffer = buffer.slice(start);
		while (buffer.length > maxLineChars) {
			const cut = cutAt(buffer, maxLineChars);
			yield { text: buffer.slice(0, cut), no, partial: true };
			buffer = buffer.slice(cut);
		}
	}
	if (buffer.length > 0) yield { text: buffer.replace(/\r$/, ''), no, partial: false };
}

/** Lines of an in-memory string (pasted text, extracted PDF/DOCX/HTML text). */
export async function* stringPieces(text: string): AsyncGenerator<string> {
	yield text;
}
