import type { ChatMessage } from '$lib/engine/types';
import type { ChatImage } from '$lib/types/llm';
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
	reasoning: ReasoningOptions = {},
	visuals?: ReadonlyMap<string, Visual>
): { id: string; message: ChatMessage }[] {
	const out: { id: string; message: ChatMessage }[] = [];
	for (const m of thread) {
		if (m.status === 'error' || m.status === 'streaming' || m.role === 'system') continue;
		let content = m.role === 'assistant' ? stripReasoning(m.content, reasoning) : m.content;
		if (m.role === 'assistant' && content.trim().length === 0) continue;
		// Images nobody turned into pixels or text still leave a trace the model can mention.
		const visual =
			visuals?.get(m.id) ??
			(m.images?.length
				? { text: m.images.map((i) => `[Image: ${i.name}]`).join('\n') }
				: undefined);
		if (visual?.text) content = content ? `${content}\n\n${visual.text}` : visual.text;
		const images = visual?.images?.length ? { images: visual.images } : {};
		out.push({ id: m.id, message: { role: m.role, content, ...images } });
	}
	return out;
}

/** What a message's images become in the request: the pixels, or words about them. */
export interface Visual {
	images?: ChatImage[];
	/** Added after the text: the text read from the images, or their names. */
	text?: string;
}
