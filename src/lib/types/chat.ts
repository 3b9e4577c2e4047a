import type { EngineKind, GenerationOptions, ImageMime, Timings, Usage } from '$lib/types/llm';
import type { SerializedError } from '$lib/types/errors';
import type { ToolCallRecord } from '$lib/types/tools';

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
	/** How long the model reasoned (<think>…</think>) before answering. */
	reasoningMs?: number;
	/** Older turns were replaced by a summary to fit the model's window when this was asked. */
	context?: ContextNote;
	/** Lower-cased word prefixes for history search (maintained by the repository). */
	words?: string[];
	/** Tools this answer called, in order (shown as cards above the text). */
	toolCalls?: ToolCallRecord[];
	/** The agent that answered, and whether the router or the user chose it. */
	agent?: {
		id: string;
		name: string;
		chosenBy: 'router' | 'user';
		reason?: string;
		/** Tools it was given for this answer because the person asked for them by name. */
		addedTools?: string[];
	};
	/** Set when a critique-and-revise pass changed the answer: the critique and the first draft. */
	revision?: { critique: string; draft: string };
	/** What the critique-and-revise pass cost (model calls, time), whether or not it changed it. */
	review?: { calls: number; ms: number };
	/** Long-term memories added to the prompt for this answer ("used 2 memories"). */
	memories?: { id: string; text: string }[];
	/** Images sent with this (user) message; the bytes live in the `images` table. */
	images?: ImageRef[];
	/**
	 * For an answer: where the untrusted text its prompt held came from when it was written (a
	 * page read in an earlier turn, an image, a memory saved after reading a page…). Its text may
	 * carry what that text said, so later answers count it as untrusted too (agent/untrusted-origins).
	 * What its own tool calls read is on the calls.
	 */
	untrusted?: string[];
}

/** A stored image as a message refers to it. */
export interface ImageRef {
	id: string;
	name: string;
	/** Stored (downscaled) size and type. */
	width: number;
	height: number;
	mime: ImageMime;
	bytes: number;
	/** Text read from the image on the device (OCR), when the model had no vision. */
	ocrText?: string;
}

export type ConversationMode = 'chat';

/** What the context budget did for one answer, shown beside it. */
export interface ContextNote {
	summarizedTurns: number;
	/** Turns left out with no summary (summarising failed or had no room). */
	omittedTurns: number;
	contextWindow: number;
	promptTokens: number;
}

/** A rolling summary standing in for the oldest turns of one branch. */
export interface ConversationSummary {
	text: string;
	/** The last message the summary covers; it only applies to threads that contain it. */
	throughId: string;
	/** How many thread messages (from the start) it covers. */
	coversCount: number;
	/**
	 * Where the untrusted text in the turns it covers came from: the model wrote it from them, and
	 * the fence around that text is gone, so a prompt that uses it counts as holding untrusted text.
	 */
	untrusted?: string[];
}

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
	/** Engine and model this conversation always uses, whatever the default chain picks. */
	pin?: { engine: EngineKind; model: string };
	/** Generation settings that override the defaults for this conversation. */
	options?: GenerationOptions;
	summary?: ConversationSummary;
	/** The agent this conversation always uses; absent = the router picks per message. */
	agentId?: string;
}
