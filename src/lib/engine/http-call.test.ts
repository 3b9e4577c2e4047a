import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallScopes, PROBE_TIMEOUT_MS, pageOrigin, readJsonBody } from '$lib/engine/http-call';
import { HearthError } from '$lib/types/errors';

const WORDS = { dropped: 'It dropped.', notJson: 'Not JSON' };
const HINTS = {
	unreachable: (cause: unknown) => new HearthError('engine_unreachable', 'Nobody home.', { cause })
};

describe('CallScopes', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('follows the caller’s signal, and unlinks from it once ended', () => {
		const scopes = new CallScopes(HINTS);
		const caller = new AbortController();
		const scope = scopes.open(caller.signal);
		expect(scope.signal.aborted).toBe(false);
		caller.abort();
		expect(scope.signal.aborted).toBe(true);
		expect(scope.timedOut()).toBe(false);

		const other = new AbortController();
		const ended = scopes.open(other.signal);
		const removed = vi.spyOn(other.signal, 'removeEventListener');
		ended.end();
		expect(ended.signal.aborted).toBe(true);
		expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
	});

	it('starts aborted when the caller already gave up', () => {
		const scope = new CallScopes(HINTS).open(AbortSignal.abort());
		expect(scope.signal.aborted).toBe(true);
	});

	it('times out, and says so, only when given a time-out', () => {
		vi.useFakeTimers();
		const scopes = new CallScopes(HINTS);
		const timed = scopes.open(undefined, 100);
		const untimed = scopes.open();
		vi.advanceTimersByTime(99);
		expect(timed.signal.aborted).toBe(false);
		vi.advanceTimersByTime(1);
		expect(timed.signal.aborted).toBe(true);
		expect(timed.timedOut()).toBe(true);
		vi.advanceTimersByTime(60_000);
		expect(untimed.signal.aborted).toBe(false);
	});

	it('does not time out a scope that already ended', () => {
		vi.useFakeTimers();
		const scope = new CallScopes(HINTS).open(undefined, 100);
		scope.end();
		vi.advanceTimersByTime(200);
		expect(scope.timedOut()).toBe(false);
	});

	it('aborts every open scope at once, but not ones opened later', () => {
		const scopes = new CallScopes(HINTS);
		const a = scopes.open();
		const b = scopes.open();
		scopes.abortAll();
		expect([a.signal.aborted, b.signal.aborted]).toEqual([true, true]);
		expect(scopes.open().signal.aborted).toBe(false);
	});
});

describe('CallScopes.run and probe', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('passes a result through and ends the scope', async () => {
		let seen: AbortSignal | undefined;
		const result = await new CallScopes(HINTS).run(undefined, async (scope) => {
			seen = scope.signal;
			return 42;
		});
		expect(result).toBe(42);
		expect(seen?.aborted).toBe(true);
	});

	it('turns a failure after an abort into aborted, whatever the call threw', async () => {
		const caller = new AbortController();
		const error = await new CallScopes(HINTS)
			.run(caller.signal, async () => {
				caller.abort();
				throw new TypeError('fetch failed');
			})
			.catch((e: unknown) => e);
		expect((error as HearthError).code).toBe('aborted');
	});

	it('reports a probe that never answers as unreachable, without throwing', async () => {
		vi.useFakeTimers();
		const probing = new CallScopes(HINTS).probe(
			undefined,
			(scope) =>
				new Promise((_, reject) => {
					scope.signal.addEventListener('abort', () => reject(new Error('aborted')));
				})
		);
		await vi.advanceTimersByTimeAsync(PROBE_TIMEOUT_MS);
		const probe = await probing;
		expect(probe.ok).toBe(false);
		expect(probe.ok === false && probe.error.code).toBe('engine_unreachable');
	});
});

describe('readJsonBody', () => {
	const live = { signal: new AbortController().signal, timedOut: () => false };

	it('parses a JSON body', async () => {
		await expect(readJsonBody(new Response('{"a":1}'), live, WORDS)).resolves.toEqual({ a: 1 });
	});

	it('names a body that is not JSON as engine_malformed, quoting its start', async () => {
		const error = await readJsonBody(new Response('<html>oops'), live, WORDS).catch((e) => e);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('engine_malformed');
		expect((error as HearthError).message).toBe('Not JSON: <html>oops');
	});

	it('names a body cut off mid-read as engine_stream_broken, but rethrows an abort', async () => {
		const broken = () =>
			new Response(
				new ReadableStream({
					start(controller) {
						controller.error(new TypeError('socket hang up'));
					}
				})
			);
		const error = await readJsonBody(broken(), live, WORDS).catch((e) => e);
		expect((error as HearthError).code).toBe('engine_stream_broken');
		expect((error as HearthError).message).toBe('It dropped.');

		const stopped = { signal: AbortSignal.abort(), timedOut: () => false };
		const raw = await readJsonBody(broken(), stopped, WORDS).catch((e) => e);
		expect(raw).toBeInstanceOf(TypeError);
	});
});

describe('pageOrigin', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('is "*" without a location, or on a file:// page', () => {
		expect(pageOrigin()).toBe('*');
		vi.stubGlobal('location', { origin: 'null' });
		expect(pageOrigin()).toBe('*');
	});

	it('is the page’s origin otherwise', () => {
		vi.stubGlobal('location', { origin: 'http://localhost:5173' });
		expect(pageOrigin()).toBe('http://localhost:5173');
	});
});
