// The citation grader: the answer cites ([1], [2]…) the passage it should have used, as numbered
// by the search_knowledge results it read.
import type { EvalToolCall, GraderResult } from '$lib/evals/types';

/** The passage id in a search_knowledge source link (hearth-doc:<doc>#chunk=<chunk>). */
export function passageIdOf(url: string): string | undefined {
	const m = /#chunk=([^&]+)$/.exec(url);
	return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/** The numbers cited as [n] (also [1, 2] and [1][2]). */
export function citedNumbers(answer: string): number[] {
	const out = new Set<number>();
	for (const m of answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
		for (const n of m[1]!.split(',')) out.add(Number(n.trim()));
	}
	return [...out];
}

export function gradeCitation(
	answer: string,
	calls: readonly EvalToolCall[],
	passage: string,
	finalTurn: number
): GraderResult {
	// The numbering the answer used is that of the last search in its own turn.
	const search = calls.filter((c) => c.name === 'search_knowledge' && c.turn === finalTurn).at(-1);
	if (!search) {
		return { kind: 'citation', pass: false, reason: 'The documents were never searched.' };
	}
	const ids = (search.sources ?? []).map((s) => passageIdOf(s.url));
	const position = ids.indexOf(passage) + 1;
	const cited = citedNumbers(answer);
	if (position === 0) {
		return {
			kind: 'citation',
			pass: false,
			reason: `The search did not find passage ${passage} (it found ${ids.filter(Boolean).join(', ') || 'nothing'}).`
		};
	}
	const pass = cited.includes(position);
	return {
		kind: 'citation',
		pass,
		reason: pass
			? `Cites [${position}], passage ${passage}.`
			: cited.length
				? `Cites ${cited.map((n) => `[${n}]`).join(' ')}; passage ${passage} was [${position}].`
				: `No citation; passage ${passage} was [${position}].`
	};
}
