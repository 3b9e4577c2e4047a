import type { EngineKind, Timings, Usage } from '$lib/engine/types';
import type { SerializedError } from '$lib/types/errors';

/**
 * `interrupted`: the page went away mid-stream; the text saved so far is kept and can be continued.
 * `aborted`: the user pressed stop.
 */
export type MessageStatus = 'streaming' | 'done' | 'error' | 'aborted' | 'interrupted';

export type MessageRole = 'user' | 'assistant' | 'system';

export interface Message {
	id: string;
	conversationId: string;
	/** The message this one answers or follows; null for the first. Siblings are edits/regenerations. */
	parentId: string | null;
	role: MessageRole;
	content: string;
	status: MessageStatus;
	createdAt: number;
	updatedAt: number;
	model?: string;
	engine?: EngineKind;
	usage?: Usage;
	timings?: Timings;
	error?: SerializedError;
	/** Lower-cased word prefixes for history search (maintained by the repository). */
	words?: string[];
}

export type ConversationMode = 'chat';

export interface Conversation {
	id: string;
	title: string;
	createdAt: number;
	updatedAt: number;
	/** 1 when pinned: IndexedDB cannot index booleans. */
	pinned: 0 | 1;
	mode: ConversationMode;
	model?: string;
	engine?: EngineKind;
	/** The message at the end of the branch being shown. */
	leafId: string | null;
	/** True once the title was set by the user or generated: auto-title leaves it alone. */
	titleFinal?: boolean;
	titleWords?: string[];
}
