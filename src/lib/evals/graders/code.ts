// The code grader: the Python in the answer, followed by hidden tests, runs in the sandbox and
// passes when nothing raises.
import type { GraderResult } from '$lib/evals/types';
import type { PythonRunner } from '$lib/tools/python';

/** Runs Python somewhere safe (the app's Pyodide sandbox; the terminal's own). */
export interface CodeRunner {
	run(code: string, signal: AbortSignal): Promise<{ ok: boolean; output: string; error?: string }>;
}

/** The answer's code: its last ```python block (or any fenced block), else nothing. */
export function extractPython(answer: string): string | undefined {
	const blocks = [...answer.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)];
	const python = blocks.filter((b) => /^(python|py|python3)?$/i.test(b[1] ?? ''));
	const chosen = (python.length ? python : blocks).at(-1)?.[2];
	if (chosen !== undefined) return chosen;
	// A bare answer that is plainly a Python definition counts too.
	return /^\s*(def|class|import|from)\s/m.test(answer) && !/```/.test(answer) ? answer : undefined;
}

export async function gradeCode(
	answer: string,
	tests: string,
	runner: CodeRunner | undefined,
	signal: AbortSignal
): Promise<GraderResult> {
	const code = extractPython(answer);
	if (code === undefined) {
		return { kind: 'code-tests', pass: false, reason: 'The answer has no Python code block.' };
	}
	if (!runner) {
		return {
			kind: 'code-tests',
			pass: false,
			reason: 'No Python sandbox was available to test it.'
		};
	}
	const result = await runner.run(`${code}\n\n${tests}\n`, signal);
	if (result.ok) return { kind: 'code-tests', pass: true, reason: 'The hidden tests pass.' };
	const why = (result.error ?? result.output).trim().split('\n').slice(-3).join(' ').slice(0, 300);
	return { kind: 'code-tests', pass: false, reason: `The hidden tests fail: ${why}` };
}

/** A CodeRunner over the app's Python sandbox: no network, a 20 s limit, an error fails it. */
export function sandboxCodeRunner(python: PythonRunner): CodeRunner {
	return {
		async run(code, signal) {
			const result = await python.run(code, { signal, timeoutMs: 20_000, allowNetwork: false });
			const output = `${result.stdout}${result.stderr}`;
			return result.error
				? { ok: false, output, error: `${result.error.type}: ${result.error.message}` }
				: { ok: true, output };
		}
	};
}
