// Tool calling for engines without a native tools API (web-llm, or a server model that refuses
// `tools`): the tools are described in the system prompt and each step's reply is constrained by
// a JSON Schema, so even a small model answers with a call we can read or says it is done.
import type { JsonSchema, ToolSpec } from '$lib/types/tools';

export type SchemaReply =
	| { kind: 'call'; tool: string; argumentsText: string }
	/** `text`: the model wrote its answer inside the JSON (a server that ignored the schema). */
	| { kind: 'answer'; text?: string }
	| { kind: 'invalid'; error: string; tool?: string };

// Grammar compilers (xgrammar in web-llm, llama.cpp's) differ on these; valibot re-checks them.
const LOOSE_KEYWORDS = new Set(['$schema', '$id', 'pattern', 'format']);

/**
 * One object per tool (its name fixed, its arguments under the tool's own schema) plus the answer
 * object. Only type/properties/required/enum/anyOf are used, which every compiler accepts. The
 * top level also names `action`, so a reader can tell this schema from others: xgrammar and
 * llama.cpp take `anyOf` before `properties`, llguidance intersects them, all to the same effect.
 */
export function responseSchema(specs: readonly ToolSpec[]): JsonSchema {
	const calls = specs.map((spec) => ({
		type: 'object',
		properties: {
			action: { type: 'string', enum: ['call'] },
			tool: { type: 'string', enum: [spec.name] },
			arguments: grammarSafe(spec.parameters)
		},
		required: ['action', 'tool', 'arguments'],
		additionalProperties: false
	}));
	const answer = {
		type: 'object',
		properties: { action: { type: 'string', enum: ['answer'] } },
		required: ['action'],
		additionalProperties: false
	};
	return {
		type: 'object',
		properties: { action: { type: 'string', enum: ['call', 'answer'] } },
		required: ['action'],
		anyOf: [...calls, answer]
	};
}

/** The system-prompt part that teaches the reply protocol and lists the tools. */
export function toolPrompt(specs: readonly ToolSpec[]): string {
	const list = specs
		.map(
			(s) =>
				`- ${s.name}: ${s.description}\n  arguments (JSON Schema): ${JSON.stringify(s.parameters)}`
		)
		.join('\n');
	return [
		'You can use tools. Reply with exactly one JSON object and nothing else:',
		'- to call a tool: {"action":"call","tool":"<tool name>","arguments":{…}}',
		'- when you can answer (or need no tool): {"action":"answer"}; you will then write the answer.',
		'Call one tool at a time; its result comes back in the next message.',
		'',
		'Tools:',
		list
	].join('\n');
}

/** What the model is told after it said it can answer: write it now, in plain words. */
export const ANSWER_NOW =
	'Now write your answer to the user in plain text (not JSON), using the tool results above.';

/** Reads one step's reply. Arguments go back to JSON text so native and schema calls share checks. */
export function parseSchemaReply(text: string): SchemaReply {
	let value: unknown;
	try {
		value = JSON.parse(text.trim());
	} catch (e) {
		const detail = e instanceof Error ? e.message : 'not JSON';
		return { kind: 'invalid', error: `The reply is not valid JSON (${detail}).` };
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return { kind: 'invalid', error: 'The reply must be one JSON object.' };
	}
	const reply = value as Record<string, unknown>;
	if (reply.action === 'answer') {
		return typeof reply.answer === 'string' && reply.answer.trim() !== ''
			? { kind: 'answer', text: reply.answer }
			: { kind: 'answer' };
	}
	if (reply.action !== 'call') {
		return { kind: 'invalid', error: '"action" must be "call" or "answer".' };
	}
	if (typeof reply.tool !== 'string' || reply.tool === '') {
		return { kind: 'invalid', error: '"tool" must be the name of a tool.' };
	}
	const args = reply.arguments ?? {};
	if (typeof args !== 'object' || args === null || Array.isArray(args)) {
		return { kind: 'invalid', tool: reply.tool, error: '"arguments" must be a JSON object.' };
	}
	return { kind: 'call', tool: reply.tool, argumentsText: JSON.stringify(args) };
}

/** The canonical text of a call, as the assistant turn is kept in the history. */
export function callText(tool: string, args: unknown): string {
	return JSON.stringify({ action: 'call', tool, arguments: args });
}

function grammarSafe(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(grammarSafe);
	if (typeof schema !== 'object' || schema === null) return schema;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(schema)) {
		if (LOOSE_KEYWORDS.has(key)) continue;
		// Inside `properties` the keys are argument names, never keywords: keep them all.
		out[key] = key === 'properties' ? mapValues(value, grammarSafe) : grammarSafe(value);
	}
	return out;
}

function mapValues(value: unknown, fn: (v: unknown) => unknown): unknown {
	if (typeof value !== 'object' || value === null) return value;
	return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}
