// Self-reflection: one JSON-constrained critique of a finished answer and, only when it names
// problems, one streamed rewrite. Any model misstep means "no revision": the draft is never lost.
import type { AgentDef } from '$lib/agent/agents';
import type { ChatMessage, LlmEngine } from '$lib/engine/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { JsonSchema } from '$lib/types/tools';
import { stripReasoning } from '$lib/utils/reasoning';

export interface ReflectSource {
	title: string;
	url: string;
	/** What the tool returned from it, when at hand (lets the critique check claims). */
	excerpt?: string;
}

export interface ReflectInput {
	engine: LlmEngine;
	model: string;
	question: string;
	/** The draft answer (a leading <think> block is left out of the critique). */
	answer: string;
	agent: AgentDef;
	/** The sources tool calls returned, numbered [1], [2]… in this order. */
	sources?: readonly ReflectSource[];
	signal?: AbortSignal;
	/** The revised answer as it streams: the new piece and the whole text so far. */
	onText?: (delta: string, text: string) => void;
}

export interface Reflection {
	/** The problems the critique found, one per line, shown behind the "revised" indicator. */
	critique: string;
	revised: string;
}

export const CRITIQUE_SCHEMA: JsonSchema = {
	type: 'object',
	properties: {
		ok: { type: 'boolean' },
		problems: { type: 'array', items: { type: 'string' }, maxItems: 5 }
	},
	required: ['ok', 'problems'],
	additionalProperties: false
};

const MAX_PROBLEMS = 5;
const MAX_EXCERPT_CHARS = 600;
const CRITIQUE_TOKENS = 300;

/** What each built-in agent's answers are checked for; user-defined agents get the general list. */
const CHECKS: Record<string, string> = {
	research:
		'Is every claim supported by the numbered sources and cited like [1]? Are any sources, numbers or quotes invented? If the sources do not settle it, does the answer say it is unsure?',
	code: 'Is the code correct and complete for what was asked? Does it handle the obvious edge cases? Does the explanation match the code?'
};
const GENERAL_CHECK =
	'Does it answer what was asked? Is anything wrong, missing or misleading? Is it clear?';

function sourcesBlock(sources: readonly ReflectSource[] | undefined): string {
	if (!sources || sources.length === 0) return 'Sources: none.';
	const lines = sources.map((s, i) => {
		const excerpt = s.excerpt ? `\n   ${s.excerpt.slice(0, MAX_EXCERPT_CHARS)}` : '';
		return `[${i + 1}] ${s.title} — ${s.url}${excerpt}`;
	});
	return `Sources:\n${lines.join('\n')}`;
}

function critiqueMessages(input: ReflectInput, draft: string): ChatMessage[] {
	const system = [
		"You review an assistant's answer before the user sees it.",
		CHECKS[input.agent.id] ?? GENERAL_CHECK,
		'Reply with JSON only: {"ok": true, "problems": []} when the answer is fine, or {"ok": false, "problems": [...]} with at most 5 short, specific problems. Do not list matters of taste.'
	].join(' ');
	const user = [
		`Question:\n${input.question}`,
		sourcesBlock(input.sources),
		`Answer:\n${draft}`
	].join('\n\n');
	return [
		{ role: 'system', content: system },
		{ role: 'user', content: user }
	];
}

/** The problems in a critique reply; [] for "ok", null when the reply is not what was asked. */
export function parseCritique(raw: string): string[] | null {
	const json = /\{[\s\S]*\}/.exec(stripReasoning(raw))?.[0];
	if (!json) return null;
	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch {
		return null;
	}
	if (!value || typeof value !== 'object') return null;
	const { ok, problems } = value as { ok?: unknown; problems?: unknown };
	if (typeof ok !== 'boolean' || !Array.isArray(problems)) return null;
	const list = problems
		.filter((p): p is string => typeof p === 'string')
		.map((p) => p.trim())
		.filter((p) => p !== '')
		.slice(0, MAX_PROBLEMS);
	// "ok" with nitpicks is still ok: only a failing verdict with reasons earns a rewrite.
	return ok ? [] : list;
}

function reviseMessages(input: ReflectInput, draft: string, problems: string[]): ChatMessage[] {
	const system = [
		input.agent.systemPrompt.trim(),
		'Rewrite your draft answer so that it fixes the problems listed. Keep what was right.',
		'Reply with the improved answer only, as if answering the question for the first time: no preamble, no mention of the review.'
	]
		.filter((p) => p !== '')
		.join('\n\n');
	const user = [
		`Question:\n${input.question}`,
		sourcesBlock(input.sources),
		`Draft answer:\n${draft}`,
		`Problems:\n${problems.map((p) => `- ${p}`).join('\n')}`
	].join('\n\n');
	return [
		{ role: 'system', content: system },
		{ role: 'user', content: user }
	];
}

/** Rethrows a stop; every other failure means "no revision". */
function stopOrNull(e: unknown): null {
	const error = toHearthError(e);
	if (error.code === 'aborted') throw error;
	return null;
}

/**
 * Critiques `answer` and, when the critique finds problems, streams a revised answer through
 * `onText`. Returns null when there is nothing to revise or anything went wrong (malformed
 * critique, engine failure, an empty or cut-off rewrite): the caller keeps the draft. Throws
 * HearthError('aborted') when stopped — after partial `onText` text the caller restores the draft.
 */
export async function reflect(input: ReflectInput): Promise<Reflection | null> {
	const { engine, model, signal } = input;
	const draft = stripReasoning(input.answer).trim();
	if (!draft) return null;

	let raw = '';
	try {
		const request = {
			model,
			messages: critiqueMessages(input, draft),
			options: { temperature: 0, maxTokens: CRITIQUE_TOKENS },
			responseSchema: CRITIQUE_SCHEMA
		};
		for await (const delta of engine.chat(request, signal)) {
			if (delta.type === 'text') raw += delta.text;
		}
	} catch (e) {
		return stopOrNull(e);
	}
	const problems = parseCritique(raw);
	if (!problems || problems.length === 0) return null;

	let text = '';
	let finish: string | undefined;
	try {
		const request = { model, messages: reviseMessages(input, draft, problems) };
		for await (const delta of engine.chat(request, signal)) {
			if (delta.type === 'text') {
				text += delta.text;
				input.onText?.(delta.text, text);
			} else if (delta.type === 'done') finish = delta.finishReason;
		}
	} catch (e) {
		return stopOrNull(e);
	}
	if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
	const revised = stripReasoning(text).trim();
	// A rewrite cut off by the length limit is worse than the complete draft; an unchanged one
	// is no revision.
	if (!revised || revised === draft || finish !== 'stop') return null;
	return { critique: problems.map((p) => `- ${p}`).join('\n'), revised };
}
