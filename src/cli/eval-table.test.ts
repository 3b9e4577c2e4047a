import { describe, expect, it } from 'vitest';
import type { CaseResult, EvalRun, EvalSet } from '$lib/evals/types';
import { comparisonTable, failReason } from './eval-table';

const SET: EvalSet = { id: 's', name: 'Set', version: 2, cases: [] };
const plain = { write: () => {}, styled: false, columns: 100 };

function result(caseId: string, pass: boolean, extra: Partial<CaseResult> = {}): CaseResult {
	return {
		caseId,
		category: 'arithmetic',
		pass,
		graders: [
			{
				kind: 'numeric',
				pass,
				reason: pass ? 'Got 4.' : "Expected 4; the answer's last number is 5."
			}
		],
		transcript: [],
		toolCalls: [],
		wallMs: 10,
		timings: { totalMs: 200, timeToFirstTokenMs: 50 },
		...extra
	};
}

function run(label: string, results: CaseResult[]): EvalRun {
	return {
		id: label,
		setId: 's',
		setName: 'Set',
		setVersion: 2,
		engine: 'ollama',
		model: label,
		label,
		startedAt: 0,
		status: 'done',
		options: { temperature: 0, topP: 1, seed: 42 },
		caseCount: 2,
		results
	};
}

describe('the terminal eval table', () => {
	it('puts the models side by side and lists only the cases where they differ, with why', () => {
		const a = run('A', [result('one', true), result('two', false)]);
		const b = run('B', [result('one', true), result('two', true)]);
		const text = comparisonTable(SET, [a, b], plain);
		expect(text).toContain('Set (version 2)');
		expect(text).toMatch(/Task completion\s*│ 50 % \(1\/2\)\s*│ 100 % \(2\/2\)/);
		expect(text).toMatch(/arithmetic\s*│ 1\/2\s*│ 2\/2/);
		expect(text).toMatch(/First token p50 \/ p95\s*│ 50 ms \/ 50 ms/);
		expect(text).toContain('Cases where they differ (1)');
		// The reason wraps in its column; none of it is cut.
		expect(text).toMatch(/│ two\s*│ fail: numeric: Expected 4; the answer's\s*│ pass\s*│/);
		expect(text).toMatch(/│\s*│ last number is 5\.\s*│\s*│/);
		expect(text).not.toMatch(/^│ one/m);
		// Piped: no colour escapes.
		expect(text).not.toContain('\x1b[');
	});

	it('for one model lists its failures; an error is the reason when there is one', () => {
		const failed = result('two', false, {
			graders: [],
			error: { code: 'engine_unreachable', message: 'Ollama is not running.' }
		});
		expect(failReason(failed)).toBe('engine_unreachable: Ollama is not running.');
		const text = comparisonTable(SET, [run('A', [result('one', true), failed])], plain);
		expect(text).toContain('Failed cases (1)');
		expect(comparisonTable(SET, [run('A', [result('one', true)])], plain)).toContain(
			'Every case passed.'
		);
	});
});
