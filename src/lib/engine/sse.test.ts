import { describe, expect, it } from 'vitest';
import { readSseEvents } from '$lib/engine/sse';
import type { SseEvent } from '$lib/engine/sse';

const encoder = new TextEncoder();

/** A stream that delivers exactly these byte chunks, in order. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
	let i = 0;
	return new ReadableStream({
		pull(controller) {
			const chunk = chunks[i++];
			if (chunk === undefined) controller.close();
			else controller.enqueue(chunk);
		}
	});
}

/** Cuts the UTF-8 bytes of `text` at the given byte offsets. */
function splitAt(text: string, offsets: number[]): Uint8Array[] {
	const bytes = encoder.encode(text);
	const cuts = [0, ...offsets, bytes.length];
	return cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end));
}

/** Every byte on its own: the harshest chunking there is. */
function byteByByte(text: string): Uint8Array[] {
	return Array.from(encoder.encode(text), (b) => Uint8Array.of(b));
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
	const events: SseEvent[] = [];
	for await (const event of readSseEvents(stream)) events.push(event);
	return events;
}

describe('readSseEvents', () => {
	it('yields data events separated by blank lines', async () => {
		const text = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
		expect(await collect(streamOf([encoder.encode(text)]))).toEqual([
			{ data: '{"a":1}' },
			{ data: '{"b":2}' },
			{ data: '[DONE]' }
		]);
	});

	it('joins multi-line data with \\n and keeps only one leading space off each value', async () => {
		const text = 'data: first\ndata:second\ndata:  third\ndata\n\n';
		expect(await collect(streamOf([encoder.encode(text)]))).toEqual([
			{ data: 'first\nsecond\n third\n' }
		]);
	});

	it('skips comments, ignores id and retry, and drops events without data', async () => {
		const text = ': keep-alive\n\nid: 7\nretry: 1000\n\n:comment\ndata: x\n: inside\n\n';
		expect(await collect(streamOf([encoder.encode(text)]))).toEqual([{ data: 'x' }]);
	});

	it('names events with event: and forgets the name after each dispatch', async () => {
		const text =
			'event: error\ndata: {"message":"boom"}\n\ndata: plain\n\nevent: lonely\n\ndata: y\n\n';
		expect(await collect(streamOf([encoder.encode(text)]))).toEqual([
			{ event: 'error', data: '{"message":"boom"}' },
			{ data: 'plain' },
			{ data: 'y' }
		]);
	});

	it.each([
		['LF', '\n'],
		['CR', '\r'],
		['CRLF', '\r\n']
	])('accepts %s line endings, whole or byte by byte', async (_name, eol) => {
		const text = `data: one${eol}data: two${eol}${eol}: c${eol}data: three${eol}${eol}`;
		const expected = [{ data: 'one\ntwo' }, { data: 'three' }];
		expect(await collect(streamOf([encoder.encode(text)]))).toEqual(expected);
		expect(await collect(streamOf(byteByByte(text)))).toEqual(expected);
	});

	it('does not see an empty line when a CRLF is split between chunks', async () => {
		// If the CR were taken as a line end on its own, the LF would end an empty line and
		// dispatch "a" before "b" arrives.
		const chunks = [encoder.encode('data: a\r'), encoder.encode('\ndata: b\r\n\r\n')];
		expect(await collect(streamOf(chunks))).toEqual([{ data: 'a\nb' }]);
	});

	it('decodes multi-byte characters split across chunks', async () => {
		const text = 'data: héllo 👩‍👩‍👧 世界\n\n';
		// Offset 8 falls inside "é" (2 bytes at 7..8); 15 inside the first emoji (4 bytes at 13..16).
		expect(await collect(streamOf(splitAt(text, [8, 15, 16, 30])))).toEqual([
			{ data: 'héllo 👩‍👩‍👧 世界' }
		]);
		expect(await collect(streamOf(byteByByte(text)))).toEqual([{ data: 'héllo 👩‍👩‍👧 世界' }]);
	});

	it('yields a final event whose blank line never came', async () => {
		expect(await collect(streamOf([encoder.encode('data: 1\n\ndata: last')]))).toEqual([
			{ data: '1' },
			{ data: 'last' }
		]);
		expect(await collect(streamOf([encoder.encode('data: last\r')]))).toEqual([{ data: 'last' }]);
	});

	it('drops a leading byte-order mark', async () => {
		const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, ...encoder.encode('data: x\n\n'));
		expect(await collect(streamOf([bytes]))).toEqual([{ data: 'x' }]);
	});

	it('rethrows a read failure after the events before it', async () => {
		let sent = false;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent) return controller.error(new TypeError('socket hang up'));
				sent = true;
				controller.enqueue(encoder.encode('data: before\n\n'));
			}
		});
		const events: SseEvent[] = [];
		const failure = await (async () => {
			for await (const event of readSseEvents(stream)) events.push(event);
		})().catch((e: unknown) => e);
		expect(events).toEqual([{ data: 'before' }]);
		expect(failure).toBeInstanceOf(TypeError);
	});

	it('cancels the stream when the consumer stops early', async () => {
		let cancelled = false;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				controller.enqueue(encoder.encode('data: again\n\n'));
			},
			cancel() {
				cancelled = true;
			}
		});
		for await (const event of readSseEvents(stream)) {
			expect(event.data).toBe('again');
			break;
		}
		expect(cancelled).toBe(true);
	});
});
