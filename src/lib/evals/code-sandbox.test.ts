import { loadPyodide } from 'pyodide';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import { sandboxCodeRunner } from '$lib/evals/graders/code';
import { runEval } from '$lib/evals/harness';
import { OracleEngine } from '$lib/evals/oracle-engine';
import type { PythonWorkerLike } from '$lib/python/connection';
import { PythonSandbox } from '$lib/python/sandbox';
import type { PythonFromWorker, PythonToWorker } from '$lib/protocol/python';
import { openScratchWorkspace } from '$lib/storage/eval-workspace';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { BLOCKED_GLOBALS, createPythonHost, removeGlobals } from '$workers/python-host';
import type { PyodideLike } from '$workers/python-host';

// Code cases are graded by running the answer's Python with hidden tests in the real sandbox:
// the PythonSandbox client over the real worker host and Pyodide, here in this thread.

const restores: (() => void)[] = [];
afterAll(() => restores.reverse().forEach((restore) => restore()));

type Listener = (event: Event & { data?: unknown }) => void;

/** A "worker" that is the real host, in this thread. */
function inThreadWorker(): PythonWorkerLike {
	const listeners: Record<string, Listener[]> = { message: [], error: [], messageerror: [] };
	let terminated = false;
	const emit = (type: string, data: PythonFromWorker | undefined) => {
		if (terminated) return;
		const event = Object.assign(new Event(type), { data });
		setTimeout(() => listeners[type]?.forEach((l) => l(event)), 0);
	};
	const host = createPythonHost({
		loadPyodide: (options) => loadPyodide(options) as Promise<PyodideLike>,
		post: (message) => emit('message', message),
		scope: globalThis,
		lockdown: () => void restores.push(removeGlobals(globalThis, BLOCKED_GLOBALS))
	});
	setTimeout(() => emit('message', { type: 'ready' }), 0);
	return {
		postMessage: (message: PythonToWorker) => {
			if (!terminated) setTimeout(() => host.handle(message), 0);
		},
		addEventListener: (type, listener) => listeners[type]?.push(listener as Listener),
		terminate: () => {
			terminated = true;
		}
	};
}

describe('code-tests grader through the Python sandbox', { timeout: 120_000 }, () => {
	const sandbox = new PythonSandbox({ isolated: false, createWorker: inThreadWorker });
	const kase = CORE_SET.cases.find((c) => c.id === 'code-fibonacci')!;
	const question = kase.turns[0]!.text;

	async function grade(answer: string) {
		const engine = new OracleEngine({ [question]: { text: answer } });
		const run = await runEval(
			{ ...CORE_SET, cases: [kase] },
			{
				choice: { kind: 'ollama', engine, model: 'oracle' },
				label: 'Oracle'
			},
			{
				settings: () => ({ ...DEFAULT_SETTINGS, reflection: { code: false } }),
				openWorkspace: openScratchWorkspace,
				code: sandboxCodeRunner(sandbox)
			},
			{ signal: new AbortController().signal }
		);
		return run.results[0]!;
	}

	it('passes a right function and fails a wrong one with the failing assertion', async () => {
		const right = await grade(
			'```python\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```'
		);
		expect(right.graders.map((g) => g.reason)).toEqual(['The hidden tests pass.']);
		expect(right.pass).toBe(true);
		const wrong = await grade('```python\ndef fib(n):\n    return n\n```');
		expect(wrong.pass).toBe(false);
		expect(wrong.graders[0]?.reason).toMatch(/^The hidden tests fail: .*AssertionError/);
		const broken = await grade('```python\ndef fib(n) return n\n```');
		expect(broken.graders[0]?.reason).toContain('SyntaxError');
	});
});
