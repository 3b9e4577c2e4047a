// How tool work is written into the conversation the model reads.
import type { ChatMessage } from '$lib/types/llm';

/** A tool result longer than this is cut: one page must not push the question out of the window. */
export const MAX_RESULT_CHARS = 16_000;

/** Adds to the system prompt, keeping it the first message (web-llm rejects a system turn later). */
export function withSystem(
	messages: readonly ChatMessage[],
	extra: readonly string[]
): ChatMessage[] {
	const parts = extra.filter((s) => s !== '');
	if (parts.length === 0) return [...messages];
	const [first, ...rest] = messages;
	if (first?.role === 'system') {
		const content = [first.content, ...parts].filter((s) => s.trim() !== '').join('\n\n');
		return [{ ...first, content }, ...rest];
	}
	return [{ role: 'system', content: parts.join('\n\n') }, ...messages];
}

export function capResult(content: string): string {
	if (content.length <= MAX_RESULT_CHARS) return content;
	return `${content.slice(0, MAX_RESULT_CHARS)}\n[… cut: the result was ${content.length} characters long]`;
}

/**
 * How a result reaches the model in schema mode (and in the flattened final request): a user turn
 * with a label line, the form the in-browser engine and the fixtures read as a tool result.
 */
export function resultMessage(toolName: string, content: string): ChatMessage {
	return { role: 'user', content: `Tool result (${toolName}):\n${content}` };
}

/**
 * Native tool turns rewritten as plain text turns, for a final request sent without `tools`
 * (some servers reject tool messages when no tools are offered).
 */
export function flattenToolTurns(messages: readonly ChatMessage[]): ChatMessage[] {
	return messages.map((m): ChatMessage => {
		if (m.role === 'tool') return resultMessage(m.toolName ?? 'a tool', m.content);
		if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
			const calls = m.toolCalls.map((c) => `(called ${c.name} with ${c.argumentsText || '{}'})`);
			return { role: 'assistant', content: [m.content, ...calls].filter(Boolean).join('\n') };
		}
		return m;
	});
}
