/**
 * Streaming NDJSON line reader: yields each non-blank line of a byte stream, without its line
 * ending, as soon as the line is complete. Parsing is left to the caller so it can decide what a
 * bad line means (Ollama: `engine_malformed`).
 *
 * Invariants: multi-byte characters split across chunks are decoded whole (TextDecoder with
 * `stream: true`); `\r\n` and `\n` both end a line; a final line without a newline is still
 * yielded; a read failure is rethrown unchanged. If the consumer stops early (break/return), the
 * stream is cancelled so the underlying connection closes instead of draining in the background.
 */
export async function* readNdjsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
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
			let newline = buffered.indexOf('\n');
			while (newline !== -1) {
				const line = trimLine(buffered.slice(0, newline));
				buffered = buffered.slice(newline + 1);
				if (line !== '') yield line;
				newline = buffered.indexOf('\n');
			}
		}
		const last = trimLine(buffered);
		if (last !== '') yield last;
	} finally {
		// Cancelling an already-failed stream rejects with the original error: nothing to add.
		if (!finished) await reader.cancel().catch(() => undefined);
		reader.releaseLock();
	}
}

/**
 * Drops a CRLF's `\r`; a line of only ASCII blanks counts as empty. Unicode spaces are kept so a
 * line that is not valid JSON is never made valid by trimming.
 */
function trimLine(line: string): string {
	const text = line.endsWith('\r') ? line.slice(0, -1) : line;
	return /^[ \t\r]*$/.test(text) ? '' : text;
}
