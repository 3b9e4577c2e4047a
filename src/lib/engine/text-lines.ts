/**
 * Streaming line reader over a byte stream, shared by the NDJSON and SSE readers: yields every
 * line (empty ones too) without its ending, as soon as it is complete. `ending` says what ends
 * a line (NDJSON: LF or CRLF; SSE: CR, LF or CRLF); its flags are ignored.
 *
 * Invariants: multi-byte characters split across chunks are decoded whole; a CR that ends a
 * chunk is held back, since the LF of a CRLF may start the next chunk; at end of stream a last
 * CR ends the last line (SSE) or is half a CRLF that never finished (NDJSON), so it is dropped
 * either way and the rest is yielded, even with no ending. A read failure is rethrown unchanged.
 * If the consumer stops early, the stream is cancelled so the connection closes instead of
 * draining in the background. The default decoder drops one leading BOM, as SSE asks.
 */
export async function* readTextLines(
	stream: ReadableStream<Uint8Array>,
	ending: RegExp
): AsyncGenerator<string> {
	// A private global copy: exec() keeps its position in lastIndex.
	const pattern = new RegExp(ending.source, 'g');
	const reader = stream.getReader();
	const decoder = new TextDecoder('utf-8');
	let buffered = '';
	let finished = false;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) {
				finished = true;
				buffered += decoder.decode();
				break;
			}
			buffered += decoder.decode(value, { stream: true });
			const { lines, rest } = takeLines(buffered, pattern);
			buffered = rest;
			yield* lines;
		}
		const last = buffered.endsWith('\r') ? buffered.slice(0, -1) : buffered;
		yield* last.split(pattern);
	} finally {
		// Cancelling an already-failed stream rejects with the original error: nothing to add.
		if (!finished) await reader.cancel().catch(() => undefined);
		reader.releaseLock();
	}
}

/** Splits off every complete line, holding back a CR at the very end (see above). */
function takeLines(text: string, ending: RegExp): { lines: string[]; rest: string } {
	const lines: string[] = [];
	ending.lastIndex = 0;
	let start = 0;
	for (let match = ending.exec(text); match !== null; match = ending.exec(text)) {
		if (match[0] === '\r' && match.index === text.length - 1) break;
		lines.push(text.slice(start, match.index));
		start = match.index + match[0].length;
	}
	return { lines, rest: text.slice(start) };
}
