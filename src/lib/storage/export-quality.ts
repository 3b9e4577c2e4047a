import * as v from 'valibot';
import { EvalSetSchema, setProblems } from '$lib/evals/schema';
import type { EvalSet } from '$lib/evals/types';
import type { Feedback } from '$lib/metrics/feedback';
import { MAX_REASON_CHARS } from '$lib/metrics/feedback';
import type { HearthDb } from '$lib/storage/db';
import { ENGINE_KINDS } from '$lib/types/llm';

// The person's verdicts on answers and their own eval sets, in a backup. Usage metrics and eval
// runs are measurements of this device and stay behind.

export interface QualityExport {
	feedback: Feedback[];
	evalSets: EvalSet[];
}

const Finite = v.pipe(v.number(), v.finite());

const FeedbackSchema = v.object({
	messageId: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
	conversationId: v.pipe(v.string(), v.maxLength(200)),
	rating: v.picklist(['up', 'down']),
	reason: v.optional(v.pipe(v.string(), v.maxLength(MAX_REASON_CHARS))),
	at: Finite,
	day: v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected a YYYY-MM-DD day')),
	engine: v.optional(v.picklist(ENGINE_KINDS)),
	model: v.optional(v.string()),
	agent: v.optional(v.string())
});

export const QualitySchema = v.pipe(
	v.object({ feedback: v.array(FeedbackSchema), evalSets: v.array(EvalSetSchema) }),
	v.check(
		(q) => q.evalSets.every((set) => setProblems(set as EvalSet).length === 0),
		'An eval set in it breaks the rules (a model-graded check alone, an invalid pattern, a case twice).'
	)
);

export function qualityTables(db: HearthDb) {
	return [db.feedback, db.evalSets];
}

/** Call inside a read transaction over `qualityTables`. */
export async function readQuality(db: HearthDb): Promise<QualityExport | undefined> {
	const [feedback, evalSets] = await Promise.all([db.feedback.toArray(), db.evalSets.toArray()]);
	if (feedback.length === 0 && evalSets.length === 0) return undefined;
	return { feedback, evalSets };
}

/** Merges a backup's verdicts and sets: the newer verdict wins; a set this device has stays. */
export async function writeQuality(
	db: HearthDb,
	data: QualityExport
): Promise<{ feedbackAdded: number; evalSetsAdded: number }> {
	return db.transaction('rw', db.feedback, db.evalSets, async () => {
		const local = await db.feedback.bulkGet(data.feedback.map((f) => f.messageId));
		const feedback = data.feedback.filter((f, i) => !local[i] || local[i]!.at < f.at);
		const sets = await db.evalSets.bulkGet(data.evalSets.map((s) => s.id));
		const evalSets = data.evalSets
			.filter((_, i) => !sets[i])
			.map((s) => ({ ...s, builtIn: false }));
		if (feedback.length) await db.feedback.bulkPut(feedback);
		if (evalSets.length) await db.evalSets.bulkPut(evalSets);
		return { feedbackAdded: feedback.length, evalSetsAdded: evalSets.length };
	});
}
