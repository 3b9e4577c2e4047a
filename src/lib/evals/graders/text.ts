// Graders that read the answer's text: exact (normalised), contains, regex and numeric.
import type { GraderResult } from '$lib/evals/types';

/**
 * Text as it is compared: Unicode-normalised, lower case, markdown emphasis and code ticks
 * dropped, spacing collapsed, and punctuation at either end trimmed ("**Paris.**" → "paris").
 */
export function normaliseText(text: string): string {
	return text
		.normalize('NFKC')
		.toLowerCase()
		.replace(/[*_`]+/g, '')
		.replace(/[\u2018\u2019]/g, "'")
		.replace(/[\u201c\u201d]/g, '"')
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/^[\s"'.,;:!?()[\]-]+|[\s"'.,;:!?()[\]-]+$/g, '');
}

/** The answer quoted in a reason: one line, at most 120 characters. */
export function quote(text: string, max = 120): string {
	const line = text.replace(/\s+/g, ' ').trim();
	return `"${line.length > max ? `${line.slice(0, max - 1)}…` : line}"`;
}

export function gradeExact(answer: string, expected: string, normalise = true): GraderResult {
	const pass = normalise
		? normaliseText(answer) === normaliseText(expected)
		: answer.trim() === expected.trim();
	return {
		kind: 'exact',
		pass,
		reason: pass
			? `The answer is ${quote(expected)}.`
			: `Expected ${quote(expected)}${normalise ? ' (ignoring case and punctuation)' : ''}, got ${quote(answer)}.`
	};
}

export function gradeContains(answer: string, expected: string[], any = false): GraderResult {
	const text = normaliseText(answer);
	const missing = expected.filter((phrase) => !text.includes(normaliseText(phrase)));
	const found = expected.length - missing.length;
	const pass = any ? found > 0 : missing.length === 0;
	const list = expected.map((p) => quote(p)).join(any ? ' or ' : ' and ');
	return {
		kind: 'contains',
		pass,
		reason: pass
			? `The answer mentions ${list}.`
			: `The answer does not mention ${any ? list : missing.map((p) => quote(p)).join(' and ')}: ${quote(answer)}.`
	};
}

export function gradeRegex(
	answer: string,
	pattern: string,
	flags = 'i',
	absent = false
): GraderResult {
	let re: RegExp;
	try {
		re = new RegExp(pattern, flags.replace(/g/g, ''));
	} catch {
		return { kind: 'regex', pass: false, reason: `The pattern /${pattern}/ is not valid.` };
	}
	const match = re.exec(answer);
	if (absent) {
		return {
			kind: 'regex',
			pass: match === null,
			reason: match
				? `The answer must not match /${pattern}/, but does at ${quote(match[0], 60)}.`
				: `The answer does not match /${pattern}/, as it should not.`
		};
	}
	return {
		kind: 'regex',
		pass: match !== null,
		reason: match
			? `The answer matches /${pattern}/ at ${quote(match[0], 60)}.`
			: `The answer does not match /${pattern}/: ${quote(answer)}.`
	};
}

// Numbers as people write them: -3, 1,234.5, 4.0, 1e3, and the Unicode minus sign.
const NUMBER = /[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?/gi;

/** Every number in the text, in order. */
export function numbersIn(text: string): number[] {
	return [...text.matchAll(NUMBER)]
		.map((m) => Number(m[0].replace(/,/g, '').replace('\u2212', '-')))
		.filter((n) => Number.isFinite(n));
}

/** The answer's last number (its final result, as the prompts ask for) is within tolerance. */
export function gradeNumeric(answer: string, expected: number, tolerance = 0): GraderResult {
	const numbers = numbersIn(answer);
	const last = numbers.at(-1);
	if (last === undefined) {
		return {
			kind: 'numeric',
			pass: false,
			reason: `Expected ${expected}; the answer has no number: ${quote(answer)}.`
		};
	}
	// A tolerance of 0 still forgives floating-point noise (0.1 + 0.2).
	const pass = Math.abs(last - expected) <= Math.max(tolerance, 1e-9 * Math.abs(expected));
	const within = tolerance > 0 ? ` ± ${tolerance}` : '';
	return {
		kind: 'numeric',
		pass,
		reason: pass
			? `The answer's number is ${last} (expected ${expected}${within}).`
			: `Expected ${expected}${within}; the answer's last number is ${last}.`
	};
}
