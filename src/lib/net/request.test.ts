import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	currentOrigin,
	decodeText,
	networkError,
	readJson,
	readLimited,
	toolFetch
} from '$lib/net/request';
import { failureOf, recordingContext } from '$lib/net/test-context';
import { HearthError } from '$lib/types/errors';

// How every network tool reads and fails: the byte limit, the charset, JSON replies and the
// words a fetch() TypeError becomes. The tools' tests use these through real fixtures.

const live = new AbortController().signal;

/** A body that sends `chunks` one read at a time, and remembers whether it was cancelled. */
function chunked(chunks: number[][]): { response: Response; cancelled: () => boolean } {
	let cancelled = false;
	let i = 0;
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			const next = chunks[i++];
			if (next) controller.enqueue(new Uint8Array(next));
			else controller.close();
		},
		cancel() {
			cancelled = true;
		}
	});
	return { response: new Response(body), cancelled: () => cancelled };
}

/** A body that sends one byte, then fails the way a dropped connection does. */
function dropping(): Response {
	let sent = false;
	return new Response(
		new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent) controller.error(new TypeError('terminated'));
				else controller.enqueue(new Uint8Array([1]));
				sent = true;
			}
		})
	);
}

describe('readLimited', () => {
	it('reads a body under the limit whole, across chunks, and releases it', async () => {
		const { response, cancelled } = chunked([[1, 2], [3], [4, 5]]);
		const { bytes, truncated } = await readLimited(response, 5, live);
		expect([...bytes]).toEqual([1, 2, 3, 4, 5]);
		expect(truncated).toBe(false);
		expect(cancelled()).toBe(false);
		expect(response.bodyUsed).toBe(true);
	});

	it('stops at the limit inside a chunk, says so, and cancels the rest', async () => {
		const { response, cancelled } = chunked([[1, 2], [3, 4, 5], [6]]);
		const { bytes, truncated } = await readLimited(response, 3, live);
		expect([...bytes]).toEqual([1, 2, 3]);
		expect(truncated).toBe(true);
		expect(cancelled()).toBe(true);
	});

	it('reads nothing from a body-less reply', async () => {
		const result = await readLimited(new Response(null, { status: 204 }), 10, live);
		expect(result.bytes.byteLength).toBe(0);
		expect(result.truncated).toBe(false);
	});

	it('turns a dropped connection into network_failed, and into aborted once stopped', async () => {
		const dropped = await failureOf(readLimited(dropping(), 100, live));
		expect(dropped.code).toBe('network_failed');
		expect(dropped.message).toBe('The connection dropped while reading the reply.');
		const stop = new AbortController();
		stop.abort();
		const stopped = await failureOf(readLimited(dropping(), 100, stop.signal));
		expect(stopped.code).toBe('aborted');
	});
});

describe('decodeText', () => {
	const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1

	it('decodes with the charset the Content-Type names, quoted or not, in any case', () => {
		expect(decodeText(latin1, 'text/html; charset=iso-8859-1')).toBe('café');
		expect(decodeText(latin1, 'text/html; Charset="ISO-8859-1"')).toBe('café');
		expect(decodeText(latin1, "text/plain;charset='latin1'")).toBe('café');
	});

	it('falls back to UTF-8 without a charset or with one TextDecoder does not know', () => {
		const utf8 = new TextEncoder().encode('café ✓');
		expect(decodeText(utf8, null)).toBe('café ✓');
		expect(decodeText(utf8, 'text/plain')).toBe('café ✓');
		expect(decodeText(utf8, 'text/plain; charset=klingon-8')).toBe('café ✓');
	});
});

describe('readJson', () => {
	it('parses a JSON reply', async () => {
		await expect(readJson(new Response('{"a":[1,2]}'), 'Wikipedia', live)).resolves.toEqual({
			a: [1, 2]
		});
	});

	it('refuses a reply over the limit before parsing it, naming who sent it', async () => {
		const error = await failureOf(readJson(new Response('{"a":"0123456789"}'), 'SearXNG', live, 8));
		expect(error.code).toBe('content_too_large');
		expect(error.message).toBe('SearXNG sent an unusually large reply.');
		// Exactly the limit is still read.
		await expect(readJson(new Response('[1,2,3]'), 'SearXNG', live, 7)).resolves.toEqual([1, 2, 3]);
	});

	it('says bad JSON is not valid JSON, naming who sent it', async () => {
		const error = await failureOf(readJson(new Response('<html>'), 'Open-Meteo', live));
		expect(error.code).toBe('tool_failed');
		expect(error.message).toBe('Open-Meteo sent a reply that is not valid JSON.');
		expect(error.cause).toBeInstanceOf(SyntaxError);
	});

	it('reads at most two megabytes by default', async () => {
		const big = JSON.stringify('x'.repeat(2_000_000));
		expect((await failureOf(readJson(new Response(big), 'API', live))).code).toBe(
			'content_too_large'
		);
		const fits = JSON.stringify('x'.repeat(2_000_000 - 2));
		await expect(readJson(new Response(fits), 'API', live)).resolves.toHaveLength(1_999_998);
	});
});

describe('networkError', () => {
	it('keeps a HearthError as it is', () => {
		const own = new HearthError('network_blocked', 'no');
		expect(networkError(own, 'https://a.test/', live, 'https://app.test')).toBe(own);
	});

	it('says Stopped. once the call was cancelled', () => {
		const stop = new AbortController();
		stop.abort();
		const error = networkError(new TypeError('x'), 'https://a.test/', stop.signal);
		expect(error.code).toBe('aborted');
		expect(error.message).toBe('Stopped.');
	});

	it('explains a cross-origin TypeError in a page as CORS, naming the host', () => {
		const e = new TypeError('Failed to fetch');
		const error = networkError(e, 'https://api.example:8443/x', live, 'https://app.test');
		expect(error.code).toBe('network_cors');
		expect(error.message).toMatch(/^api\.example:8443 does not allow browser apps to read it/);
		expect(error.message).toContain('no server of its own');
		expect(error.cause).toBe(e);
	});

	it('says unreachable for a same-origin failure, outside a page, or for other errors', () => {
		const e = new TypeError('Failed to fetch');
		for (const error of [
			networkError(e, 'https://app.test/api', live, 'https://app.test'),
			networkError(e, 'https://api.example/x', live, undefined),
			networkError(new Error('boom'), 'https://api.example/x', live, 'https://app.test')
		]) {
			expect(error.code).toBe('network_failed');
			expect(error.message).toMatch(/^Could not reach (app\.test|api\.example)\.$/);
		}
	});

	it('names an address it cannot parse as given', () => {
		const error = networkError(new TypeError('x'), 'not a url', live, 'https://app.test');
		expect(error.code).toBe('network_failed');
		expect(error.message).toBe('Could not reach not a url.');
	});
});

describe('currentOrigin', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('is the page origin in a browser, and undefined in Node or an opaque origin', () => {
		expect(currentOrigin()).toBeUndefined();
		vi.stubGlobal('location', { origin: 'https://app.test' });
		expect(currentOrigin()).toBe('https://app.test');
		vi.stubGlobal('location', { origin: 'null' });
		expect(currentOrigin()).toBeUndefined();
		vi.stubGlobal('location', {});
		expect(currentOrigin()).toBeUndefined();
	});
});

describe('toolFetch', () => {
	it('goes through ctx.net with the call signal, purpose and tool', async () => {
		const seen: { init: RequestInit; meta: unknown }[] = [];
		const { ctx } = recordingContext(
			{},
			{
				net: (_url, init, meta) => {
					seen.push({ init, meta });
					return Promise.resolve(new Response('ok'));
				}
			}
		);
		const response = await toolFetch(ctx, 'https://a.test/', {
			purpose: 'web search (test)',
			tool: 'web_search',
			init: { method: 'POST' }
		});
		expect(await response.text()).toBe('ok');
		expect(seen[0]?.init.method).toBe('POST');
		expect(seen[0]?.init.signal).toBe(ctx.signal);
		expect(seen[0]?.meta).toEqual({ purpose: 'web search (test)', tool: 'web_search' });
	});

	it('does not ask the network once cancelled', async () => {
		const stop = new AbortController();
		stop.abort();
		const net = vi.fn(() => Promise.resolve(new Response('')));
		const { ctx } = recordingContext({}, { net, signal: stop.signal });
		const error = await failureOf(toolFetch(ctx, 'https://a.test/', { purpose: 'p', tool: 't' }));
		expect(error.code).toBe('aborted');
		expect(net).not.toHaveBeenCalled();
	});

	it("explains a failure with the request's page origin", async () => {
		const net = () => Promise.reject(new TypeError('Failed to fetch'));
		const { ctx } = recordingContext({}, { net });
		const request = { purpose: 'p', tool: 't', pageOrigin: 'https://app.test' };
		expect((await failureOf(toolFetch(ctx, 'https://a.test/', request))).code).toBe('network_cors');
	});
});
