// Tool-call graders: the call the model actually made, checked against the one expected, with
// arguments normalised the way a person would read them ("Python Tutorials." is "python
// tutorials", "4" is 4, key order and extra arguments do not matter).
import type { ArgExpectation, EvalToolCall, GraderResult, JsonValue } from '$lib/evals/types';
import { jsonEqual } from '$lib/evals/graders/json-path';
import { normaliseText } from '$lib/evals/graders/text';

/** A call's arguments as an object: raw text that never validated is parsed if it can be. */
export function argsObject(args: unknown): Record<string, unknown> | undefined {
	let value = args;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return undefined;
		}
	}
	return value && typeof value === 'object' && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
}

/** The argument by its name, or by the same name in another case or spelling (search_query). */
function lookup(args: Record<string, unknown>, key: string): { found: boolean; value?: unknown } {
	if (Object.hasOwn(args, key)) return { found: true, value: args[key] };
	const wanted = key.toLowerCase().replace(/[-_\s]/g, '');
	const other = Object.keys(args).find((k) => k.toLowerCase().replace(/[-_\s]/g, '') === wanted);
	return other === undefined ? { found: false } : { found: true, value: args[other] };
}

function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value.trim()))) {
		return Number(value.trim());
	}
	return undefined;
}

/** A bare expected value against what the model sent, after normalisation. */
function sameValue(expected: JsonValue, actual: unknown): boolean {
	if (typeof expected === 'string') {
		return typeof actual === 'string' && normaliseText(actual) === normaliseText(expected);
	}
	if (typeof expected === 'number') {
		const n = asNumber(actual);
		return n !== undefined && Math.abs(n - expected) < 1e-9;
	}
	if (typeof expected === 'boolean') {
		return (
			actual === expected ||
			(typeof actual === 'string' && actual.trim().toLowerCase() === String(expected))
		);
	}
	if (Array.isArray(expected)) {
		return (
			Array.isArray(actual) &&
			actual.length === expected.length &&
			expected.every((e, i) => sameValue(e, actual[i]))
		);
	}
	if (expected && typeof expected === 'object') {
		const obj = argsObject(actual);
		return (
			obj !== undefined &&
			Object.entries(expected).every(([k, v]) => {
				const got = lookup(obj, k);
				return got.found && sameValue(v, got.value);
			})
		);
	}
	return jsonEqual(expected, actual);
}

/** Whether one argument meets its expectation. */
export function argMatches(expectation: ArgExpectation, actual: unknown): boolean {
	if (typeof expectation !== 'object' || expectation === null)
		return sameValue(expectation, actual);
	if ('is' in expectation) return sameValue(expectation.is, actual);
	if ('contains' in expectation) {
		return (
			typeof actual === 'string' &&
			normaliseText(actual).includes(normaliseText(expectation.contains))
		);
	}
	if ('matches' in expectation) {
		try {
			return typeof actual === 'string' && new RegExp(expectation.matches, 'i').test(actual);
		} catch {
			return false;
		}
	}
	if ('near' in expectation) {
		const n = asNumber(actual);
		return n !== undefined && Math.abs(n - expectation.near) <= (expectation.tolerance ?? 0) + 1e-9;
	}
	return actual !== undefined && actual !== null && actual !== '';
}

function describeExpectation(e: ArgExpectation): string {
	if (typeof e !== 'object' || e === null) return `≈ ${JSON.stringify(e)}`;
	if ('is' in e) return `≈ ${JSON.stringify(e.is)}`;
	if ('contains' in e) return `containing ${JSON.stringify(e.contains)}`;
	if ('matches' in e) return `matching /${e.matches}/`;
	if ('near' in e) return `≈ ${e.near}${e.tolerance ? ` ± ${e.tolerance}` : ''}`;
	return 'given';
}

function describeCall(call: EvalToolCall): string {
	const args = typeof call.args === 'string' ? call.args : JSON.stringify(call.args);
	return `${call.name}(${(args ?? '').slice(0, 100)})`;
}

/** Which expectations a call's arguments miss (empty: it matches). */
export function missedArgs(expected: Record<string, ArgExpectation>, call: EvalToolCall): string[] {
	const args = argsObject(call.args);
	if (!args) return Object.keys(expected);
	return Object.entries(expected)
		.filter(([key, e]) => {
			const got = lookup(args, key);
			return !got.found || !argMatches(e, got.value);
		})
		.map(([key]) => key);
}

export function gradeToolCall(
	calls: readonly EvalToolCall[],
	tool: string,
	args: Record<string, ArgExpectation> = {},
	turn?: number
): GraderResult {
	const inTurn = turn === undefined ? calls : calls.filter((c) => c.turn === turn);
	const named = inTurn.filter((c) => c.name === tool);
	const expected = Object.entries(args)
		.map(([k, e]) => `${k} ${describeExpectation(e)}`)
		.join(', ');
	const wanted = `${tool}(${expected})`;
	const match = named.find((c) => missedArgs(args, c).length === 0);
	if (match) {
		return { kind: 'tool-call', pass: true, reason: `Called ${describeCall(match)}.` };
	}
	if (named.length > 0) {
		const closest = named[0]!;
		const missed = missedArgs(args, closest);
		return {
			kind: 'tool-call',
			pass: false,
			reason: `Expected ${wanted}; called ${describeCall(closest)}, where ${missed.join(', ')} did not match.`
		};
	}
	const where = turn === undefined ? '' : ` in turn ${turn + 1}`;
	return {
		kind: 'tool-call',
		pass: false,
		reason: inTurn.length
			? `Expected ${wanted}${where}; the calls were ${inTurn.map(describeCall).join(', ')}.`
			: `Expected ${wanted}${where}; no tool was called.`
	};
}

export function gradeNoTool(
	calls: readonly EvalToolCall[],
	tools: readonly string[],
	args?: Record<string, ArgExpectation>
): GraderResult {
	const bad = calls.filter(
		(c) => tools.includes(c.name) && (!args || missedArgs(args, c).length === 0)
	);
	const which = args
		? ` with ${Object.entries(args)
				.map(([k, e]) => `${k} ${describeExpectation(e)}`)
				.join(', ')}`
		: '';
	return {
		kind: 'no-tool',
		pass: bad.length === 0,
		reason: bad.length
			? `Called ${bad.map((c) => `${describeCall(c)} [${c.status}]`).join(', ')}, which it must not.`
			: `No call to ${tools.join(' or ')}${which}.`
	};
}
