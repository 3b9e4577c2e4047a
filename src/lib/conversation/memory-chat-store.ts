// A conversation store that keeps everything in this process's memory and nothing anywhere else:
// the eval harness's per-case workspace (thousands of short-lived conversations nobody reads back),
// where a database, even an in-memory IndexedDB, costs more than the answer's own bookkeeping.
// It shows the same behaviour as the Dexie and SQLite stores (one contract suite), and hands out
// copies, as a database does, so a caller changing a returned record changes nothing stored.
import {
	conversationRecord,
	messageRecord,
	threadRecords,
	type ChatStore,
	type ConversationPatch,
	type DeletedConversation,
	type HistoryHit,
	type MessagePatch,
	type NewConversation,
	type NewMessage,
	type NewThread,
	type NewThreadMessage
} from '$lib/conversation/chat-store';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import { indexWords, queryWords, snippetAround } from '$lib/utils/words';

const copy = <T>(value: T): T => structuredClone(value);

/** Sets the patch's fields; a field given as undefined is removed, as a database update does. */
function assign<T extends object>(target: T, patch: Partial<T>): void {
	for (const [key, value] of Object.entries(patch)) {
		if (value === undefined) delete target[key as keyof T];
		else target[key as keyof T] = value as T[keyof T];
	}
}

const prefixOf = (words: readonly string[] | undefined, w: string) =>
	(words ?? []).some((x) => x.startsWith(w));

export class InMemoryChatStore implements ChatStore {
	readonly #conversations = new Map<string, Conversation>();
	readonly #messages = new Map<string, Message>();

	async createConversation(init: NewConversation): Promise<Conversation> {
		const conversation = conversationRecord(init, Date.now());
		this.#conversations.set(conversation.id, conversation);
		return copy(conversation);
	}

	async createThread(
		init: NewConversation,
		messages: readonly NewThreadMessage[]
	): Promise<NewThread> {
		const thread = threadRecords(copy(init), copy(messages), Date.now());
		if (thread.messages.some((m) => this.#messages.has(m.id))) {
			throw new HearthError('storage_failed', 'A message with one of these ids is stored.');
		}
		this.#conversations.set(thread.conversation.id, thread.conversation);
		for (const m of thread.messages) this.#messages.set(m.id, m);
		return copy(thread);
	}

	async getConversation(id: string): Promise<Conversation | undefined> {
		const found = this.#conversations.get(id);
		return found && copy(found);
	}

	async listConversations(offset: number, limit: number): Promise<Conversation[]> {
		return [...this.#conversations.values()]
			.sort((a, b) => b.pinned - a.pinned || b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1))
			.slice(offset, offset + limit)
			.map(copy);
	}

	async countConversations(): Promise<number> {
		return this.#conversations.size;
	}

	async updateConversation(id: string, patch: ConversationPatch, touch = false): Promise<void> {
		const found = this.#conversations.get(id);
		if (!found) return;
		const full: Partial<Conversation> = copy(patch);
		if (patch.title !== undefined) full.titleWords = indexWords(patch.title);
		if (touch) full.updatedAt = Date.now();
		assign(found, full);
	}

	async deleteConversation(id: string): Promise<DeletedConversation | undefined> {
		const conversation = this.#conversations.get(id);
		if (!conversation) return undefined;
		const messages = this.#of(id);
		for (const m of messages) this.#messages.delete(m.id);
		this.#conversations.delete(id);
		// Attachments and images are never kept here (an eval has none).
		return { conversation, messages, attachments: [], images: [] };
	}

	async restoreConversation(deleted: DeletedConversation): Promise<void> {
		this.#conversations.set(deleted.conversation.id, copy(deleted.conversation));
		for (const m of deleted.messages) this.#messages.set(m.id, copy(m));
	}

	async messagesOf(conversationId: string): Promise<Message[]> {
		return this.#of(conversationId).map(copy);
	}

	async addMessage(init: NewMessage): Promise<Message> {
		const now = Date.now();
		const message = messageRecord(copy(init), now);
		if (this.#messages.has(message.id)) {
			throw new HearthError('storage_failed', `A message with the id ${message.id} is stored.`);
		}
		this.#messages.set(message.id, message);
		const conversation = this.#conversations.get(message.conversationId);
		if (conversation) assign(conversation, { leafId: message.id, updatedAt: now });
		return copy(message);
	}

	async updateMessage(id: string, patch: MessagePatch): Promise<void> {
		const found = this.#messages.get(id);
		if (!found) return;
		const full: Partial<Message> = { ...copy(patch), updatedAt: Date.now() };
		if (patch.content !== undefined) full.words = indexWords(patch.content);
		assign(found, full);
	}

	async markInterrupted(activeIds: ReadonlySet<string> = new Set()): Promise<number> {
		let count = 0;
		for (const m of this.#messages.values()) {
			if (m.status !== 'streaming' || activeIds.has(m.id)) continue;
			m.status = 'interrupted';
			for (const call of m.toolCalls ?? []) {
				if (call.status === 'running' || call.status === 'awaiting') call.status = 'cancelled';
			}
			count++;
		}
		return count;
	}

	/** Every query word prefix-matches a word of the title or of one message; newest first. */
	async search(query: string, limit = 50): Promise<HistoryHit[]> {
		const words = queryWords(query);
		if (words.length === 0) return [];
		const hits = new Map<string, HistoryHit>();
		for (const c of this.#conversations.values()) {
			if (words.every((w) => prefixOf(c.titleWords, w))) {
				hits.set(c.id, { conversation: copy(c), snippet: c.title });
			}
		}
		const latest = new Map<string, Message>();
		for (const m of this.#messages.values()) {
			if (hits.has(m.conversationId) || !words.every((w) => prefixOf(m.words, w))) continue;
			const seen = latest.get(m.conversationId);
			if (!seen || m.createdAt > seen.createdAt) latest.set(m.conversationId, m);
		}
		const first = words[0]!;
		for (const [id, m] of latest) {
			const conversation = this.#conversations.get(id);
			if (!conversation) continue;
			hits.set(id, {
				conversation: copy(conversation),
				messageId: m.id,
				snippet: snippetAround(m.content, first)
			});
		}
		return [...hits.values()]
			.sort((a, b) => b.conversation.updatedAt - a.conversation.updatedAt)
			.slice(0, limit);
	}

	async clearAll(): Promise<void> {
		this.#conversations.clear();
		this.#messages.clear();
	}

	/**
	 * A conversation's messages, oldest first. Two written in the same millisecond keep the order
	 * they were added in (the sort is stable over the map's insertion order).
	 */
	#of(conversationId: string): Message[] {
		return [...this.#messages.values()]
			.filter((m) => m.conversationId === conversationId)
			.sort((a, b) => a.createdAt - b.createdAt);
	}
}
