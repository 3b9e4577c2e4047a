import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker as NodeWorker } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import { BLOCKED_GLOBALS, createPythonHost, removeGlobals } from '$workers/python-host';
import type { PyodideLike, PythonHost } from '$workers/python-host';
import type {
	ProxiedRequest,
	PythonCallName,
	PythonCalls,
	PythonFromWorker,
	PythonToWorker
} from '$lib/protocol/python';
import type { SerializedError } from '$lib/types/errors';

// The real Pyodide (the npm package runs in Node), one instance for the whole file: a cold start
// costs seconds. The host removes the network globals from Node's own globalThis, as the worker
// does from `self`; they are put back after the file.

type Outcome<K extends PythonCallName> =
	{ ok: true; value: PythonCalls[K]['result'] } | { ok: false; error: SerializedError };

const posted: PythonFromWorker[] = [];
let restore: () => void = () => undefined;
let nextId = 1;
/** Answers the host's `fetch` messages, as the page would (through its ledgered NetFetch). */
let answerFetch: (request: ProxiedRequest) => PythonToWorker | undefined = () => undefined;
const fetched: ProxiedRequest[] = [];
const waiters = new Map<number, (message: PythonFromWorker) => void>();

const host: PythonHost = createPythonHost({
	loadPyodide: (options) => loadPyodide(options) as Promise<PyodideLike>,
	post: (message) => {
		posted.push(message);
		if (message.type === 'fetch') {
			fetched.push(message.request);
			const answer = answerFetch(message.request);
			if (answer && answer.type === 'fetch-result') {
				setTimeout(() => host.handle({ ...answer, fetchId: message.fetchId }), 0);
			}
		}
		if (message.type === 'result') waiters.get(message.id)?.(message);
	},
	scope: globalThis,
	lockdown: () => {
		restore = removeGlobals(globalThis, BLOCKED_GLOBALS);
	}
});

function call<K extends PythonCallName>(
	name: K,
	params: PythonCalls[K]['params']
): Promise<Outcome<K>> {
	const id = nextId++;
	return new Promise((resolve) => {
		waiters.set(id, (message) => {
			waiters.delete(id);
			if (message.type !== 'result') return;
			resolve(
				message.ok
					? { ok: true, value: message.value as PythonCalls[K]['result'] }
					: { ok: false, error: message.error }
			);
		});
		host.handle({ type: 'call', id, call: name, params } as PythonToWorker);
	});
}

async function run(code: string, files: PythonCalls['run']['params']['files'] = []) {
	const outcome = await call('run', { code, files, allowNetwork: false });
	if (!outcome.ok) throw new Error(`run failed: ${outcome.error.code} ${outcome.error.message}`);
	return outcome.value;
}

/** How pyfetch fails in a run without the network: it finds no JavaScript fetch to call. */
const NO_FETCH = { type: 'NameError', message: expect.stringMatching(/_jsfetch/) };

const encode = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer as ArrayBuffer;

beforeAll(async () => {
	const started = await call('start', { packagesUrl: 'http://127.0.0.1:9/packages/' });
	if (!started.ok) throw new Error(started.error.message);
}, 60_000);

afterAll(() => restore());

describe('python host (real Pyodide in Node)', () => {
	it('reports start-up progress and the version', () => {
		const progress = posted.filter((m) => m.type === 'progress');
		expect(progress.length).toBeGreaterThanOrEqual(2);
		expect(progress.at(-1)).toMatchObject({ progress: { fraction: 1 } });
	});

	it('returns stdout, stderr and the repr of the last expression', async () => {
		const before = posted.length;
		const value = await run('import sys\nprint("hello")\nprint("oops", file=sys.stderr)\n{"a": 1}');
		expect(value.stdout).toBe('hello\n');
		expect(value.stderr).toBe('oops\n');
		expect(value.result).toBe("{'a': 1}");
		expect(value.error).toBeUndefined();
		expect(value.images).toEqual([]);
		const streamed = posted.slice(before).filter((m) => m.type === 'output');
		expect(streamed.map((m) => (m.type === 'output' ? m.text : '')).join('')).toContain('hello');
	});

	it('returns an exception as data, with a traceback trimmed to the user code', async () => {
		const value = await run('def f(x):\n    return 1 / x\n\nprint("before")\nf(0)');
		expect(value.stdout).toBe('before\n');
		expect(value.error?.type).toBe('ZeroDivisionError');
		expect(value.error?.message).toBe('division by zero');
		expect(value.error?.traceback).toContain('File "<cell>", line 5');
		expect(value.error?.traceback).toContain('File "<cell>", line 2, in f');
		expect(value.error?.traceback).not.toContain('_pyodide');
		expect(value.result).toBeUndefined();
	});

	it('reports a syntax error with its line', async () => {
		const value = await run('x = (1,\nprint(x)');
		expect(value.error?.type).toBe('SyntaxError');
		expect(value.error?.traceback).toContain('<cell>');
	});

	it('starts each run with fresh globals and treats sys.exit(0) as success', async () => {
		await run('leftover = 1');
		const value = await run('print("leftover" in globals())\nimport sys\nsys.exit(0)');
		expect(value.stdout).toBe('False\n');
		expect(value.error).toBeUndefined();
	});

	it('has no network: fetch, XMLHttpRequest and friends are gone from the scope', async () => {
		const value = await run(
			[
				'import js',
				`names = ${JSON.stringify([...BLOCKED_GLOBALS])}`,
				'print(sorted(n for n in names if hasattr(js, n)))'
			].join('\n')
		);
		expect(value.stdout).toBe('[]\n');
		const pyfetch = await run(
			'from pyodide.http import pyfetch\nawait pyfetch("http://127.0.0.1:9/")'
		);
		expect(pyfetch.error).toMatchObject(NO_FETCH);
		expect(fetched).toEqual([]);
	});

	it('lends the page-backed fetch only to a run that may use the network', async () => {
		answerFetch = () => ({
			type: 'fetch-result',
			fetchId: 0,
			ok: true,
			response: { status: 200, statusText: 'OK', headers: [], body: encode('pong') }
		});
		const outcome = await call('run', {
			code: 'from pyodide.http import pyfetch\nr = await pyfetch("http://example.test/ping")\nawait r.string()',
			files: [],
			allowNetwork: true
		});
		expect(outcome.ok && (outcome.value.result ?? outcome.value.error?.traceback)).toBe("'pong'");
		expect(fetched.at(-1)?.url).toBe('http://example.test/ping');
		const after = await run('import js\nhasattr(js, "fetch")');
		expect(after.result).toBe('False');
		const count = fetched.length;
		const denied = await run(
			'from pyodide.http import pyfetch\nawait pyfetch("http://example.test/")'
		);
		expect(denied.error).toMatchObject(NO_FETCH);
		expect(fetched).toHaveLength(count);
	});

	it('mounts attachments read-only under /data', async () => {
		const value = await run(
			[
				'import os',
				'print(open("/data/notes.txt").read())',
				'print(sorted(os.listdir("/data")))',
				'for attempt in [',
				'    lambda: open("/data/notes.txt", "w"),',
				'    lambda: open("/data/new.txt", "w"),',
				'    lambda: os.remove("/data/notes.txt"),',
				'    lambda: os.chmod("/data/notes.txt", 0o666),',
				'    lambda: os.chmod("/data", 0o777),',
				'    lambda: os.rename("/data", "/elsewhere"),',
				']:',
				'    try:',
				'        attempt()',
				'        print("WROTE")',
				'    except OSError as e:',
				'        print(type(e).__name__)'
			].join('\n'),
			[
				{ name: 'notes.txt', data: encode('hello data') },
				{ name: '../evil/notes.txt', data: encode('x') }
			]
		);
		expect(value.error).toBeUndefined();
		const lines = value.stdout.trim().split('\n');
		expect(lines[0]).toBe('hello data');
		expect(lines[1]).toBe("['.._evil_notes.txt', 'notes.txt']");
		expect(lines.slice(2)).not.toContain('WROTE');
		expect(lines.slice(2)).toHaveLength(6);
		const next = await run('import os\nsorted(os.listdir("/data"))', [
			{ name: 'other.csv', data: encode('a,b') }
		]);
		expect(next.result).toBe("['other.csv']");
	});

	it('lists packages the code imports from the lock file, and none for the standard library', async () => {
		const wanted = await call('plan', { code: 'import numpy as np\nimport json, os' });
		expect(wanted).toEqual({ ok: true, value: { packages: ['numpy'] } });
		const none = await call('plan', { code: 'import json\nfrom collections import Counter' });
		expect(none).toEqual({ ok: true, value: { packages: [] } });
	});

	it('fails a package load clearly, fetching only through the page', async () => {
		answerFetch = () => ({
			type: 'fetch-result',
			fetchId: 0,
			ok: false,
			error: { code: 'network_blocked', message: 'Offline only is on.' }
		});
		const before = fetched.length;
		const outcome = await call('loadPackages', { names: ['numpy'] });
		expect(outcome.ok).toBe(false);
		if (outcome.ok) return;
		expect(outcome.error.code).toBe('package_unavailable');
		expect(outcome.error.message).toContain('numpy');
		expect(fetched.slice(before).some((r) => r.url.includes('numpy'))).toBe(true);
		expect(fetched.at(-1)?.url.startsWith('http://127.0.0.1:9/packages/')).toBe(true);
		const after = await run('import js\nhasattr(js, "fetch")');
		expect(after.result).toBe('False');
	}, 30_000);

	it('stops an infinite loop with KeyboardInterrupt through the interrupt buffer', async () => {
		const buffer = new SharedArrayBuffer(1);
		const again = await call('start', { packagesUrl: 'http://127.0.0.1:9/', interrupt: buffer });
		expect(again.ok && again.value.interruptible).toBe(true);
		// Another thread sets the flag, as the page does while this one is busy in Python.
		const setter = new NodeWorker(
			'const { workerData } = require("node:worker_threads"); setTimeout(() => Atomics.store(new Uint8Array(workerData), 0, 2), 300);',
			{ eval: true, workerData: buffer }
		);
		// The loop never ends by itself: the KeyboardInterrupt is the flag's doing.
		const value = await run('while True:\n    pass');
		await setter.terminate();
		expect(value.error?.type).toBe('KeyboardInterrupt');
		expect((await run('1 + 1')).result).toBe('2');
	}, 30_000);

	it('turns a MemoryError into python_memory, then refuses to run on the spent instance', async () => {
		const outcome = await call('run', {
			code: 'table = [0] * (10 ** 9)',
			files: [],
			allowNetwork: false
		});
		expect(outcome).toMatchObject({ ok: false, error: { code: 'python_memory' } });
		const next = await call('run', { code: '1', files: [], allowNetwork: false });
		expect(next).toMatchObject({ ok: false, error: { code: 'python_memory' } });
	}, 60_000);
});
