import { conversationRecord, messageRecord, threadRecords } from '$lib/conversation/chat-store';
import type {
	ChatStore,
	ConversationPatch,
	DeletedConversation,
	MessagePatch,
	NewConversation,
	NewMessage,
	NewThread,
	NewThreadMessage,
	HistoryHit
} from '$lib/conversation/chat-store';
import type { HearthDb } from '$lib/storage/db';
import { searchHistory } from '$lib/storage/search';
import type { Conversation, Message } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import { indexWords } from '$lib/utils/words';

/** Every storage failure leaves as a coded HearthError (quota_exceeded above all). */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw toHearthError(e);
	}
}

/** The browser's ChatStore over Dexie: the only code that writes the conversation tables. */
export class ChatRepository implements ChatStore {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	createConversation(init: NewConversation): Promise<Conversation> {
		const conversation = conversationRecord(init, Date.now());
		return guarded(async () => {
			await this.#db.conversations.add(conversation);
			return conversation;
		});
	}

	createThread(init: NewConversation, messages: readonly NewThreadMessage[]): Promise<NewThread> {
		const thread = threadRecords(init, messages, Date.now());
		return guarded(() =>
			this.#db.transaction('rw', this.#db.conversations, this.#db.messages, async () => {
				await this.#db.conversations.add(thread.conversation);
				await this.#db.messages.bulkAdd(thread.messages);
				return thread;
			})
		);
	}

	getConversation(id: string): Promise<Conversation | undefined> {
		return guarded(() => this.#db.conversations.get(id));
	}

	/** Pinned first, then most recently updated; paginated so 10,000 conversations stay cheap. */
	listConversations(offset: number, limit: number): Promise<Conversation[]> {
		return guarded(() =>
			this.#db.conversations
				.orderBy('[pinned+updatedAt]')
				.reverse()
				.offset(offset)
				.limit(limit)
				.toArray()
		);
	}

	countConversations(): Promise<number> {
		return guarded(() => this.#db.conversations.count());
	}

	updateConversation(id: string, patch: ConversationPatch, touch = false): Promise<void> {
		const full: Partial<Conversation> = { ...patch };
		if (patch.title !== undefined) full.titleWords = indexWords(patch.title);
		if (touch) full.updatedAt = Date.now();
		return guarded(async () => {
			await this.#db.conversations.update(id, full);
		});
	}

	deleteConversation(id: string): Promise<DeletedConversation | undefined> {
		return guarded(() =>
			this.#db.transaction(
				'rw',
				[this.#db.conversations, this.#db.messages, this.#db.attachments, this.#db.images],
				async () => {
					const conversation = await this.#db.conversations.get(id);
					if (!conversation) return undefined;
					const messages = await this.#db.messages.where('conversationId').equals(id).toArray();
					const attachments = await this.#db.attachments
						.where('conversationId')
						.equals(id)
						.toArray();
					const images = await this.#db.images.where('conversationId').equals(id).toArray();
					await this.#db.messages.where('conversationId').equals(id).delete();
					await this.#db.attachments.where('conversationId').equals(id).delete();
					await this.#db.images.where('conversationId').equals(id).delete();
					await this.#db.conversations.delete(id);
					return { conversation, messages, attachments, images };
				}
			)
		);
	}

	restoreConversation(deleted: DeletedConversation): Promise<void> {
		return guarded(() =>
			this.#db.transaction(
				'rw',
				[this.#db.conversations, this.#db.messages, this.#db.attachments, this.#db.images],
				async () => {
					await this.#db.conversations.put(deleted.conversation);
					await this.#db.messages.bulkPut(deleted.messages);
					await this.#db.attachments.bulkPut(deleted.attachments);
					await this.#db.images.bulkPut(deleted.images);
				}
			)
		);
	}

	messagesOf(conversationId: string): Promise<Message[]> {
		return guarded(() =>
			this.#db.messages
				.where('[conversationId+createdAt]')
				.between([conversationId, -Infinity], [conversationId, Infinity])
				.toArray()
		);
	}

	/** Adds a message and makes it the conversation's visible leaf, in one transaction. */
	addMessage(init: NewMessage): Promise<Message> {
		const now = Date.now();
		const message = messageRecord(init, now);
		return guarded(() =>
			this.#db.transaction('rw', this.#db.conversations, this.#db.messages, async () => {
				await this.#db.messages.add(message);
				await this.#db.conversations.update(message.conversationId, {
					leafId: message.id,
					updatedAt: now
				});
				return message;
			})
		);
	}

	updateMessage(id: string, patch: MessagePatch): Promise<void> {
		const full: Partial<Message> = { ...patch, updatedAt: Date.now() };
		if (patch.content !== undefined) full.words = indexWords(patch.content);
		return guarded(async () => {
			await this.#db.messages.update(id, full);
		});
	}

	/**
	 * After a reload or crash, answers still marked `streaming` were cut off. Those not being
	 * written by another open tab (`activeIds`) become `interrupted`, keeping their text.
	 */
	markInterrupted(activeIds: ReadonlySet<string> = new Set()): Promise<number> {
		return guarded(() =>
			this.#db.messages
				.where('status')
				.equals('streaming')
				.filter((m) => !activeIds.has(m.id))
				.modify((m) => {
					m.status = 'interrupted';
					// A tool call that was running or waiting for a yes can never finish now.
					for (const call of m.toolCalls ?? []) {
						if (call.status === 'running' || call.status === 'awaiting') call.status = 'cancelled';
					}
				})
		);
	}

	search(query: string, limit?: number): Promise<HistoryHit[]> {
		return searchHistory(this.#db, query, limit);
	}

	clearAll(): Promise<void> {
		return guarded(() =>
			this.#db.transaction(
				'rw',
				[this.#db.conversations, this.#db.messages, this.#db.attachments, this.#db.images],
				async () => {
					await this.#db.messages.clear();
					await this.#db.conversations.clear();
					// What belonged to the conversations goes with them.
					await this.#db.attachments.clear();
					await this.#db.images.clear();
				}
			)
		);
	}
}
