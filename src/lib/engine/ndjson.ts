import { readTextLines } from '$lib/engine/text-lines';

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
	for await (const line of readTextLines(stream, /\r?\n/)) {
		// A line of only ASCII blanks counts as empty. Unicode spaces are kept so a line that is
		// not valid JSON is never made valid by trimming.
		if (!/^[ \t\r]*$/.test(line)) yield line;
	}
}
