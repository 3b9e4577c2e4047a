import { afterAll, describe, expect, it } from 'vitest';
import { loadPyodide } from 'pyodide';
import { PythonSandbox } from '$lib/python/sandbox';
import type { PythonWorkerLike } from '$lib/python/connection';
import { BLOCKED_GLOBALS, createPythonHost, removeGlobals } from '$workers/python-host';
import type { PyodideLike, PythonHost } from '$workers/python-host';
import type { PythonFromWorker, PythonToWorker } from '$lib/protocol/python';

// The sandbox against the real host and the real Pyodide, in this thread: a "worker" here is a
// host whose messages stop flowing once terminated. Code that must be stopped awaits in a loop
// (a busy loop would block this very thread).

const restores: (() => void)[] = [];
afterAll(() => restores.reverse().forEach((restore) => restore()));

type Listener = (event: Event & { data?: unknown }) => void;

class InThreadWorker implements PythonWorkerLike {
	terminated = false;
	readonly #listeners: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };
	readonly #host: PythonHost;

	constructor() {
		this.#host = createPythonHost({
			loadPyodide: (options) => loadPyodide(options) as Promise<PyodideLike>,
			post: (message) => this.#emit('message', message),
			scope: globalThis,
			lockdown: () => void restores.push(removeGlobals(globalThis, BLOCKED_GLOBALS))
		});
		setTimeout(() => this.#emit('message', { type: 'ready' }), 0);
	}

	#emit(type: string, data: PythonFromWorker | undefined): void {
		if (this.terminated) return;
		const event = Object.assign(new Event(type), { data });
		setTimeout(() => this.#listeners[type]?.forEach((l) => l(event)), 0);
	}

	/** What a browser does when the wasm heap cannot grow or the worker is killed. */
	crash(): void {
		this.#emit('error', undefined);
	}

	postMessage(message: PythonToWorker): void {
		if (!this.terminated) setTimeout(() => this.#host.handle(message), 0);
	}

	addEventListener(type: 'message' | 'error' | 'messageerror', listener: Listener): void {
		this.#listeners[type]?.push(listener);
	}

	terminate(): void {
		this.terminated = true;
	}
}

function sandboxWithWorkers(isolated: boolean) {
	const workers: InThreadWorker[] = [];
	const sandbox = new PythonSandbox({
		isolated,
		interruptGraceMs: 3000,
		createWorker: () => {
			const worker = new InThreadWorker();
			workers.push(worker);
			return worker;
		}
	});
	return { sandbox, workers };
}

const AWAITING_LOOP =
	'import asyncio\nwhile True:\n    sum(range(20000))\n    await asyncio.sleep(0.001)';

describe('PythonSandbox (real host and Pyodide, in this thread)', () => {
	const { sandbox, workers } = sandboxWithWorkers(false);

	it('starts lazily, streams output and returns the result', async () => {
		expect(sandbox.state).toBe('idle');
		const progress: string[] = [];
		const streamed: string[] = [];
		const result = await sandbox.run('print("hi")\n6 * 7', {
			onProgress: (p) => progress.push(p.text),
			onOutput: (text, stream) => streamed.push(`${stream}:${text}`)
		});
		expect(result).toMatchObject({ stdout: 'hi\n', stderr: '', result: '42', images: [] });
		expect(streamed.join('')).toBe('stdout:hi\n');
		expect(progress.at(-1)).toBe('Python is ready.');
		expect(sandbox.state).toBe('ready');
		expect(workers).toHaveLength(1);
	}, 60_000);

	it('mounts attachments from Blobs under /data', async () => {
		const result = await sandbox.run('open("/data/table.csv").read().splitlines()[1]', {
			attachments: [{ name: 'table.csv', data: new Blob(['a,b\n1,2\n']) }]
		});
		expect(result.result).toBe("'1,2'");
	});

	it('stops a run at its time limit by replacing the worker, then runs again', async () => {
		const started = performance.now();
		await expect(sandbox.run(AWAITING_LOOP, { timeoutMs: 300 })).rejects.toMatchObject({
			code: 'python_timeout'
		});
		expect(performance.now() - started).toBeLessThan(2000);
		expect(workers[0]?.terminated).toBe(true);
		expect(workers).toHaveLength(2);
		expect((await sandbox.run('1 + 1')).result).toBe('2');
	}, 60_000);

	it('stops a run when its signal aborts', async () => {
		const controller = new AbortController();
		const run = sandbox.run(AWAITING_LOOP, { signal: controller.signal });
		setTimeout(() => controller.abort(), 200);
		await expect(run).rejects.toMatchObject({ code: 'aborted' });
		expect((await sandbox.run('"again"')).result).toBe("'again'");
	}, 60_000);

	it('asks before fetching packages and fails clearly when declined', async () => {
		const asked: string[] = [];
		const requests: string[] = [];
		await expect(
			sandbox.run('import numpy', {
				confirmPackages: async (names, host) => {
					asked.push(`${names.join(',')}@${host}`);
					return false;
				},
				fetch: async (url) => {
					requests.push(url);
					return new Response('nope', { status: 404 });
				}
			})
		).rejects.toMatchObject({ code: 'tool_denied' });
		expect(asked).toEqual(['numpy@cdn.jsdelivr.net']);
		expect(requests).toEqual([]);
	}, 60_000);

	it('fetches consented packages through the given fetch, and reports a failure', async () => {
		const purposes: string[] = [];
		await expect(
			sandbox.run('import numpy', {
				confirmPackages: async () => true,
				fetch: async (url, _init, purpose) => {
					purposes.push(`${purpose} <- ${url}`);
					return new Response('missing', { status: 404 });
				}
			})
		).rejects.toMatchObject({ code: 'package_unavailable' });
		expect(
			purposes.some((p) =>
				/^Python package: numpy-.*\.whl <- https:\/\/cdn\.jsdelivr\.net\/pyodide\/v[\d.]+\/full\/numpy-/.test(
					p
				)
			)
		).toBe(true);
	}, 60_000);

	it('without consent, an import of a package is an ordinary Python error', async () => {
		const result = await sandbox.run('import numpy');
		expect(result.error?.type).toBe('ModuleNotFoundError');
	}, 60_000);

	it('replaces the worker after a MemoryError', async () => {
		const before = workers.length;
		await expect(sandbox.run('table = [0] * (10 ** 9)')).rejects.toMatchObject({
			code: 'python_memory'
		});
		expect(workers.length).toBe(before + 1);
		expect((await sandbox.run('3')).result).toBe('3');
	}, 60_000);

	it('reports a worker the browser killed as python_crashed and recovers', async () => {
		const run = sandbox.run(AWAITING_LOOP, { timeoutMs: 10_000 });
		setTimeout(() => workers.at(-1)?.crash(), 200);
		await expect(run).rejects.toMatchObject({ code: 'python_crashed' });
		expect((await sandbox.run('4')).result).toBe('4');
	}, 60_000);
});

// The interrupt path needs a second thread to flip the flag while Python is busy: it is tested
// for real in workers/python-host.test.ts (KeyboardInterrupt) and in tests/e2e/python.spec.ts
// (an isolated page). In this single thread an interrupt can land inside asyncio's own code.
