// `hearth eval` in-process on the real stories260K model (llama.cpp, one thread): what the table
// says about what the model really answered, two models side by side, Ctrl-C, and bad input.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EvalRun } from '$lib/evals/types';
import { createNodeRuntime, type NodeRuntime } from '../node/runtime';
import { evalCommand, type EvalCommandOptions } from './eval';
import { EXIT } from './exit-codes';
import type { Output } from './render';

const MODEL_FILE = path.resolve(process.cwd(), '../shared/models/gguf/stories260K.gguf');
const HAVE_MODEL = existsSync(MODEL_FILE);
const MISSING = `../shared is missing: ${MODEL_FILE} not found`;

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const SET = {
	format: 'hearth-eval-set',
	version: 1,
	sets: [
		{
			id: 'tiny',
			name: 'Tiny',
			version: 1,
			cases: [
				{
					id: 'two-plus-two',
					category: 'arithmetic',
					turns: [{ text: "What's 2+2?" }],
					graders: [{ kind: 'numeric', expected: 4 }]
				},
				{
					id: 'story',
					category: 'custom',
					turns: [{ text: 'Tell me a story about a cat.' }],
					graders: [{ kind: 'regex', pattern: '\\w+' }]
				}
			]
		}
	]
};

function capture(): Output & { text: () => string } {
	let text = '';
	return { write: (t) => void (text += t), styled: false, columns: 120, text: () => text };
}

let dir = '';
let runtime: NodeRuntime;
let setFile = '';
let copy = '';

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-eval-'));
	setFile = path.join(dir, 'tiny.json');
	await writeFile(setFile, JSON.stringify(SET));
	runtime = await createNodeRuntime({
		env: { HEARTH_HOME: dir, OLLAMA_HOST: '127.0.0.1:9' },
		cwd: dir,
		threads: 1
	});
	if (HAVE_MODEL) {
		// The same weights under a second name: two "models" that must agree on every case.
		copy = path.join(dir, 'stories-copy.gguf');
		await copyFile(MODEL_FILE, copy);
	}
});
afterAll(async () => {
	await runtime?.close();
	await rm(dir, { recursive: true, force: true });
});

async function hearthEval(set: string | undefined, options: Partial<EvalCommandOptions>) {
	const out = capture();
	const notes = capture();
	const code = await evalCommand(runtime, set, { models: [], cwd: dir, out, notes, ...options });
	return { code, out: out.text(), notes: notes.text() };
}

describe('hearth eval on stories260K', () => {
	if (!HAVE_MODEL) {
		it('needs ../shared/models/gguf/stories260K.gguf', (ctx) => {
			if (process.env.CI) throw new Error(`${MISSING}; CI must provide the shared data`);
			ctx.skip(MISSING);
		});
		return;
	}

	it('runs the set on two models, prints the comparison, and keeps both runs', async () => {
		const { code, out, notes } = await hearthEval(setFile, {
			models: [MODEL_FILE, copy],
			maxTokens: 24
		});
		expect(code, notes).toBe(EXIT.ok);
		// Progress, a line per case and model (no bar when not on a terminal).
		expect(notes).toContain('llama.cpp · stories260K.gguf: Tiny, 2 cases');
		expect(notes).toMatch(/\[1\/2\] two-plus-two fail/);
		expect(notes).toMatch(/\[2\/2\] story pass/);
		expect(notes).toContain('llama.cpp · stories-copy.gguf: Tiny, 2 cases');
		// The table: both models as columns, the story model fails arithmetic and "passes" the
		// case any words pass, at the same speed class; identical weights agree on every case.
		expect(out).toContain('Tiny (version 1)');
		expect(out).toMatch(/Task completion\s*│ 50 % \(1\/2\)\s*│ 50 % \(1\/2\)/);
		expect(out).toMatch(/arithmetic\s*│ 0\/1\s*│ 0\/1/);
		expect(out).toMatch(/custom\s*│ 1\/1\s*│ 1\/1/);
		expect(out).toMatch(/First token p50 \/ p95\s*│ \d+ ms/);
		expect(out).toContain('The models agree on every case.');

		// The kept runs hold what the model really wrote: the same greedy text both times.
		const kept = (await readdir(path.join(dir, 'eval-runs'))).sort();
		expect(kept).toHaveLength(2);
		const runs = await Promise.all(
			kept.map(
				async (f) => JSON.parse(await readFile(path.join(dir, 'eval-runs', f), 'utf8')) as EvalRun
			)
		);
		const answers = runs.map((r) => r.results.map((x) => x.transcript[1]?.text));
		expect(answers[0]).toEqual(answers[1]);
		const story = answers[0]![1]!;
		expect(story.length).toBeGreaterThan(0);
		// A story model tells a story whatever it is asked, and no number comes out of it.
		expect(story).not.toMatch(/\d/);
		const arithmetic = runs[0]!.results.find((x) => x.caseId === 'two-plus-two')!;
		expect(arithmetic.graders[0]?.reason).toContain('the answer has no number');
		expect(runs.map((r) => r.options)).toEqual([
			{ temperature: 0, topP: 1, seed: 42 },
			{ temperature: 0, topP: 1, seed: 42 }
		]);
		for (const r of runs) expect(r.results.every((x) => x.timings!.totalMs > 0)).toBe(true);
	});

	it('--json prints the runs and their summaries', async () => {
		const { code, out } = await hearthEval(setFile, {
			models: [MODEL_FILE],
			maxTokens: 8,
			only: ['story'],
			json: true
		});
		expect(code).toBe(EXIT.ok);
		const parsed = JSON.parse(out) as {
			set: { id: string };
			runs: EvalRun[];
			summaries: { label: string; cases: number; passed: number }[];
		};
		expect(parsed.set.id).toBe('tiny');
		expect(parsed.runs[0]?.results.map((r) => r.caseId)).toEqual(['story']);
		expect(parsed.summaries).toEqual([
			expect.objectContaining({ label: 'llama.cpp · stories260K.gguf', cases: 1, passed: 1 })
		]);
	});

	it('Ctrl-C stops the run: the finished cases are shown and it exits 130', async () => {
		const stop = new AbortController();
		const notes = capture();
		const out = capture();
		const code = await evalCommand(runtime, setFile, {
			models: [MODEL_FILE, copy],
			maxTokens: 24,
			cwd: dir,
			out,
			// Stopped as soon as the first case is graded (the second is then cut off).
			notes: {
				...notes,
				write: (t) => {
					notes.write(t);
					if (t.includes('[1/2]')) stop.abort();
				}
			},
			signal: stop.signal
		});
		expect(code).toBe(EXIT.interrupted);
		expect(notes.text()).toContain('stopped (Ctrl-C)');
		// The first model's one finished case; the second model never started.
		expect(out.text()).toMatch(/Cases run\s*│ 1 of 2/);
		expect(out.text()).not.toContain('stories-copy');
	});
});

describe('hearth eval with bad input', () => {
	it('a missing set file exits 2 naming the built-in sets', async () => {
		const { code, notes } = await hearthEval('nope.json', {});
		expect(code).toBe(EXIT.usage);
		expect(notes).toContain('No eval set "nope.json": not a built-in set (hearth-core)');
	});

	it('a file that is not JSON, or not an eval set, exits 2 and says why', async () => {
		const garbage = path.join(dir, 'garbage.json');
		await writeFile(garbage, '\u0000\u0001 not json {');
		const first = await hearthEval(garbage, {});
		expect(first.code).toBe(EXIT.usage);
		expect(first.notes).toContain('it is not JSON');

		const wrong = path.join(dir, 'wrong.json');
		const bad = structuredClone(SET);
		(bad.sets[0]!.cases[0]!.graders[0] as { kind: string }).kind = 'vibes';
		await writeFile(wrong, JSON.stringify(bad));
		const second = await hearthEval(wrong, {});
		expect(second.code).toBe(EXIT.usage);
		expect(second.notes).toMatch(
			/This eval-set file is not valid: sets\[0\]\.cases\[0\]\.graders\[0\]/
		);
	});

	it('a file of several sets needs --set; an unknown case id is refused', async () => {
		const two = path.join(dir, 'two.json');
		const sets = [SET.sets[0]!, { ...SET.sets[0]!, id: 'other', name: 'Other' }];
		await writeFile(two, JSON.stringify({ ...SET, sets }));
		const ambiguous = await hearthEval(two, {});
		expect(ambiguous.code).toBe(EXIT.usage);
		expect(ambiguous.notes).toContain('holds 2 sets; name one with --set (tiny, other)');
		const unknownSet = await hearthEval(two, { set: 'third' });
		expect(unknownSet.notes).toContain('has no set "third"');
		const unknownCase = await hearthEval(setFile, { only: ['nope'] });
		expect(unknownCase.code).toBe(EXIT.usage);
		expect(unknownCase.notes).toContain('Tiny has no case "nope"');
	});

	it('an unknown model, or a missing .gguf file, exits 4 and runs nothing', async () => {
		const name = await hearthEval(setFile, { models: ['no-such-model'] });
		expect(name.code).toBe(EXIT.noEngine);
		expect(name.notes).toContain('No engine offers a model named "no-such-model"');
		const file = await hearthEval(setFile, { models: ['missing.gguf'] });
		expect(file.code).toBe(EXIT.noEngine);
		expect(file.notes).toContain(`No model file at ${path.join(dir, 'missing.gguf')}`);
		expect(file.out).toBe('');
	});
});
