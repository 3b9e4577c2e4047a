// The terminal's eval report: one column per model, the same rows as the web app's comparison
// (task completion, each category, tool success, times, speed), then the cases where the models
// differ (or, for one model, the cases it failed), each with the grader's reason.
import Table from 'cli-table3';
import { formatMs, formatRate, summarize, type RunSummary } from '$lib/evals/report';
import type { CaseResult, EvalRun, EvalSet } from '$lib/evals/types';
import { bold, type Output } from './render';

function score(s: RunSummary, category: string): string {
	const c = s.byCategory.find((x) => x.category === category);
	return c ? `${c.passed}/${c.cases}` : '–';
}

/** Why a case failed, in one line: its error, else the first failing grader's reason. */
export function failReason(result: CaseResult): string {
	if (result.error) return `${result.error.code}: ${result.error.message}`;
	const grader = result.graders.find((g) => !g.pass && !g.skipped);
	return grader ? `${grader.kind}: ${grader.reason}` : 'failed';
}

function oneLine(text: string, max: number): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function table(out: Output, head: string[]): Table.Table {
	return new Table({
		head,
		// Colour only on a styled terminal: piped output stays plain text.
		style: out.styled ? { head: ['bold'] } : { head: [], border: [] },
		// No rule between rows: a dozen rows stay readable without doubling the height.
		chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
		wordWrap: true
	});
}

export function comparisonTable(set: EvalSet, runs: readonly EvalRun[], out: Output): string {
	const summaries = runs.map((r) => summarize(r.results));
	const main = table(out, ['', ...runs.map((r) => r.label)]);
	const row = (name: string, cell: (s: RunSummary, run: EvalRun) => string) =>
		main.push([name, ...summaries.map((s, i) => cell(s, runs[i]!))]);
	row('Cases run', (s, run) => `${s.cases} of ${run.caseCount}`);
	row('Task completion', (s) => `${formatRate(s.taskCompletion)} (${s.passed}/${s.cases})`);
	const categories = [...new Set(summaries.flatMap((s) => s.byCategory.map((c) => c.category)))];
	for (const category of categories) row(`  ${category}`, (s) => score(s, category));
	row('Tool success', (s) => `${formatRate(s.toolSuccessRate)} of ${s.toolCalls} calls`);
	row('Right tool, right args', (s) => formatRate(s.toolChoiceRate));
	row(
		'First token p50 / p95',
		(s) => `${formatMs(s.firstTokenMs.p50)} / ${formatMs(s.firstTokenMs.p95)}`
	);
	row('Total time p50 / p95', (s) => `${formatMs(s.totalMs.p50)} / ${formatMs(s.totalMs.p95)}`);
	row('Tokens/s (median)', (s) => s.tokensPerSecond?.toFixed(1) ?? '–');

	const parts = [bold(out, `${set.name} (version ${set.version})`), main.toString()];
	const cases = caseTable(runs, out);
	if (cases) parts.push(cases);
	return parts.join('\n');
}

/** Two or more models: the cases they disagree on. One model: the cases it failed. */
function caseTable(runs: readonly EvalRun[], out: Output): string | null {
	const ids = [...new Set(runs.flatMap((r) => r.results.map((x) => x.caseId)))];
	const byRun = runs.map((r) => new Map(r.results.map((x) => [x.caseId, x])));
	const chosen = ids.filter((id) => {
		const verdicts = byRun.map((m) => m.get(id)?.pass);
		return runs.length === 1 ? verdicts[0] === false : new Set(verdicts).size > 1;
	});
	if (chosen.length === 0) {
		return runs.length > 1 ? 'The models agree on every case.' : 'Every case passed.';
	}
	// The reasons wrap inside columns that share the terminal's width.
	const idWidth = Math.min(30, Math.max(6, ...chosen.map((id) => id.length + 2)));
	const width = Math.max(16, Math.floor((out.columns - idWidth - runs.length - 2) / runs.length));
	const cell = (result: CaseResult | undefined) =>
		!result ? '–' : result.pass ? 'pass' : `fail: ${oneLine(failReason(result), 300)}`;
	const t = new Table({
		head: ['Case', ...runs.map((r) => r.label)],
		style: out.styled ? { head: ['bold'] } : { head: [], border: [] },
		colWidths: [idWidth, ...runs.map(() => width)],
		wordWrap: true
	});
	for (const id of chosen) t.push([id, ...byRun.map((m) => cell(m.get(id)))]);
	const title = runs.length > 1 ? 'Cases where they differ' : 'Failed cases';
	return `${bold(out, `${title} (${chosen.length})`)}\n${t.toString()}`;
}
