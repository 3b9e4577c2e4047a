// An eval case made from an answer the person saw ("add to my eval set", or a thumbs-down made
// into a case in one step): the question as asked, the agent that answered, the tools it used,
// and a deterministic check of the expected result.
import { EVAL_TOOL_NAMES } from '$lib/evals/tool-names';
import type { EvalCase, EvalSet, Grader } from '$lib/evals/types';
import type { Message } from '$lib/types/chat';

/** How the expected result is checked. */
export type ExpectKind = 'contains' | 'exact' | 'regex' | 'numeric';

export const MY_SET_ID = 'my-cases';

export function emptyMySet(): EvalSet {
	return {
		id: MY_SET_ID,
		name: 'My cases',
		version: 1,
		description: 'Cases you added, from scratch or from answers.',
		cases: []
	};
}

export function graderFor(kind: ExpectKind, expected: string): Grader {
	switch (kind) {
		case 'exact':
			return { kind: 'exact', expected };
		case 'regex':
			return { kind: 'regex', pattern: expected };
		case 'numeric':
			return { kind: 'numeric', expected: Number(expected.replace(/,/g, '')) };
		case 'contains':
			return { kind: 'contains', expected: [expected] };
	}
}

export function caseFromAnswer(input: {
	id: string;
	question: string;
	answer: Pick<Message, 'agent' | 'toolCalls'>;
	expected: string;
	kind: ExpectKind;
	note?: string;
}): EvalCase {
	const known = new Set<string>(EVAL_TOOL_NAMES);
	const tools = [...new Set((input.answer.toolCalls ?? []).map((c) => c.name))].filter((n) =>
		known.has(n)
	);
	return {
		id: input.id,
		category: 'custom',
		turns: [{ text: input.question }],
		graders: [graderFor(input.kind, input.expected)],
		...(input.answer.agent ? { agent: input.answer.agent.id } : {}),
		...(tools.length ? { tools } : {}),
		...(input.note ? { note: input.note } : {})
	};
}

/** The set with the case added (or replaced by id), its version raised. */
export function withCase(set: EvalSet, kase: EvalCase): EvalSet {
	const others = set.cases.filter((c) => c.id !== kase.id);
	return { ...set, version: set.version + 1, cases: [...others, kase] };
}

export function withoutCase(set: EvalSet, caseId: string): EvalSet {
	return { ...set, version: set.version + 1, cases: set.cases.filter((c) => c.id !== caseId) };
}
