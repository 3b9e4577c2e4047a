import { existsSync } from 'node:fs';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { describe, expect, it, vi } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import { runEval, type EvalTarget, type HarnessDeps } from '$lib/evals/harness';
import { summarize } from '$lib/evals/report';
import type { EvalRun, EvalSet } from '$lib/evals/types';
import { openScratchWorkspace } from '$lib/storage/eval-workspace';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { LlamaCppEngine, LLAMACPP_KIND } from './llama-engine';

// The harness on a real model: stories260K (a 260K-parameter story model that follows no
// instruction) through llama.cpp, one thread. It proves the machinery, not the model: every case
// is graded with reasons, timings are recorded, two runs at temperature 0 answer alike, and the
// model honestly fails what asks it to follow instructions.

const MODEL_FILE = path.resolve(process.cwd(), '../shared/models/gguf/stories260K.gguf');
const MODEL = 'stories260K.gguf';
const MISSING = `../shared is missing: ${MODEL_FILE} not found`;

vi.setConfig({ testTimeout: 300_000, hookTimeout: 60_000 });

/**
 * Instruction cases the model can be asked without a document or code runner. One tool case is
 * enough: under the tool grammar the model writes calls that name no tool until its window is
 * full (a 1,024-token window keeps that short on one thread).
 */
const IDS = [
	'arith-2plus2',
	'fact-capital-france',
	'reason-json',
	'speed-ok',
	'tool-search-python'
];

function storiesSet(): EvalSet {
	return { ...CORE_SET, cases: CORE_SET.cases.filter((c) => IDS.includes(c.id)) };
}

async function runOnce(engine: LlamaCppEngine): Promise<EvalRun> {
	const target: EvalTarget = {
		choice: { kind: LLAMACPP_KIND, engine, model: MODEL },
		label: `llama.cpp · ${MODEL}`
	};
	const deps: HarnessDeps = {
		settings: () => DEFAULT_SETTINGS,
		parseHtml: (html, url) => new JSDOM(html, { url }).window.document,
		openWorkspace: openScratchWorkspace
	};
	return runEval(storiesSet(), target, deps, {
		signal: new AbortController().signal,
		maxTokens: 48
	});
}

describe('evals on stories260K through the llama.cpp engine', () => {
	if (!existsSync(MODEL_FILE)) {
		it('needs ../shared/models/gguf/stories260K.gguf', (ctx) => {
			if (process.env.CI) throw new Error(`${MISSING}; CI must provide the shared data`);
			ctx.skip(MISSING);
		});
		return;
	}

	it('grades every case with reasons and timings, answers alike twice at temperature 0, and scores near zero', async () => {
		const engine = new LlamaCppEngine({ files: [MODEL_FILE], threads: 1, contextSize: 1024 });
		try {
			const first = await runOnce(engine);
			const second = await runOnce(engine);

			expect(first.status).toBe('done');
			expect(first.options).toMatchObject({ temperature: 0, seed: 42 });
			expect(first.results.map((r) => r.caseId).sort()).toEqual([...IDS].sort());
			for (const result of first.results) {
				// Graded: every grader ran and said why.
				expect(result.graders.length).toBeGreaterThan(0);
				for (const grader of result.graders) expect(grader.reason.length).toBeGreaterThan(0);
				expect(result.pass).toBe(result.graders.every((g) => g.pass || g.skipped));
				expect(result.wallMs).toBeGreaterThan(0);
				const answer = result.transcript.findLast((t) => t.role === 'assistant');
				if (result.category === 'tools') {
					// The tool prompt and the model's calls (which name no tool, so are refused and
					// retried) fill its window: the case fails with the coded error kept to open.
					expect(result.toolCalls.every((c) => c.status === 'error')).toBe(true);
					expect(answer?.status).toBe('error');
					expect(result.error?.code).toBe('context_overflow');
					continue;
				}
				// Answered by the model, timed.
				expect(answer?.status, `${result.caseId}: ${result.error?.message}`).toBe('done');
				expect(result.timings?.totalMs).toBeGreaterThan(0);
				expect(result.timings?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
				expect(result.usage?.completionTokens).toBeGreaterThan(0);
			}

			// Deterministic: the same text and the same verdicts on the second run.
			const texts = (run: EvalRun) =>
				run.results.map((r) => [r.caseId, r.transcript.map((t) => t.text), r.pass]);
			expect(texts(second)).toEqual(texts(first));

			// A story model follows no instruction: it passes none of them, and the summary says so.
			const summary = summarize(first.results);
			expect(first.results.filter((r) => r.pass).map((r) => r.caseId)).toEqual([]);
			expect(summary.taskCompletion).toBe(0);
			expect(summary.toolSuccessRate ?? 0).toBe(0);
			expect(summary.firstTokenMs.p50).not.toBeNull();
		} finally {
			await engine.dispose();
		}
	});
});
