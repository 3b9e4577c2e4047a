// The conversation store as the core sees it: a port each face implements (Dexie in the browser,
// SQLite in Node). Nothing here knows how or where the rows are kept.
import type { Conversation, Message } from '$lib/types/chat';
import { indexWords } from '$lib/utils/words';
import type { Attachment, StoredImage } from '$lib/types/agent-data';

/** `pin` and `options` at creation save the API a second write per request. */
export type NewConversation = Pick<Conversation, 'title'> &
	Partial<Pick<Conversation, 'model' | 'engine' | 'mode' | 'pin' | 'options'>>;

export type NewMessage = Omit<Message, 'id' | 'createdAt' | 'updatedAt' | 'words'> &
	Partial<Pick<Message, 'id' | 'createdAt'>>;

/** The fields of a conversation that change after it was created. */
export type ConversationPatch = Partial<
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
		| 'agentId'
	>
>;

export type MessagePatch = Partial<Omit<Message, 'id' | 'conversationId'>>;

/** A message of a new conversation's first branch: its place comes from its order. */
export type NewThreadMessage = Omit<NewMessage, 'conversationId' | 'parentId'>;

/** A new conversation and its first branch, as stored together. */
export interface NewThread {
	conversation: Conversation;
	/** Oldest first; each the reply to the one before; the last is the leaf. */
	messages: Message[];
}

/** What a delete removed, so the user can undo it. */
export interface DeletedConversation {
	conversation: Conversation;
	messages: Message[];
	/** Files attached to it: deleted with it, and back with an undo (none in the terminal). */
	attachments: Attachment[];
	/** Images sent in it (or waiting in its composer): the same. */
	images: StoredImage[];
}

export interface HistoryHit {
	conversation: Conversation;
	/** The best matching message, when the match is in the text rather than the title. */
	messageId?: string;
	snippet: string;
}

/**
 * Conversations and their message trees. Every failure leaves as a coded HearthError
 * (quota_exceeded above all); implementations share one contract suite.
 */
export interface ChatStore {
	createConversation(init: NewConversation): Promise<Conversation>;
	/**
	 * A new conversation holding `messages` as one branch (the last its leaf), written at once:
	 * all of it is saved or none. The API starts every answer this way (one commit, not one per row).
	 */
	createThread(init: NewConversation, messages: readonly NewThreadMessage[]): Promise<NewThread>;
	getConversation(id: string): Promise<Conversation | undefined>;
	/** Pinned first, then most recently updated, a page at a time. */
	listConversations(offset: number, limit: number): Promise<Conversation[]>;
	countConversations(): Promise<number>;
	/** `touch` also moves the conversation to the top (updatedAt = now). */
	updateConversation(id: string, patch: ConversationPatch, touch?: boolean): Promise<void>;
	/** Removes a conversation with everything in it; undefined when it did not exist. */
	deleteConversation(id: string): Promise<DeletedConversation | undefined>;
	restoreConversation(deleted: DeletedConversation): Promise<void>;
	/** Oldest first. */
	messagesOf(conversationId: string): Promise<Message[]>;
	/** Adds a message and makes it the conversation's visible leaf, atomically. */
	addMessage(init: NewMessage): Promise<Message>;
	updateMessage(id: string, patch: MessagePatch): Promise<void>;
	/**
	 * After a reload or crash, answers still marked `streaming` were cut off. Those not being
	 * written elsewhere (`activeIds`) become `interrupted`, keeping their text.
	 */
	markInterrupted(activeIds?: ReadonlySet<string>): Promise<number>;
	/** History search: every query word prefix-matches the title or one message; newest first. */
	search(query: string, limit?: number): Promise<HistoryHit[]>;
	clearAll(): Promise<void>;
}

// What a store writes for a new conversation or message, the same in every store (the browser's
// Dexie one and the terminal's SQLite one): ids, times and the words history search indexes.

export function newId(): string {
	return crypto.randomUUID();
}

/** A new, empty conversation as stored. */
export function conversationRecord(init: NewConversation, now: number): Conversation {
	return {
		id: newId(),
		title: init.title,
		titleWords: indexWords(init.title),
		createdAt: now,
		updatedAt: now,
		pinned: 0,
		mode: init.mode ?? 'chat',
		model: init.model,
		engine: init.engine,
		leafId: null,
		...(init.pin ? { pin: init.pin } : {}),
		...(init.options ? { options: init.options } : {})
	};
}

/** A new conversation with its first branch as stored: parents chained, the last the leaf. */
export function threadRecords(
	init: NewConversation,
	messages: readonly NewThreadMessage[],
	now: number
): NewThread {
	const conversation = conversationRecord(init, now);
	const chained: Message[] = [];
	for (const [i, m] of messages.entries()) {
		// A millisecond apart, so "oldest first" keeps their order (same-time rows order by id).
		chained.push(
			messageRecord(
				{ ...m, conversationId: conversation.id, parentId: chained.at(-1)?.id ?? null },
				now + i
			)
		);
	}
	const leaf = chained.at(-1);
	if (leaf) {
		conversation.leafId = leaf.id;
		conversation.updatedAt = leaf.updatedAt;
	}
	return { conversation, messages: chained };
}

/** A new message as stored. */
export function messageRecord(init: NewMessage, now: number): Message {
	return {
		...init,
		id: init.id ?? newId(),
		createdAt: init.createdAt ?? now,
		updatedAt: now,
		words: indexWords(init.content)
	};
}
