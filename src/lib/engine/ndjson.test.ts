import { describe, expect, it } from 'vitest';
import { readNdjsonLines } from '$lib/engine/ndjson';

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	return new ReadableStream<Uint8Array>({
		start(controller) {
			for (const chunk of chunks) {
				controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
			}
			controller.close();
		}
	});
}

async function allLines(stream: ReadableStream<Uint8Array>): Promise<string[]> {
	const lines: string[] = [];
	for await (const line of readNdjsonLines(stream)) lines.push(line);
	return lines;
}

describe('readNdjsonLines', () => {
	it('reassembles lines split across chunks, with CRLF, blanks and a final unterminated line', async () => {
		const lines = await allLines(streamOf(['{"a":', '1}\r\n\r\n{"b"', ':2}\n  \n', '{"c":3}']));
		expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
	});

	it('decodes a multi-byte character split between chunks', async () => {
		const bytes = new TextEncoder().encode('{"t":"a👩‍💻é"}\n');
		const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
		expect(await allLines(streamOf(chunks))).toEqual(['{"t":"a👩‍💻é"}']);
	});

	it('cancels the stream when the consumer stops early', async () => {
		let cancelled = false;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				controller.enqueue(new TextEncoder().encode('{"n":1}\n'));
			},
			cancel() {
				cancelled = true;
			}
		});
		for await (const line of readNdjsonLines(stream)) {
			expect(line).toBe('{"n":1}');
			break;
		}
		expect(cancelled).toBe(true);
	});

	it('rethrows a read failure after the lines that arrived', async () => {
		const failure = new TypeError('terminated');
		let sent = false;
		const stream = new ReadableStream<Uint8Array>({
			// error() discards queued chunks, so the failure must come on a later pull.
			pull(controller) {
				if (sent) return controller.error(failure);
				sent = true;
				controller.enqueue(new TextEncoder().encode('{"n":1}\n{"n":'));
			}
		});
		const seen: string[] = [];
		await expect(
			(async () => {
				for await (const line of readNdjsonLines(stream)) seen.push(line);
			})()
		).rejects.toBe(failure);
		expect(seen).toEqual(['{"n":1}']);
	});
});
