import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallScopes, pageOrigin, readJsonBody } from '$lib/engine/http-call';
import { HearthError } from '$lib/types/errors';

const WORDS = { dropped: 'It dropped.', notJson: 'Not JSON' };

describe('CallScopes', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('follows the caller’s signal, and unlinks from it once ended', () => {
		const scopes = new CallScopes();
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
		const scope = new CallScopes().open(AbortSignal.abort());
		expect(scope.signal.aborted).toBe(true);
	});

	it('times out, and says so, only when given a time-out', () => {
		vi.useFakeTimers();
		const scopes = new CallScopes();
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
		const scope = new CallScopes().open(undefined, 100);
		scope.end();
		vi.advanceTimersByTime(200);
		expect(scope.timedOut()).toBe(false);
	});

	it('aborts every open scope at once, but not ones opened later', () => {
		const scopes = new CallScopes();
		const a = scopes.open();
		const b = scopes.open();
		scopes.abortAll();
		expect([a.signal.aborted, b.signal.aborted]).toEqual([true, true]);
		expect(scopes.open().signal.aborted).toBe(false);
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
