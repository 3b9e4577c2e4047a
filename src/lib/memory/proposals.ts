// Durable facts and preferences the user stated, proposed after a turn for the user to keep.
import * as v from 'valibot';
import type { LlmEngine } from '$lib/engine/types';
import type { JsonSchema } from '$lib/types/tools';
import type { Memory, MemoryKind } from '$lib/types/knowledge';
import { stripReasoning } from '$lib/utils/reasoning';
import { contentWords, normalizeText } from './text';
import { MAX_MEMORY_CHARS } from './memory-repo';

export interface MemoryProposal {
	text: string;
	kind: MemoryKind;
}

export interface ProposeArgs {
	engine: LlmEngine;
	model: string;
	userText: string;
	/** The assistant's answer: context only, never a source of memories. */
	answer: string;
	existing: readonly Memory[];
	/** Highest similarity of each text to the stored memories; without it, text match only. */
	similarity?: (texts: string[], signal?: AbortSignal) => Promise<number[]>;
	signal?: AbortSignal;
}

/** At or above this a proposal says what a stored memory already says. */
export const DUPLICATE_SIMILARITY = 0.9;
const MAX_PROPOSALS = 3;

export const PROPOSAL_SCHEMA: JsonSchema = {
	type: 'object',
	properties: {
		memories: {
			type: 'array',
			maxItems: MAX_PROPOSALS,
			items: {
				type: 'object',
				properties: {
					text: { type: 'string' },
					kind: { type: 'string', enum: ['fact', 'preference'] }
				},
				required: ['text', 'kind']
			}
		}
	},
	required: ['memories']
};

const Reply = v.object({
	memories: v.array(
		v.object({
			text: v.pipe(v.string(), v.trim(), v.minLength(3), v.maxLength(MAX_MEMORY_CHARS)),
			kind: v.fallback(v.picklist(['fact', 'preference']), 'fact')
		})
	)
});

const INSTRUCTIONS = `You pick out durable facts and preferences about the user that are worth remembering for future conversations.
Only use what the USER states about themselves in their message: their name, work, tools, languages, diet, family, location, likes and dislikes, standing preferences for how answers should be.
Never use anything from the assistant's reply. Skip one-off requests, questions, temporary states ("I'm tired"), and anything about other people's private matters.
Write each as a short third-person sentence starting with "The user", e.g. "The user prefers Python." Use kind "preference" for likes and how they want things, "fact" otherwise.
Reply with JSON: {"memories": [...]}. Most messages hold nothing worth remembering: then reply {"memories": []}.`;

/** Any JSON object in the reply (a model may wrap it in prose or a code fence). */
export function parseProposals(reply: string): MemoryProposal[] {
	const text = stripReasoning(reply);
	const start = text.indexOf('{');
	const end = text.lastIndexOf('}');
	if (start < 0 || end <= start) return [];
	let raw: unknown;
	try {
		raw = JSON.parse(text.slice(start, end + 1));
	} catch {
		return [];
	}
	const parsed = v.safeParse(Reply, raw);
	return parsed.success ? parsed.output.memories.slice(0, MAX_PROPOSALS) : [];
}

/**
 * Asks the model once, reply constrained to PROPOSAL_SCHEMA. Returns new proposals only: not a
 * duplicate of a stored memory (same normalised text, or similarity ≥ DUPLICATE_SIMILARITY) or
 * of each other, and sharing at least one meaningful word with the user's message (a guard
 * against facts taken from the answer or made up). Malformed output or a failed call gives [];
 * only a stop (aborted) is thrown.
 */
export async function proposeMemories(args: ProposeArgs): Promise<MemoryProposal[]> {
	const { engine, model, userText, answer, existing, similarity, signal } = args;
	if (userText.trim() === '') return [];
	let reply = '';
	try {
		for await (const delta of engine.chat(
			{
				model,
				messages: [
					{ role: 'system', content: INSTRUCTIONS },
					{
						role: 'user',
						content: `USER'S MESSAGE:\n${userText}\n\nASSISTANT'S REPLY (context only):\n${answer.slice(0, 2000)}`
					}
				],
				options: { temperature: 0 },
				responseSchema: PROPOSAL_SCHEMA
			},
			signal
		)) {
			if (delta.type === 'text') reply += delta.text;
		}
	} catch (e) {
		if (signal?.aborted) throw e;
		return [];
	}
	const userWords = new Set(contentWords(userText));
	const seen = new Set(existing.map((m) => normalizeText(m.text)));
	const fresh: MemoryProposal[] = [];
	for (const p of parseProposals(reply)) {
		const key = normalizeText(p.text);
		if (seen.has(key)) continue;
		if (!contentWords(p.text).some((w) => userWords.has(w))) continue;
		seen.add(key);
		fresh.push(p);
	}
	if (!similarity || fresh.length === 0 || existing.length === 0) return fresh;
	let scores: number[];
	try {
		scores = await similarity(
			fresh.map((p) => p.text),
			signal
		);
	} catch (e) {
		if (signal?.aborted) throw e;
		return fresh; // no embedding model: text dedupe is what we have
	}
	return fresh.filter((_, i) => (scores[i] ?? 0) < DUPLICATE_SIMILARITY);
}

/**
 * A cheap first look before asking the model: does the message speak about the person at all
 * ("I", "my", "I'm", "we"…, or a preference word)? Questions about the world, code and pastes
 * usually don't, and then no proposal call is made.
 */
export function mightStateSomethingDurable(text: string): boolean {
	const head = text.slice(0, 4000);
	return (
		/\b(i|i'm|i’m|im|i've|i’ve|my|mine|me|we|our)\b/i.test(head) ||
		/\b(prefer|always|never|usually|favou?rite|allergic|live in|work (at|as|on))\b/i.test(head)
	);
}
