// The json-path grader: the answer holds JSON (bare, or in a ```json block) and the value at a
// path equals what was expected.
import type { GraderResult, JsonValue } from '$lib/evals/types';
import { quote } from '$lib/evals/graders/text';

/** The first JSON object or array in the text: a fenced block first, else a balanced span. */
export function extractJson(text: string): unknown {
	const fenced = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text);
	if (fenced?.[1]) {
		try {
			return JSON.parse(fenced[1]);
		} catch {
			// Fall through to a scan of the whole text.
		}
	}
	for (let start = 0; start < text.length; start++) {
		const open = text[start];
		if (open !== '{' && open !== '[') continue;
		const end = matchingClose(text, start);
		if (end < 0) continue;
		try {
			return JSON.parse(text.slice(start, end + 1));
		} catch {
			// Not JSON after all ("{like this}"): keep looking.
		}
	}
	return undefined;
}

/** The index of the bracket closing the one at `start`, skipping strings; -1 if none. */
function matchingClose(text: string, start: number): number {
	let depth = 0;
	let inString = false;
	for (let i = start; i < text.length; i++) {
		const c = text[i];
		if (inString) {
			if (c === '\\') i++;
			else if (c === '"') inString = false;
		} else if (c === '"') inString = true;
		else if (c === '{' || c === '[') depth++;
		else if (c === '}' || c === ']') {
			depth--;
			if (depth === 0) return i;
		}
	}
	return -1;
}

/** Steps of a path: `$.user.tags[1]`, `user.tags.1` and `$["odd key"]` all work. */
export function parsePath(path: string): (string | number)[] {
	const steps: (string | number)[] = [];
	const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
	const body = path.trim().replace(/^\$/, '');
	for (const m of body.matchAll(re)) {
		if (m[1] !== undefined) steps.push(Number(m[1]));
		else if (m[2] !== undefined) steps.push(m[2]);
		else if (m[3] !== undefined) steps.push(/^\d+$/.test(m[3]) ? Number(m[3]) : m[3]);
	}
	return steps;
}

export function valueAt(value: unknown, path: string): { found: boolean; value?: unknown } {
	let current = value;
	for (const step of parsePath(path)) {
		if (typeof step === 'number' && Array.isArray(current) && step < current.length) {
			current = current[step];
		} else if (
			typeof step === 'string' &&
			current !== null &&
			typeof current === 'object' &&
			!Array.isArray(current) &&
			Object.hasOwn(current, step)
		) {
			current = (current as Record<string, unknown>)[step];
		} else {
			return { found: false };
		}
	}
	return { found: true, value: current };
}

/** Structural equality; numbers compare by value, object keys in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9;
	if (Array.isArray(a) && Array.isArray(b)) {
		return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
	}
	if (a && b && typeof a === 'object' && typeof b === 'object') {
		if (Array.isArray(a) || Array.isArray(b)) return false;
		const ka = Object.keys(a);
		const kb = Object.keys(b);
		return (
			ka.length === kb.length &&
			ka.every((k) =>
				jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
			)
		);
	}
	return false;
}

export function gradeJsonPath(answer: string, path: string, expected: JsonValue): GraderResult {
	const json = extractJson(answer);
	if (json === undefined) {
		return {
			kind: 'json-path',
			pass: false,
			reason: `The answer holds no JSON: ${quote(answer)}.`
		};
	}
	const at = valueAt(json, path);
	if (!at.found) {
		return { kind: 'json-path', pass: false, reason: `The answer's JSON has nothing at ${path}.` };
	}
	const pass = jsonEqual(at.value, expected);
	return {
		kind: 'json-path',
		pass,
		reason: pass
			? `${path} is ${JSON.stringify(expected)}.`
			: `${path} should be ${JSON.stringify(expected)}, it is ${JSON.stringify(at.value)}.`
	};
}
