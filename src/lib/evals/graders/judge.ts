// The model-graded check: another (or the same) model reads the question, the answer and a
// rubric and says pass or fail with a reason. Optional, labelled as such wherever it is shown,
// and never a case's only grader (see evals/validate).
import type { EngineChoice } from '$lib/engine/types';
import type { GraderResult } from '$lib/evals/types';
import { toHearthError } from '$lib/types/errors';
import { stripReasoning } from '$lib/utils/reasoning';

export interface Judge {
	/** "Ollama · qwen2.5:7b", shown beside every verdict. */
	readonly label: string;
	judge(
		input: { question: string; answer: string; rubric: string },
		signal: AbortSignal
	): Promise<{
		pass: boolean;
		reason: string;
	}>;
}

const VERDICT_SCHEMA = {
	type: 'object',
	properties: { pass: { type: 'boolean' }, reason: { type: 'string' } },
	required: ['pass', 'reason']
};

const PROMPT =
	'You grade an assistant\'s answer against a rubric. Reply with JSON only: {"pass": true or false, "reason": "one sentence"}. Pass only when the answer meets every point of the rubric.';

/** A judge over any engine: temperature 0, the reply constrained to the verdict's schema. */
export function engineJudge(choice: EngineChoice, label: string): Judge {
	return {
		label,
		async judge({ question, answer, rubric }, signal) {
			let text = '';
			const request = {
				model: choice.model,
				messages: [
					{ role: 'system' as const, content: PROMPT },
					{
						role: 'user' as const,
						content: `Rubric:\n${rubric}\n\nQuestion:\n${question}\n\nAnswer:\n${answer}`
					}
				],
				options: { temperature: 0, maxTokens: 200, seed: 7 },
				responseSchema: VERDICT_SCHEMA
			};
			for await (const delta of choice.engine.chat(request, signal)) {
				if (delta.type === 'text') text += delta.text;
			}
			return parseVerdict(stripReasoning(text));
		}
	};
}

export function parseVerdict(text: string): { pass: boolean; reason: string } {
	try {
		const value = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as {
			pass?: unknown;
			reason?: unknown;
		};
		if (typeof value.pass === 'boolean') {
			return { pass: value.pass, reason: typeof value.reason === 'string' ? value.reason : '' };
		}
	} catch {
		// Falls through: an unreadable verdict is a failure, said so.
	}
	return { pass: false, reason: `The judge's reply was not a verdict: "${text.slice(0, 80)}".` };
}

export async function gradeByModel(
	judge: Judge | undefined,
	input: { question: string; answer: string; rubric: string },
	signal: AbortSignal
): Promise<GraderResult> {
	if (!judge) {
		return {
			kind: 'model',
			pass: true,
			skipped: true,
			modelGraded: true,
			reason: 'Model-graded check skipped: no judge model was chosen.'
		};
	}
	try {
		const verdict = await judge.judge(input, signal);
		return {
			kind: 'model',
			pass: verdict.pass,
			modelGraded: true,
			reason: `Model-graded by ${judge.label}: ${verdict.reason || (verdict.pass ? 'pass' : 'fail')}`
		};
	} catch (e) {
		const error = toHearthError(e);
		if (error.code === 'aborted') throw error;
		return {
			kind: 'model',
			pass: false,
			modelGraded: true,
			reason: `Model-graded check failed to run (${judge.label}): ${error.message}`
		};
	}
}
