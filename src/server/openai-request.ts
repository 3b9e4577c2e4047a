// The OpenAI chat-completions request as the API accepts it, validated (valibot) and turned into
// what Hearth runs: a text-only message list, generation options and the caller's own tools.
import * as v from 'valibot';
import type { ChatMessage, GenerationOptions } from '$lib/types/llm';
import { HearthError } from '$lib/types/errors';
import type { ToolSpec } from '$lib/types/tools';

const Part = v.looseObject({ type: v.string(), text: v.optional(v.string()) });
const Content = v.nullish(v.union([v.string(), v.array(Part)]));

const WireToolCall = v.looseObject({
	id: v.string(),
	type: v.optional(v.literal('function')),
	function: v.looseObject({ name: v.string(), arguments: v.string() })
});

const WireMessage = v.looseObject({
	role: v.picklist(['system', 'developer', 'user', 'assistant', 'tool']),
	content: Content,
	tool_calls: v.nullish(v.array(WireToolCall)),
	tool_call_id: v.nullish(v.string()),
	name: v.nullish(v.string())
});

const WireTool = v.looseObject({
	type: v.literal('function'),
	function: v.looseObject({
		name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
		description: v.nullish(v.string()),
		parameters: v.nullish(v.record(v.string(), v.unknown()))
	})
});

const count = (min: number) => v.nullish(v.pipe(v.number(), v.integer(), v.minValue(min)));

export const CompletionRequestSchema = v.looseObject({
	model: v.nullish(v.string()),
	messages: v.pipe(v.array(WireMessage), v.minLength(1, 'needs at least one message')),
	stream: v.nullish(v.boolean()),
	stream_options: v.nullish(v.looseObject({ include_usage: v.nullish(v.boolean()) })),
	temperature: v.nullish(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
	top_p: v.nullish(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
	max_tokens: count(1),
	max_completion_tokens: count(1),
	stop: v.nullish(v.union([v.string(), v.array(v.string())])),
	tools: v.nullish(v.array(WireTool)),
	n: count(1)
});

export type CompletionRequest = v.InferOutput<typeof CompletionRequestSchema>;
type WireMessageT = v.InferOutput<typeof WireMessage>;

/** The request, or import_invalid (400) naming the first bad field. */
export function parseCompletionRequest(body: unknown): CompletionRequest {
	const parsed = v.safeParse(CompletionRequestSchema, body);
	if (!parsed.success) {
		const issue = parsed.issues[0];
		const where = issue ? v.getDotPath(issue) : null;
		throw new HearthError(
			'import_invalid',
			`Invalid request${where ? ` at ${where}` : ''}: ${issue?.message ?? 'not a chat completion request'}`
		);
	}
	if ((parsed.output.n ?? 1) !== 1) {
		throw new HearthError('not_supported', 'Hearth writes one choice per request (n must be 1).');
	}
	return parsed.output;
}

/** A message's text; images and other parts are refused rather than silently dropped. */
export function textOf(message: WireMessageT): string {
	const { content } = message;
	if (content === null || content === undefined) return '';
	if (typeof content === 'string') return content;
	return content
		.map((part) => {
			if (part.type !== 'text' || typeof part.text !== 'string') {
				throw new HearthError(
					'not_supported',
					`Message parts of type "${part.type}" are not supported by this API yet; send text.`
				);
			}
			return part.text;
		})
		.join('');
}

export function generationOptions(request: CompletionRequest): GenerationOptions {
	const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? undefined);
	return {
		temperature: request.temperature ?? undefined,
		topP: request.top_p ?? undefined,
		maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
		...(stop && stop.length > 0 ? { stop } : {})
	};
}

/** True when the caller runs its own tool loop: its tools, or tool turns in the history. */
export function callerRunsTools(request: CompletionRequest): boolean {
	return (
		(request.tools?.length ?? 0) > 0 ||
		request.messages.some((m) => m.role === 'tool' || (m.tool_calls?.length ?? 0) > 0)
	);
}

export function callerTools(request: CompletionRequest): ToolSpec[] {
	return (request.tools ?? []).map((t) => ({
		name: t.function.name,
		description: t.function.description ?? '',
		parameters: t.function.parameters ?? { type: 'object', properties: {} }
	}));
}

/** The whole history as engine messages, for a caller that runs its own tools. */
export function engineMessages(request: CompletionRequest): ChatMessage[] {
	const names = new Map<string, string>();
	return request.messages.map((m): ChatMessage => {
		const content = textOf(m);
		switch (m.role) {
			case 'system':
			case 'developer':
				return { role: 'system', content };
			case 'assistant': {
				const calls = (m.tool_calls ?? []).map((c) => {
					names.set(c.id, c.function.name);
					return { id: c.id, name: c.function.name, argumentsText: c.function.arguments };
				});
				return { role: 'assistant', content, ...(calls.length ? { toolCalls: calls } : {}) };
			}
			case 'tool': {
				const id = m.tool_call_id ?? '';
				return {
					role: 'tool',
					content,
					toolCallId: id,
					toolName: m.name ?? names.get(id) ?? 'tool'
				};
			}
			default:
				return { role: 'user', content };
		}
	});
}

/**
 * The history for Hearth's own agent: system messages become the caller's system prompt, the
 * rest the conversation's turns.
 */
export function agentTurns(request: CompletionRequest): {
	systemPrompt: string;
	turns: { role: 'user' | 'assistant'; content: string }[];
} {
	const system: string[] = [];
	const turns: { role: 'user' | 'assistant'; content: string }[] = [];
	for (const m of request.messages) {
		if (m.role === 'system' || m.role === 'developer') system.push(textOf(m));
		else if (m.role === 'user' || m.role === 'assistant')
			turns.push({ role: m.role, content: textOf(m) });
	}
	return { systemPrompt: system.join('\n\n'), turns };
}

/** The longest message text in characters (the per-message size limit). */
export function longestMessage(request: CompletionRequest): number {
	return Math.max(0, ...request.messages.map((m) => textOf(m).length));
}
