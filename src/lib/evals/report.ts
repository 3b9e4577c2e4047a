// What a run says, in numbers: pass rate per category, task completion, tool success, time to
// first token and total time (p50 / p95), tokens per second; and two runs side by side.
import type { CaseResult, EvalCategory, EvalRun } from '$lib/evals/types';
import { EVAL_CATEGORIES } from '$lib/evals/types';

/** Nearest-rank percentile (p in 0..100); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface CategoryScore {
	category: EvalCategory;
	cases: number;
	passed: number;
	rate: number;
}

export interface RunSummary {
	cases: number;
	passed: number;
	/** Cases passed ÷ cases run: the task was done, and done right. */
	taskCompletion: number;
	/** Cases whose answers all finished (no engine error, not cut off). */
	answered: number;
	byCategory: CategoryScore[];
	/** Tool calls that ran and returned ÷ tool calls made; null when none were made. */
	toolSuccessRate: number | null;
	toolCalls: number;
	/** Expected tool calls made correctly ÷ tool-call checks; null when there were none. */
	toolChoiceRate: number | null;
	firstTokenMs: { p50: number | null; p95: number | null };
	totalMs: { p50: number | null; p95: number | null };
	/** Median decode speed the engine reported (or Hearth measured). */
	tokensPerSecond: number | null;
	/** Model-graded verdicts that counted (labelled wherever shown). */
	modelGraded: number;
}

export function summarize(results: readonly CaseResult[]): RunSummary {
	const byCategory = EVAL_CATEGORIES.map((category) => {
		const inCategory = results.filter((r) => r.category === category);
		const passed = inCategory.filter((r) => r.pass).length;
		return {
			category,
			cases: inCategory.length,
			passed,
			rate: inCategory.length ? passed / inCategory.length : 0
		};
	}).filter((c) => c.cases > 0);
	const calls = results.flatMap((r) => r.toolCalls);
	const toolChecks = results.flatMap((r) => r.graders.filter((g) => g.kind === 'tool-call'));
	const passed = results.filter((r) => r.pass).length;
	const firsts = results.flatMap((r) =>
		r.timings?.timeToFirstTokenMs !== undefined ? [r.timings.timeToFirstTokenMs] : []
	);
	const totals = results.flatMap((r) => (r.timings ? [r.timings.totalMs] : []));
	const speeds = results.flatMap((r) =>
		r.timings?.decodeTokensPerSecond ? [r.timings.decodeTokensPerSecond] : []
	);
	return {
		cases: results.length,
		passed,
		taskCompletion: results.length ? passed / results.length : 0,
		answered: results.filter(
			(r) => !r.error && r.transcript.every((t) => t.role === 'user' || t.status === 'done')
		).length,
		byCategory,
		toolCalls: calls.length,
		toolSuccessRate: calls.length
			? calls.filter((c) => c.status === 'done').length / calls.length
			: null,
		toolChoiceRate: toolChecks.length
			? toolChecks.filter((g) => g.pass).length / toolChecks.length
			: null,
		firstTokenMs: { p50: percentile(firsts, 50), p95: percentile(firsts, 95) },
		totalMs: { p50: percentile(totals, 50), p95: percentile(totals, 95) },
		tokensPerSecond: percentile(speeds, 50),
		modelGraded: results.flatMap((r) => r.graders.filter((g) => g.modelGraded && !g.skipped)).length
	};
}

export interface CategoryComparison {
	category: EvalCategory;
	a: CategoryScore | undefined;
	b: CategoryScore | undefined;
}

export interface CaseDifference {
	caseId: string;
	category: EvalCategory;
	a: CaseResult;
	b: CaseResult;
}

export interface RunComparison {
	a: RunSummary;
	b: RunSummary;
	categories: CategoryComparison[];
	/** Cases both ran where one passed and the other did not. */
	differing: CaseDifference[];
	/** Cases only one of the runs has (another set version, or a cancelled run). */
	onlyA: string[];
	onlyB: string[];
	/** Both ran the same version of the same set. */
	sameSet: boolean;
}

export function compareRuns(a: EvalRun, b: EvalRun): RunComparison {
	const sa = summarize(a.results);
	const sb = summarize(b.results);
	const byId = new Map(b.results.map((r) => [r.caseId, r]));
	const inA = new Set(a.results.map((r) => r.caseId));
	const differing: CaseDifference[] = [];
	for (const ra of a.results) {
		const rb = byId.get(ra.caseId);
		if (rb && rb.pass !== ra.pass) {
			differing.push({ caseId: ra.caseId, category: ra.category, a: ra, b: rb });
		}
	}
	const categories = EVAL_CATEGORIES.map((category) => ({
		category,
		a: sa.byCategory.find((c) => c.category === category),
		b: sb.byCategory.find((c) => c.category === category)
	})).filter((c) => c.a || c.b);
	return {
		a: sa,
		b: sb,
		categories,
		differing,
		onlyA: a.results.filter((r) => !byId.has(r.caseId)).map((r) => r.caseId),
		onlyB: b.results.filter((r) => !inA.has(r.caseId)).map((r) => r.caseId),
		sameSet: a.setId === b.setId && a.setVersion === b.setVersion
	};
}

/** A rate as people read it: "83 %"; "–" for none. */
export function formatRate(rate: number | null): string {
	return rate === null ? '–' : `${Math.round(rate * 100)} %`;
}

export function formatMs(ms: number | null): string {
	if (ms === null) return '–';
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
