import type { ChatMessage } from '$lib/engine/types';
import type { Message } from '$lib/types/chat';
import { stripReasoning, type ReasoningOptions } from '$lib/utils/reasoning';

/** The visible branch: from the root down to `leafId`, following parent links. */
export function buildThread(byId: ReadonlyMap<string, Message>, leafId: string | null): Message[] {
	const out: Message[] = [];
	const seen = new Set<string>();
	let cursor = leafId ? byId.get(leafId) : undefined;
	while (cursor && !seen.has(cursor.id)) {
		seen.add(cursor.id);
		out.push(cursor);
		cursor = cursor.parentId ? byId.get(cursor.parentId) : undefined;
	}
	return out.reverse();
}

/** Children of each parent (null = roots), oldest first: edits and regenerations are siblings. */
export function childrenByParent(messages: readonly Message[]): Map<string | null, Message[]> {
	const map = new Map<string | null, Message[]>();
	for (const m of messages) {
		const list = map.get(m.parentId);
		if (list) list.push(m);
		else map.set(m.parentId, [m]);
	}
	for (const list of map.values()) list.sort((a, b) => a.createdAt - b.createdAt);
	return map;
}

/** The leaf reached from `id` by always following the newest child. */
export function newestLeaf(children: ReadonlyMap<string | null, Message[]>, id: string): string {
	let current = id;
	const seen = new Set<string>();
	for (;;) {
		seen.add(current);
		const kids = children.get(current);
		const next = kids?.[kids.length - 1];
		if (!next || seen.has(next.id)) return current;
		current = next.id;
	}
}

/**
 * The turns the engine sees, each with the id of the message it came from. Failed or empty answers
 * are left out, so a retry does not teach the model its own error, and an answer's reasoning
 * (<think>…</think>) is left out: models are trained to see only final answers in history.
 */
export function requestTurns(
	thread: readonly Message[],
	reasoning: ReasoningOptions = {}
): { id: string; message: ChatMessage }[] {
	const out: { id: string; message: ChatMessage }[] = [];
	for (const m of thread) {
		if (m.status === 'error' || m.status === 'streaming' || m.role === 'system') continue;
		const content = m.role === 'assistant' ? stripReasoning(m.content, reasoning) : m.content;
		if (m.role === 'assistant' && content.length === 0) continue;
		out.push({ id: m.id, message: { role: m.role, content } });
	}
	return out;
}
