import { describe, expect, it } from 'vitest';
import { createPythonHost } from '$workers/python-host';
import type { PyodideLike, PythonHostDeps } from '$workers/python-host';
import type { PythonFromWorker } from '$lib/protocol/python';

// The host refuses Python, before loading it, when the worker's policy is not in force, and
// refuses to run code when its scope could not be stripped. Pyodide is a stand-in here: what is
// checked is that the real one is never loaded, or never handed code.

function hostWith(deps: Partial<PythonHostDeps>) {
	const posted: PythonFromWorker[] = [];
	let loads = 0;
	const host = createPythonHost({
		loadPyodide: async () => {
			loads++;
			return { runPython: () => ({ toJs: () => [], destroy() {} }) } as unknown as PyodideLike;
		},
		post: (m) => posted.push(m),
		scope: {},
		lockdown: () => [],
		...deps
	});
	const start = () =>
		new Promise<PythonFromWorker>((resolve) => {
			host.handle({ type: 'call', id: 1, call: 'start', params: { packagesUrl: 'http://x/' } });
			const timer = setInterval(() => {
				const result = posted.find((m) => m.type === 'result');
				if (result) {
					clearInterval(timer);
					resolve(result);
				}
			}, 5);
		});
	return { start, loads: () => loads };
}

describe('the Python host behind its fence', () => {
	it('refuses before loading Pyodide when a route out is open', async () => {
		const { start, loads } = hostWith({
			checkFence: async () => ['a dynamic import() of another host']
		});
		const result = await start();
		expect(result).toMatchObject({ ok: false, error: { code: 'python_unfenced' } });
		expect(result.type === 'result' && !result.ok && result.error.message).toContain(
			'a dynamic import() of another host'
		);
		expect(loads()).toBe(0);
	});

	it('refuses to run code when the scope kept something it should not have', async () => {
		const { start } = hostWith({
			checkFence: async () => [],
			lockdown: () => ['navigator.storage']
		});
		const result = await start();
		expect(result).toMatchObject({ ok: false, error: { code: 'python_unfenced' } });
	});
});
