// Eval sets as JSON files: the valibot schema for importing one, the rules a set must keep (a
// model-graded check is never a case's only grader; patterns compile; ids are unique), and the
// file format for exporting.
import * as v from 'valibot';
import { EVAL_TOOL_NAMES } from '$lib/evals/tool-names';
import { EVAL_CATEGORIES, type EvalCase, type EvalSet } from '$lib/evals/types';
import { HearthError } from '$lib/types/errors';

export const EVAL_FILE_FORMAT = 'hearth-eval-set';

const Text = v.pipe(v.string(), v.maxLength(20_000));
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Json: v.GenericSchema = v.lazy(() =>
	v.union([
		v.string(),
		v.number(),
		v.boolean(),
		v.null(),
		v.array(Json),
		v.record(v.string(), Json)
	])
);

const ArgExpectationSchema = v.union([
	v.string(),
	v.number(),
	v.boolean(),
	v.strictObject({ is: Json }),
	v.strictObject({ contains: v.string() }),
	v.strictObject({ matches: v.string() }),
	v.strictObject({ near: v.number(), tolerance: v.optional(v.number()) }),
	v.strictObject({ present: v.literal(true) })
]);
const Args = v.record(v.string(), ArgExpectationSchema);

const GraderSchema = v.variant('kind', [
	v.object({ kind: v.literal('exact'), expected: Text, normalise: v.optional(v.boolean()) }),
	v.object({
		kind: v.literal('contains'),
		expected: v.pipe(v.array(Text), v.minLength(1)),
		any: v.optional(v.boolean())
	}),
	v.object({
		kind: v.literal('regex'),
		pattern: Text,
		flags: v.optional(v.pipe(v.string(), v.regex(/^[imsu]*$/, 'Flags may be i, m, s and u.'))),
		absent: v.optional(v.boolean())
	}),
	v.object({
		kind: v.literal('numeric'),
		expected: v.pipe(v.number(), v.finite()),
		tolerance: v.optional(v.pipe(v.number(), v.minValue(0)))
	}),
	v.object({ kind: v.literal('json-path'), path: Text, expected: Json }),
	v.object({
		kind: v.literal('tool-call'),
		tool: Id,
		args: v.optional(Args),
		turn: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)))
	}),
	v.object({
		kind: v.literal('no-tool'),
		tools: v.pipe(v.array(Id), v.minLength(1)),
		args: v.optional(Args)
	}),
	v.object({ kind: v.literal('code-tests'), tests: Text }),
	v.object({ kind: v.literal('citation'), passage: Id }),
	v.object({
		kind: v.literal('latency'),
		maxFirstTokenMs: v.optional(v.pipe(v.number(), v.minValue(0))),
		maxTotalMs: v.optional(v.pipe(v.number(), v.minValue(0)))
	}),
	v.object({ kind: v.literal('model'), rubric: Text })
]);

const CaseSchema = v.object({
	id: Id,
	category: v.picklist(EVAL_CATEGORIES),
	turns: v.pipe(
		v.array(
			v.object({ text: v.pipe(Text, v.minLength(1)), newConversation: v.optional(v.boolean()) })
		),
		v.minLength(1, 'A case needs at least one question.'),
		v.maxLength(10)
	),
	graders: v.pipe(v.array(GraderSchema), v.minLength(1, 'A case needs at least one grader.')),
	tools: v.optional(v.array(v.picklist(EVAL_TOOL_NAMES))),
	agent: v.optional(Id),
	approve: v.optional(v.array(Id)),
	pages: v.optional(v.record(v.pipe(v.string(), v.url()), Text)),
	documents: v.optional(
		v.array(
			v.object({
				id: Id,
				name: v.string(),
				passages: v.array(v.object({ id: Id, text: Text }))
			})
		)
	),
	files: v.optional(
		v.record(v.pipe(v.string(), v.regex(/^[^/\\]+$/, 'A file name, no folders.')), Text)
	),
	note: v.optional(v.string())
});

const SetSchema = v.object({
	id: Id,
	name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
	version: v.pipe(v.number(), v.integer(), v.minValue(1)),
	description: v.optional(v.string()),
	cases: v.pipe(v.array(CaseSchema), v.maxLength(5000)),
	updatedAt: v.optional(v.number())
});

const FileSchema = v.object({
	format: v.literal(EVAL_FILE_FORMAT),
	version: v.literal(1),
	sets: v.pipe(v.array(SetSchema), v.minLength(1, 'The file holds no eval set.'))
});

/** What is wrong with a case beyond its shape; empty when nothing is. */
export function caseProblems(kase: EvalCase): string[] {
	const problems: string[] = [];
	const deterministic = kase.graders.filter((g) => g.kind !== 'model');
	if (deterministic.length === 0) {
		problems.push('a model-graded check is never the only grader: add a deterministic one');
	}
	for (const g of kase.graders) {
		if (g.kind !== 'regex') continue;
		try {
			new RegExp(g.pattern, g.flags ?? 'i');
		} catch {
			problems.push(`the pattern /${g.pattern}/ is not a valid regular expression`);
		}
	}
	const passages = new Set((kase.documents ?? []).flatMap((d) => d.passages.map((p) => p.id)));
	for (const g of kase.graders) {
		if (g.kind === 'citation' && !passages.has(g.passage)) {
			problems.push(`the citation grader names passage "${g.passage}", which no document has`);
		}
		if (g.kind === 'tool-call' && g.turn !== undefined && g.turn >= kase.turns.length) {
			problems.push(
				`the tool-call grader looks at turn ${g.turn + 1}, but there are ${kase.turns.length}`
			);
		}
	}
	return problems;
}

export function setProblems(set: EvalSet): string[] {
	const problems: string[] = [];
	const seen = new Set<string>();
	for (const kase of set.cases) {
		if (seen.has(kase.id)) problems.push(`case "${kase.id}" appears twice`);
		seen.add(kase.id);
		for (const p of caseProblems(kase)) problems.push(`case "${kase.id}": ${p}`);
	}
	return problems;
}

function invalid(message: string): HearthError {
	return new HearthError('import_invalid', message);
}

function where(issue: v.BaseIssue<unknown>): string {
	return (issue.path ?? [])
		.map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`))
		.join('')
		.replace(/^\./, '');
}

/** Reads an eval-set file; throws HearthError('import_invalid') naming the first problem. */
export function parseEvalFile(text: string): EvalSet[] {
	let raw: unknown;
	try {
		raw = JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch {
		throw invalid('This file is not an eval set: it is not JSON.');
	}
	const parsed = v.safeParse(FileSchema, raw, { abortEarly: true });
	if (!parsed.success) {
		const issue = parsed.issues[0];
		throw invalid(
			`This eval-set file is not valid: ${where(issue) || 'the file'} — ${issue.message}.`
		);
	}
	const sets = parsed.output.sets as EvalSet[];
	for (const set of sets) {
		const problems = setProblems(set);
		if (problems.length) throw invalid(`The set "${set.name}" has a problem: ${problems[0]}.`);
	}
	return sets.map((set) => ({ ...set, builtIn: false }));
}

/** One case as the editor builds it, checked the same way an imported one is. */
export function validateCase(kase: unknown): EvalCase {
	const parsed = v.safeParse(CaseSchema, kase, { abortEarly: true });
	if (!parsed.success) {
		const issue = parsed.issues[0];
		throw invalid(`${where(issue) || 'The case'}: ${issue.message}.`);
	}
	const problems = caseProblems(parsed.output as EvalCase);
	if (problems.length) throw invalid(`This case has a problem: ${problems[0]}.`);
	return parsed.output as EvalCase;
}

export function evalFileText(sets: readonly EvalSet[]): string {
	const clean = sets.map((set) => {
		const out: EvalSet = { ...set };
		delete out.builtIn;
		return out;
	});
	return `${JSON.stringify({ format: EVAL_FILE_FORMAT, version: 1, sets: clean }, null, '\t')}\n`;
}

/** The valibot schema for a stored set (backups validate custom sets with it). */
export const EvalSetSchema = SetSchema;
