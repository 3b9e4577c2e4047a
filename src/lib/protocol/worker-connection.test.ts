import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallRequest, CallResult } from '$lib/protocol/rpc';
import { WorkerConnection } from '$lib/protocol/worker-connection';
import type { WorkerConnectionOptions, WorkerPort } from '$lib/protocol/worker-connection';
import { HearthError } from '$lib/types/errors';

// A small protocol of its own, so these tests pin the generic connection rather than llm or
// python. The "worker" is a scripted port: the test plays the worker's side by hand.

interface EchoCalls {
	echo: { params: { text: string }; result: { text: string } };
	count: { params: { to: number }; result: number };
}
type EchoFromWorker =
	| { type: 'ready' }
	| { type: 'tick'; id: number; n: number }
	| { type: 'alarm'; reason: string }
	| CallResult<EchoCalls>;
type EchoToWorker = CallRequest<EchoCalls> | { type: 'stop'; id: number } | { type: 'note' };

type Listener = (event: Event & { data?: unknown }) => void;

class ScriptedPort implements WorkerPort<EchoToWorker> {
	readonly sent: { message: EchoToWorker; transfer?: Transferable[] }[] = [];
	terminated = 0;
	readonly #listeners: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };

	postMessage(message: EchoToWorker, transfer?: Transferable[]): void {
		this.sent.push(transfer ? { message, transfer } : { message });
	}

	addEventListener(type: 'message' | 'error' | 'messageerror', listener: Listener): void {
		this.#listeners[type]?.push(listener);
	}

	terminate(): void {
		this.terminated++;
	}

	/** The worker posts `data`. */
	emit(data: unknown): void {
		const event = Object.assign(new Event('message'), { data });
		this.#listeners.message?.forEach((l) => l(event));
	}

	fire(type: 'error' | 'messageerror'): void {
		this.#listeners[type]?.forEach((l) => l(new Event(type)));
	}

	calls(): CallRequest<EchoCalls>[] {
		return this.sent.flatMap(({ message }) => (message.type === 'call' ? [message] : []));
	}
}

const FAILURES: WorkerConnectionOptions<EchoFromWorker, EchoToWorker>['failures'] = {
	notStarted: { code: 'engine_crashed', message: 'Echo did not start.' },
	crashed: { code: 'engine_crashed', message: 'Echo crashed.' },
	garbled: { code: 'engine_crashed', message: 'Echo garbled.' },
	mixedUp: { code: 'engine_crashed', message: 'Echo mixed up.' }
};

function connect(options: Partial<WorkerConnectionOptions<EchoFromWorker, EchoToWorker>> = {}): {
	port: ScriptedPort;
	connection: WorkerConnection<EchoCalls, EchoFromWorker, EchoToWorker>;
} {
	const port = new ScriptedPort();
	const connection = new WorkerConnection<EchoCalls, EchoFromWorker, EchoToWorker>(port, {
		readyTimeoutMs: 1000,
		failures: FAILURES,
		...options
	});
	return { port, connection };
}

const settled = <T>(promise: Promise<T>) =>
	promise.then(
		(value) => ({ value }),
		(error: unknown) => ({ error })
	);

afterEach(() => {
	vi.useRealTimers();
});

describe('WorkerConnection', () => {
	it('is ready once the worker says so', async () => {
		const { port, connection } = connect();
		expect(connection.started).toBe(false);
		port.emit({ type: 'ready' });
		await expect(connection.ready).resolves.toBeUndefined();
		expect(connection.started).toBe(true);
		expect(connection.dead).toBe(false);
	});

	it('fails to start, and kills the worker, when `ready` does not come in time', async () => {
		vi.useFakeTimers();
		const { port, connection } = connect({ readyTimeoutMs: 50 });
		const early = settled(connection.request('echo', { text: 'hi' }));
		vi.advanceTimersByTime(49);
		expect(connection.dead).toBe(false);
		vi.advanceTimersByTime(1);
		await expect(connection.ready).rejects.toMatchObject({
			code: 'engine_crashed',
			message: 'Echo did not start.'
		});
		expect(await early).toMatchObject({ error: { message: 'Echo did not start.' } });
		expect(connection.dead).toBe(true);
		expect(port.terminated).toBe(1);
		// A `ready` that arrives too late changes nothing.
		port.emit({ type: 'ready' });
		expect(connection.started).toBe(false);
	});

	it('does not time out once ready', async () => {
		vi.useFakeTimers();
		const { port, connection } = connect({ readyTimeoutMs: 50 });
		port.emit({ type: 'ready' });
		vi.advanceTimersByTime(500);
		expect(connection.dead).toBe(false);
		expect(port.terminated).toBe(0);
	});

	it('pairs concurrent calls with their results by id, in whatever order they come', async () => {
		const { port, connection } = connect();
		port.emit({ type: 'ready' });
		const first = connection.request('echo', { text: 'one' });
		const second = connection.request('count', { to: 3 });
		const third = connection.request('echo', { text: 'three' });
		const [a, b, c] = port.calls();
		expect([a?.id, b?.id, c?.id]).toEqual([1, 2, 3]);
		expect(b).toEqual({ type: 'call', id: 2, call: 'count', params: { to: 3 } });
		port.emit({ type: 'result', id: 3, call: 'echo', ok: true, value: { text: 'THREE' } });
		port.emit({
			type: 'result',
			id: 1,
			call: 'echo',
			ok: false,
			error: { code: 'model_not_found', message: 'No echo here.' }
		});
		port.emit({ type: 'result', id: 2, call: 'count', ok: true, value: 3 });
		await expect(third).resolves.toEqual({ text: 'THREE' });
		await expect(second).resolves.toBe(3);
		const error = await first.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(HearthError);
		expect(error).toMatchObject({ code: 'model_not_found', message: 'No echo here.' });
		// One result per call: a repeat is ignored, and the connection is still fine.
		port.emit({ type: 'result', id: 2, call: 'count', ok: true, value: 99 });
		expect(connection.dead).toBe(false);
	});

	it('rejects a result that names another call than the one asked', async () => {
		const { port, connection } = connect();
		const call = connection.request('count', { to: 1 });
		port.emit({ type: 'result', id: 1, call: 'echo', ok: true, value: { text: 'x' } });
		await expect(call).rejects.toMatchObject({ code: 'engine_crashed', message: 'Echo mixed up.' });
	});

	it("routes a call's events to it, and the rest to onUnrouted", async () => {
		const unrouted: EchoFromWorker[] = [];
		const { port, connection } = connect({ onUnrouted: (event) => unrouted.push(event) });
		const ticks: number[] = [];
		const call = connection.request(
			'count',
			{ to: 2 },
			{ onEvent: (event) => event.type === 'tick' && ticks.push(event.n) }
		);
		port.emit({ type: 'tick', id: 1, n: 1 });
		port.emit({ type: 'alarm', reason: 'outside any call' });
		port.emit({ type: 'tick', id: 7, n: 70 });
		port.emit({ type: 'tick', id: 1, n: 2 });
		port.emit({ type: 'result', id: 1, call: 'count', ok: true, value: 2 });
		await expect(call).resolves.toBe(2);
		// After its result, the call's events are no longer its own.
		port.emit({ type: 'tick', id: 1, n: 3 });
		expect(ticks).toEqual([1, 2]);
		expect(unrouted).toEqual([
			{ type: 'alarm', reason: 'outside any call' },
			{ type: 'tick', id: 7, n: 70 },
			{ type: 'tick', id: 1, n: 3 }
		]);
		// Not a message at all: ignored.
		port.emit('garbage');
		port.emit(null);
		expect(unrouted).toHaveLength(3);
	});

	it('when the worker dies, fails every waiting call with the one coded error', async () => {
		const { port, connection } = connect();
		port.emit({ type: 'ready' });
		const calls = [
			connection.request('echo', { text: 'a' }),
			connection.request('count', { to: 5 }),
			connection.request('echo', { text: 'b' })
		];
		port.fire('error');
		const outcomes = await Promise.all(calls.map((call) => settled<unknown>(call)));
		const errors = outcomes.map((o) => ('error' in o ? o.error : undefined));
		expect(errors[0]).toMatchObject({ code: 'engine_crashed', message: 'Echo crashed.' });
		expect(errors[1]).toBe(errors[0]);
		expect(errors[2]).toBe(errors[0]);
		expect(connection.dead).toBe(true);
		expect(port.terminated).toBe(1);
		// Later calls fail at once with the same error, without reaching the worker.
		const sent = port.sent.length;
		await expect(connection.request('echo', { text: 'c' })).rejects.toBe(errors[0]);
		expect(port.sent).toHaveLength(sent);
	});

	it('dies on a garbled message, and a second death changes nothing', async () => {
		const { port, connection } = connect();
		const call = connection.request('echo', { text: 'a' });
		port.fire('messageerror');
		await expect(call).rejects.toMatchObject({ message: 'Echo garbled.' });
		port.fire('error');
		connection.kill(new HearthError('aborted', 'Stopped.'));
		await expect(connection.ready).rejects.toMatchObject({ message: 'Echo garbled.' });
		expect(port.terminated).toBe(1);
	});

	it('ignores every message after death', async () => {
		const onUnrouted = vi.fn();
		const { port, connection } = connect({ onUnrouted });
		const onEvent = vi.fn();
		const call = connection.request('count', { to: 1 }, { onEvent });
		const reason = new HearthError('python_crashed', 'Killed on purpose.');
		connection.kill(reason);
		await expect(call).rejects.toBe(reason);
		port.emit({ type: 'ready' });
		port.emit({ type: 'tick', id: 1, n: 1 });
		port.emit({ type: 'alarm', reason: 'late' });
		port.emit({ type: 'result', id: 1, call: 'count', ok: true, value: 1 });
		expect(connection.started).toBe(false);
		expect(onEvent).not.toHaveBeenCalled();
		expect(onUnrouted).not.toHaveBeenCalled();
		connection.post({ type: 'note' });
		expect(port.sent.map((s) => s.message.type)).toEqual(['call']);
	});

	it('on abort, rejects at once and sends the protocol’s cancel message', async () => {
		const { port, connection } = connect({ cancel: (id) => ({ type: 'stop', id }) });
		const controller = new AbortController();
		const call = connection.request('echo', { text: 'slow' }, { signal: controller.signal });
		controller.abort();
		await expect(call).rejects.toMatchObject({ code: 'aborted' });
		expect(port.sent.at(-1)?.message).toEqual({ type: 'stop', id: 1 });
		// Its late result is ignored; an already aborted signal never reaches the worker.
		port.emit({ type: 'result', id: 1, call: 'echo', ok: true, value: { text: 'slow' } });
		await expect(
			connection.request('echo', { text: 'x' }, { signal: AbortSignal.abort() })
		).rejects.toMatchObject({ code: 'aborted' });
		expect(port.calls()).toHaveLength(1);
		expect(connection.dead).toBe(false);
	});

	it('without a cancel message, an abort only settles the call on this side', async () => {
		const { port, connection } = connect();
		const controller = new AbortController();
		const call = connection.request('echo', { text: 'x' }, { signal: controller.signal });
		controller.abort();
		await expect(call).rejects.toMatchObject({ code: 'aborted' });
		expect(port.sent.map((s) => s.message.type)).toEqual(['call']);
	});

	it('moves transferables with a call and with its own messages', () => {
		const { port, connection } = connect();
		const buffer = new ArrayBuffer(8);
		void connection.request('echo', { text: 'x' }, { transfer: [buffer] });
		connection.post({ type: 'note' }, [buffer]);
		void connection.request('echo', { text: 'y' });
		expect(port.sent.map((s) => s.transfer)).toEqual([[buffer], [buffer], undefined]);
	});
});
