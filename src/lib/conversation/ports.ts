// The ports an answer turn talks to the outside through. Each face supplies its own adapters:
// rune classes over Dexie in the browser, Node adapters in the terminal, policies in the API.
import type { EngineChoice, EngineKind, EnginePin, LlmEngine, ModelInfo } from '$lib/engine/types';
import type { NetFetch } from '$lib/net/types';
import type { ToolRegistry } from '$lib/tools/registry';
import type { ToolAttachment } from '$lib/tools/types';
import type { ImageRef, Message } from '$lib/types/chat';
import type { ToolCallRecord, ToolDecision } from '$lib/types/tools';
import type { Visual } from '$lib/utils/thread';

/** Picks what answers: the face's engine chain (a pinned conversation gets exactly its pin). */
export interface EngineChooser {
	choose(pin?: EnginePin | null): Promise<EngineChoice>;
	/** What the engine reports about a model (window, display name), when it listed it. */
	modelInfo(kind: EngineKind, model: string): ModelInfo | undefined;
}

/**
 * The person's say on a tool call. The browser shows Allow / Don't allow on the call's card, the
 * terminal asks y/N, the API answers by policy. Both resolve false for "no".
 */
export interface ToolApprovals {
	/**
	 * Side-effect calls, and network calls after untrusted text: true to run it. A call with a
	 * review (`record.review`, a plan of file changes) may be answered with edited arguments
	 * (items left out, conflicts decided); the loop validates them again before running them.
	 */
	confirm(record: ToolCallRecord): Promise<ToolDecision>;
	/** A running tool asks something mid-run ("fetch numpy from …?"). */
	ask(record: ToolCallRecord, question: string): Promise<boolean>;
}

/** Tools the agents may call; without them every answer is a plain reply. */
export interface TurnTools {
	/** Loaded on first use (in the browser, the tools are not part of the first paint). */
	registry(): Promise<ToolRegistry>;
	/** The ledgered fetch every tool request goes through. */
	net: NetFetch;
	hasWritableFolder(): Promise<boolean>;
	attachments(conversationId: string): Promise<ToolAttachment[]>;
}

/** Long-term memory: what to tell the model about the person, and what to propose keeping. */
export interface MemoryHooks {
	/**
	 * The memories relevant to a message and their prompt block; null when there are none.
	 * `earlier`: ids the conversation already used, kept first in the same order (a stable prompt
	 * start, so llama.cpp reuses its KV cache).
	 */
	relevant(
		query: string,
		signal: AbortSignal,
		earlier?: readonly string[]
	): Promise<{
		block: string;
		/** `untrusted`: the memory was written after untrusted text (Memory['untrusted']). */
		used: { id: string; text: string; untrusted?: string[] }[];
	} | null>;
	/** Looks for durable facts in a finished exchange and stores them as proposals. */
	propose(input: {
		engine: LlmEngine;
		model: string;
		userText: string;
		answer: string;
		conversationId: string;
		/** Where the untrusted text the conversation holds came from; proposals keep it. */
		untrusted?: readonly string[];
	}): Promise<void>;
}

/** Images sent with messages (absent: messages carry none). */
export interface ImageHooks {
	/** Hands the composer's stored images to the message they were sent with. */
	attach(ids: string[], messageId: string): Promise<void>;
	/**
	 * What each message's images become for this model: the pixels when it sees, else the text
	 * read from them on this device (stored on the message through `saveImages`).
	 */
	visuals(input: {
		thread: readonly Message[];
		kind: EngineKind;
		model: string;
		signal: AbortSignal;
		saveImages: (messageId: string, images: ImageRef[]) => Promise<void>;
	}): Promise<Map<string, Visual>>;
}
