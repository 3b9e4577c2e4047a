import { describe, expect, it } from 'vitest';
import { readTextLines } from '$lib/engine/text-lines';

const encoder = new TextEncoder();
const ANY_ENDING = /\r\n|\r|\n/;
const LF_ENDING = /\r?\n/;

/** A stream that delivers exactly these chunks, in order; counts cancellations. */
function streamOf(chunks: Array<string | Uint8Array>): {
	stream: ReadableStream<Uint8Array>;
	cancelled: () => number;
} {
	let i = 0;
	let cancels = 0;
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			const chunk = chunks[i++];
			if (chunk === undefined) controller.close();
			else controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
		},
		cancel() {
			cancels += 1;
		}
	});
	return { stream, cancelled: () => cancels };
}

async function lines(chunks: Array<string | Uint8Array>, ending: RegExp): Promise<string[]> {
	const seen: string[] = [];
	for await (const line of readTextLines(streamOf(chunks).stream, ending)) seen.push(line);
	return seen;
}

describe('readTextLines', () => {
	it('yields empty lines too, and a last line with no ending', async () => {
		expect(await lines(['a\n\nb\nc'], ANY_ENDING)).toEqual(['a', '', 'b', 'c']);
	});

	it('does not split a CRLF cut between chunks into two endings', async () => {
		expect(await lines(['a\r', '\nb\r', '\n'], ANY_ENDING)).toEqual(['a', 'b', '']);
	});

	it('ends a line at a lone CR only when the ending says so', async () => {
		expect(await lines(['a\rb\n'], ANY_ENDING)).toEqual(['a', 'b', '']);
		expect(await lines(['a\rb\n'], LF_ENDING)).toEqual(['a\rb', '']);
	});

	it('drops a CR that ends the stream, whichever the ending', async () => {
		expect(await lines(['a\r'], ANY_ENDING)).toEqual(['a']);
		expect(await lines(['a\r'], LF_ENDING)).toEqual(['a']);
	});

	it('decodes a character split between chunks and drops a leading BOM', async () => {
		const bytes = encoder.encode('\uFEFFé👩‍💻\n');
		const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
		expect(await lines(chunks, ANY_ENDING)).toEqual(['é👩‍💻', '']);
	});

	it('ignores the flags of the ending it is given', async () => {
		expect(await lines(['a\nb'], /\n/g)).toEqual(['a', 'b']);
	});

	it('cancels the stream when the consumer stops early, not when it ends', async () => {
		const early = streamOf(['a\nb\n', 'c\n']);
		for await (const line of readTextLines(early.stream, LF_ENDING)) if (line === 'a') break;
		expect(early.cancelled()).toBe(1);

		const whole = streamOf(['a\n']);
		for await (const line of readTextLines(whole.stream, LF_ENDING))
			expect(line).toBeTypeOf('string');
		expect(whole.cancelled()).toBe(0);
	});

	it('rethrows a read failure unchanged', async () => {
		const failure = new TypeError('socket hang up');
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(encoder.encode('a\n'));
				controller.error(failure);
			}
		});
		const seen: string[] = [];
		const caught = await (async () => {
			for await (const line of readTextLines(stream, LF_ENDING)) seen.push(line);
		})().catch((e: unknown) => e);
		expect(caught).toBe(failure);
	});
});
