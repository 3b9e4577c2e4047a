// Runs a case's graders over what the eval saw. Deterministic code for every kind but `model`.
import type { CodeRunner } from '$lib/evals/graders/code';
import { gradeCode } from '$lib/evals/graders/code';
import { gradeCitation } from '$lib/evals/graders/citation';
import { gradeJsonPath } from '$lib/evals/graders/json-path';
import { gradeByModel, type Judge } from '$lib/evals/graders/judge';
import { gradeContains, gradeExact, gradeNumeric, gradeRegex } from '$lib/evals/graders/text';
import { gradeNoTool, gradeToolCall } from '$lib/evals/graders/tool-call';
import type { EvalToolCall, Grader, GraderResult } from '$lib/evals/types';
import type { Timings } from '$lib/types/llm';

export interface GradeInput {
	/** The final answer, reasoning removed. */
	answer: string;
	/** The final question (for the judge). */
	question: string;
	toolCalls: readonly EvalToolCall[];
	/** The final answer's timings. */
	timings?: Timings;
	/** Index of the final turn. */
	finalTurn: number;
}

export interface GradeTools {
	code?: CodeRunner;
	judge?: Judge;
	signal: AbortSignal;
}

export function gradeLatency(
	timings: Timings | undefined,
	maxFirstTokenMs?: number,
	maxTotalMs?: number
): GraderResult {
	const problems: string[] = [];
	const seen: string[] = [];
	const first = timings?.timeToFirstTokenMs;
	if (maxFirstTokenMs !== undefined) {
		if (first === undefined) problems.push('no text arrived');
		else if (first > maxFirstTokenMs)
			problems.push(`first token after ${Math.round(first)} ms (goal ${maxFirstTokenMs} ms)`);
		else seen.push(`first token after ${Math.round(first)} ms`);
	}
	const total = timings?.totalMs;
	if (maxTotalMs !== undefined) {
		if (total === undefined) problems.push('no total time');
		else if (total > maxTotalMs)
			problems.push(`took ${Math.round(total)} ms (goal ${maxTotalMs} ms)`);
		else seen.push(`done in ${Math.round(total)} ms`);
	}
	return {
		kind: 'latency',
		pass: problems.length === 0,
		reason: problems.length ? `Too slow: ${problems.join('; ')}.` : `In time: ${seen.join(', ')}.`
	};
}

export async function grade(
	grader: Grader,
	input: GradeInput,
	tools: GradeTools
): Promise<GraderResult> {
	switch (grader.kind) {
		case 'exact':
			return gradeExact(input.answer, grader.expected, grader.normalise ?? true);
		case 'contains':
			return gradeContains(input.answer, grader.expected, grader.any);
		case 'regex':
			return gradeRegex(input.answer, grader.pattern, grader.flags, grader.absent);
		case 'numeric':
			return gradeNumeric(input.answer, grader.expected, grader.tolerance);
		case 'json-path':
			return gradeJsonPath(input.answer, grader.path, grader.expected);
		case 'tool-call':
			return gradeToolCall(input.toolCalls, grader.tool, grader.args, grader.turn);
		case 'no-tool':
			return gradeNoTool(input.toolCalls, grader.tools, grader.args);
		case 'code-tests':
			return gradeCode(input.answer, grader.tests, tools.code, tools.signal);
		case 'citation':
			return gradeCitation(input.answer, input.toolCalls, grader.passage, input.finalTurn);
		case 'latency':
			return gradeLatency(input.timings, grader.maxFirstTokenMs, grader.maxTotalMs);
		case 'model':
			return gradeByModel(
				tools.judge,
				{ question: input.question, answer: input.answer, rubric: grader.rubric },
				tools.signal
			);
	}
}

/** Every grader of a case, in order; the case passes when none that ran failed. */
export async function gradeAll(
	graders: readonly Grader[],
	input: GradeInput,
	tools: GradeTools
): Promise<{ pass: boolean; results: GraderResult[] }> {
	const results: GraderResult[] = [];
	for (const grader of graders) results.push(await grade(grader, input, tools));
	const counted = results.filter((r) => !r.skipped);
	return { pass: counted.length > 0 && counted.every((r) => r.pass), results };
}
