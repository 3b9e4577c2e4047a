import type { HearthDb } from '$lib/storage/db';
import type { Conversation, Message } from '$lib/types/chat';
import type { Attachment, StoredImage } from '$lib/types/agent-data';
import { toHearthError } from '$lib/types/errors';
import { indexWords } from '$lib/utils/words';

export type NewConversation = Pick<Conversation, 'title'> &
	Partial<Pick<Conversation, 'model' | 'engine' | 'mode'>>;

export type NewMessage = Omit<Message, 'id' | 'createdAt' | 'updatedAt' | 'words'> &
	Partial<Pick<Message, 'id' | 'createdAt'>>;

/** What a delete removed, so the user can undo it. */
export interface DeletedConversation {
	conversation: Conversation;
	messages: Message[];
	/** Files attached to it: deleted with it, and back with an undo. */
	attachments: Attachment[];
	/** Images sent in it (or waiting in its composer): the same. */
	images: StoredImage[];
}

/** Every storage failure leaves as a coded HearthError (quota_exceeded above all). */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw toHearthError(e);
	}
}

export function newId(): string {
	return crypto.randomUUID();
}

/** Conversations and their message trees. The only code that writes those tables. */
export class ChatRepository {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	createConversation(init: NewConversation): Promise<Conversation> {
		const now = Date.now();
		const conversation: Conversation = {
			id: newId(),
			title: init.title,
			titleWords: indexWords(init.title),
			createdAt: now,
			updatedAt: now,
			pinned: 0,
			mode: init.mode ?? 'chat',
			model: init.model,
			engine: init.engine,
			leafId: null
		};
		return guarded(async () => {
			await this.#db.conversations.add(conversation);
			return conversation;
		});
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

	updateConversation(
		id: string,
		patch: Partial<
			Pick<
				Conversation,
				| 'title'
				| 'titleFinal'
				| 'pinned'
				| 'leafId'
				| 'model'
				| 'engine'
				| 'pin'
				| 'options'
				| 'summary'
			>
		>,
		touch = false
	): Promise<void> {
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
		const message: Message = {
			...init,
			id: init.id ?? newId(),
			createdAt: init.createdAt ?? now,
			updatedAt: now,
			words: indexWords(init.content)
		};
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

	updateMessage(id: string, patch: Partial<Omit<Message, 'id' | 'conversationId'>>): Promise<void> {
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
