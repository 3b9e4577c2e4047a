import { describe, expect, it } from 'vitest';
import { builtInAgent } from '$lib/agent/agents';
import type { ReflectInput } from '$lib/agent/reflect';
import { CRITIQUE_SCHEMA, parseCritique, reflect } from '$lib/agent/reflect';
import { textEngine, textReply } from '$lib/agent/scripted-engine';
import type { LlmEngine } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';

const DRAFT = 'Lisbon has about 3 million people.';
const REVISED = 'Lisbon proper has about 545,000 people [1]; the metro area about 2.9 million [2].';
const SOURCES = [
	{ title: 'Lisbon — Wikipedia', url: 'https://en.wikipedia.org/wiki/Lisbon', excerpt: '545,796' },
	{ title: 'Lisbon metropolitan area', url: 'https://en.wikipedia.org/wiki/Lisbon_metro' }
];

function input(engine: LlmEngine, over: Partial<ReflectInput> = {}): ReflectInput {
	return {
		engine,
		model: 'qwen',
		question: 'How many people live in Lisbon?',
		answer: DRAFT,
		agent: builtInAgent('research')!,
		sources: SOURCES,
		...over
	};
}

describe('reflect', () => {
	it('returns null and makes no second call when the critique says the answer is fine', async () => {
		const engine = textEngine(['{"ok": true, "problems": []}']);
		expect(await reflect(input(engine))).toBeNull();
		expect(engine.requests).toHaveLength(1);
	});

	it('sends one JSON-constrained critique with the question, numbered sources and draft', async () => {
		const engine = textEngine(['{"ok": true, "problems": []}']);
		await reflect(input(engine, { answer: '<think>guess</think>' + DRAFT }));
		const request = engine.requests[0]!;
		expect(request.responseSchema).toEqual(CRITIQUE_SCHEMA);
		expect(request.options?.temperature).toBe(0);
		expect(request.messages[0]!.content).toMatch(/cited like \[1\]/);
		const ask = request.messages[1]!.content;
		expect(ask).toContain('How many people live in Lisbon?');
		expect(ask).toContain('[1] Lisbon — Wikipedia — https://en.wikipedia.org/wiki/Lisbon');
		expect(ask).toContain('[2] Lisbon metropolitan area');
		expect(ask).toContain(DRAFT);
		// The draft's reasoning is not critiqued.
		expect(ask).not.toContain('guess');
	});

	it('revises when problems are found, streaming the rewrite', async () => {
		const engine = textEngine([
			'{"ok": false, "problems": ["3 million is the metro area, not the city", "No citations"]}',
			REVISED
		]);
		const streamed: string[] = [];
		let last = '';
		const result = await reflect(
			input(engine, {
				onText: (delta, text) => {
					streamed.push(delta);
					last = text;
				}
			})
		);
		expect(result).toEqual({
			critique: '- 3 million is the metro area, not the city\n- No citations',
			revised: REVISED
		});
		expect(streamed.length).toBeGreaterThan(1);
		expect(streamed.join('')).toBe(REVISED);
		expect(last).toBe(REVISED);
		const revise = engine.requests[1]!;
		expect(revise.responseSchema).toBeUndefined();
		expect(revise.messages[0]!.content).toContain(builtInAgent('research')!.systemPrompt);
		expect(revise.messages[1]!.content).toContain('- No citations');
		expect(revise.messages[1]!.content).toContain(`Draft answer:\n${DRAFT}`);
	});

	it('checks code answers for correctness and other agents for the basics', async () => {
		for (const [id, pattern] of [
			['code', /code correct/],
			['chat', /answer what was asked/]
		] as const) {
			const engine = textEngine(['{"ok": true, "problems": []}']);
			await reflect(input(engine, { agent: builtInAgent(id)!, sources: undefined }));
			expect(engine.requests[0]!.messages[0]!.content).toMatch(pattern);
			expect(engine.requests[0]!.messages[1]!.content).toContain('Sources: none.');
		}
	});

	it('treats malformed or contradictory critiques as "no revision"', async () => {
		const bad = [
			'',
			'The answer looks fine to me.',
			'{"ok": false, "problems": ["cut off',
			'{"ok": "no", "problems": ["x"]}',
			'{"ok": false}',
			'{"ok": false, "problems": ["", 3, "  "]}',
			'{"ok": true, "problems": ["could be friendlier"]}'
		];
		for (const reply of bad) {
			const engine = textEngine([reply, REVISED]);
			expect(await reflect(input(engine))).toBeNull();
			expect(engine.requests).toHaveLength(1);
		}
	});

	it('keeps the draft when the rewrite fails, comes back empty, unchanged or cut off', async () => {
		const critique = '{"ok": false, "problems": ["No citations"]}';
		const rewrites = [
			new HearthError('engine_unreachable', 'Down.'),
			'   ',
			DRAFT,
			textReply('Lisbon proper has about', 'length')
		];
		for (const rewrite of rewrites) {
			const engine = textEngine([critique, rewrite]);
			expect(await reflect(input(engine))).toBeNull();
		}
		const failing = textEngine([new HearthError('engine_http', 'Server error.')]);
		expect(await reflect(input(failing))).toBeNull();
	});

	it('does nothing for an empty draft', async () => {
		const engine = textEngine([]);
		expect(await reflect(input(engine, { answer: '<think>only thoughts</think>' }))).toBeNull();
		expect(engine.requests).toHaveLength(0);
	});

	it('throws aborted when stopped, so the caller can restore the draft', async () => {
		const controller = new AbortController();
		const engine = textEngine(['{"ok": false, "problems": ["No citations"]}', REVISED]);
		const run = reflect(
			input(engine, { signal: controller.signal, onText: () => controller.abort() })
		);
		await expect(run).rejects.toMatchObject({ code: 'aborted' });
	});
});

describe('parseCritique', () => {
	it('reads JSON with a think block or stray words around it, trimming and capping problems', () => {
		const many = JSON.stringify({ ok: false, problems: ['a', ' b ', 'c', 'd', 'e', 'f'] });
		expect(parseCritique(`<think>hmm</think>Here: ${many}`)).toEqual(['a', 'b', 'c', 'd', 'e']);
		expect(parseCritique('{"ok": true, "problems": []}')).toEqual([]);
		expect(parseCritique('[1, 2]')).toBeNull();
	});
});
