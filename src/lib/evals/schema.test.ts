import { describe, expect, it } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import { evalFileText, parseEvalFile, setProblems, validateCase } from '$lib/evals/schema';
import type { EvalSet } from '$lib/evals/types';

const mine: EvalSet = {
	id: 'mine',
	name: 'My cases',
	version: 3,
	cases: [
		{
			id: 'c1',
			category: 'custom',
			turns: [{ text: 'Capital of Peru?' }],
			graders: [{ kind: 'contains', expected: ['Lima'] }]
		}
	]
};

function fileWith(set: unknown): string {
	return JSON.stringify({ format: 'hearth-eval-set', version: 1, sets: [set] });
}

describe('eval-set files', () => {
	it('the built-in set is valid and survives export and import unchanged', () => {
		expect(setProblems(CORE_SET)).toEqual([]);
		const [back] = parseEvalFile(evalFileText([CORE_SET]));
		expect(back).toEqual({ ...CORE_SET, builtIn: false });
	});

	it('refuses what is not an eval set, naming the first problem', () => {
		expect(() => parseEvalFile('nope')).toThrow('not JSON');
		expect(() => parseEvalFile('{"format":"hearth-export"}')).toThrow('format');
		expect(() =>
			parseEvalFile(fileWith({ ...mine, cases: [{ ...mine.cases[0], turns: [] }] }))
		).toThrow('sets[0].cases[0].turns');
		expect(() =>
			parseEvalFile(fileWith({ ...mine, cases: [{ ...mine.cases[0], tools: ['rm_rf'] }] }))
		).toThrow('tools');
		expect(() =>
			parseEvalFile(
				fileWith({
					...mine,
					cases: [{ ...mine.cases[0], graders: [{ kind: 'regex', pattern: '(' }] }]
				})
			)
		).toThrow('not a valid regular expression');
		expect(() =>
			parseEvalFile(fileWith({ ...mine, cases: [mine.cases[0], mine.cases[0]] }))
		).toThrow('appears twice');
	});

	it('a model-graded check is never a case’s only grader', () => {
		const onlyModel = { ...mine.cases[0], graders: [{ kind: 'model', rubric: 'Is it Lima?' }] };
		expect(() => validateCase(onlyModel)).toThrow('never the only grader');
		expect(
			validateCase({
				...onlyModel,
				graders: [...onlyModel.graders, { kind: 'regex', pattern: 'lima' }]
			})
		).toMatchObject({ id: 'c1' });
	});

	it('imported sets are the person’s own, never built-in', () => {
		const [set] = parseEvalFile(fileWith({ ...mine, builtIn: true }));
		expect(set?.builtIn).toBe(false);
	});
});
