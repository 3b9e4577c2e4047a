// Plain data about tools that crosses the engine boundary (a worker too) and is stored on messages.
import type { SerializedError } from '$lib/types/errors';
import type { FilePlanView } from '$lib/types/file-plan';

/** A JSON Schema object (draft-07 subset), as engines and web-llm's grammar compiler take it. */
export type JsonSchema = { [key: string]: unknown };

/** A tool as a model sees it. */
export interface ToolSpec {
	name: string;
	description: string;
	/** JSON Schema of the arguments object. */
	parameters: JsonSchema;
}

/** A call as the model proposed it. Arguments stay raw text until the agent validates them. */
export interface ProposedToolCall {
	/** The engine's call id, or one Hearth made up when the engine has none. */
	id: string;
	name: string;
	argumentsText: string;
}

/**
 * `awaiting`: a side-effect call waits for the user's yes; `denied`: the user said no;
 * `cancelled`: stopped by the user or by the answer being stopped.
 */
export type ToolCallStatus = 'awaiting' | 'running' | 'done' | 'error' | 'denied' | 'cancelled';

/** What a call's card reviews with the person beyond its arguments: today, a plan of file changes. */
export type CallReview = FilePlanView;

/**
 * The person's answer to a call waiting on its card: no, yes, or yes to an edited call (a plan
 * with items unticked and conflicts decided), whose arguments the loop validates again.
 */
export type ToolDecision = boolean | { args: unknown };

/** One tool call as it happened, stored on the assistant message that made it (shown as a card). */
export interface ToolCallRecord {
	id: string;
	name: string;
	/** Validated arguments (or the raw text when they never validated). */
	args: unknown;
	status: ToolCallStatus;
	startedAt: number;
	durationMs?: number;
	/** What the user was asked to confirm, in plain words (side-effect calls). */
	confirmation?: string;
	/** Short text shown on the card; the full result went to the model. */
	preview?: string;
	/** 0..1 while a long call runs and knows how far it is. */
	progress?: number;
	/** What the card reviews (a plan and, once applied, each item's outcome). */
	review?: CallReview;
	/** Streamed output (Python's stdout/stderr), capped. */
	output?: string;
	/** Where a result came from (search results, a fetched page): links on the card, citations. */
	sources?: { title: string; url: string }[];
	/** PNG figures (data: URLs) a tool produced, e.g. matplotlib. */
	images?: string[];
	error?: SerializedError;
	/** True when the call came after untrusted content entered the turn (see agent/taint). */
	tainted?: boolean;
	/**
	 * Where that untrusted content came from (agent/untrusted-origins.ts labels, a few at most),
	 * kept when the call waited for a yes: the card names them beside the question.
	 */
	untrustedFrom?: string[];
	/**
	 * Why it waited for the user's yes ('side-effect', 'untrusted'), or why it ran without one
	 * although untrusted text was in the turn ('your-words': the user wrote its arguments;
	 * 'contained': it cannot send anything out or change anything). Absent: not asked, no taint.
	 * The card says which, so it never claims the user was asked when they were not.
	 */
	gate?: CallGate;
	/** Its result was untrusted text (a page, a file, search results): later turns count it. */
	untrustedResult?: boolean;
}

/** See ToolCallRecord.gate. */
export type CallGate = 'side-effect' | 'untrusted' | 'your-words' | 'contained';
