// `hearth eval` grading code cases as a real process: the answer's Python runs against the
// case's hidden tests in the terminal's Pyodide child (the web app's code grader and sandbox
// runner). The Ollama fixture echoes the question, so each case's question is the answer it gets.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EvalRun } from '$lib/evals/types';
import { startOllamaFixture } from '../../tests/fixtures/ollama-fixture.js';
import { runHearth, type HearthRun } from './test-fixtures/hearth-process';

// A cold Pyodide start is 8–12 s on two busy cores, on top of the process's own start.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const TESTS = ['assert fib(0) == 0', 'assert fib(1) == 1', 'assert fib(10) == 55'].join('\n');
const codeCase = (id: string, answer: string) => ({
	id,
	category: 'code',
	turns: [{ text: `\`\`\`python\n${answer}\n\`\`\`` }],
	graders: [{ kind: 'code-tests', tests: TESTS }]
});
const SET = {
	format: 'hearth-eval-set',
	version: 1,
	sets: [
		{
			id: 'code',
			name: 'Code',
			version: 1,
			cases: [
				codeCase(
					'fib-right',
					'def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a'
				),
				codeCase('fib-wrong', 'def fib(n):\n    return n'),
				codeCase('raises', 'print(undefined_name)')
			]
		}
	]
};

let home = '';
let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;

function hearth(args: string[]): Promise<HearthRun> {
	return runHearth(args, {
		cwd: home,
		env: { HOME: home, HEARTH_HOME: home, OLLAMA_HOST: ollama.url }
	});
}

beforeAll(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-eval-code-'));
	ollama = await startOllamaFixture({ chunkDelayMs: 0 });
	await writeFile(path.join(home, 'code.json'), JSON.stringify(SET));
});
afterAll(async () => {
	await ollama?.close();
	await rm(home, { recursive: true, force: true });
});

describe('hearth eval grades code cases in the Node Python sandbox', () => {
	it('passes the right function and fails the wrong one with the failing test', async () => {
		const run = await hearth(['eval', 'code.json', '--model', 'llama3.2:1b', '--json']);
		expect(run.code, run.stderr).toBe(0);
		const { runs } = JSON.parse(run.stdout) as { runs: EvalRun[] };
		const results = Object.fromEntries(runs[0]!.results.map((r) => [r.caseId, r]));
		expect(results['fib-right']).toMatchObject({ pass: true });
		expect(results['fib-right']!.graders).toEqual([
			{ kind: 'code-tests', pass: true, reason: 'The hidden tests pass.' }
		]);
		// The wrong function ran: fib(10) == 55 is what failed (fib(0) and fib(1) hold for n).
		expect(results['fib-wrong']!.pass).toBe(false);
		expect(results['fib-wrong']!.graders[0]!.reason).toMatch(
			/^The hidden tests fail: .*AssertionError/
		);
		expect(results['fib-wrong']!.graders[0]!.reason).not.toContain('No Python sandbox');
		// Code that raises before the tests: the exception is the reason.
		expect(results['raises']!.graders[0]!.reason).toMatch(/NameError.*undefined_name/);
	});
});
