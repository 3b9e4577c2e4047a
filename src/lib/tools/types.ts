import type { GenericSchema, InferOutput } from 'valibot';
import type { NetFetch } from '$lib/net/types';
import type { Settings } from '$lib/types/settings';
import type { CallReview } from '$lib/types/tools';

/** What a running tool gets from the agent loop. */
export interface ToolContext {
	/** Aborted when the user cancels this call or stops the answer. */
	signal: AbortSignal;
	/** The only way a tool reaches the network (ledger + offline-only). */
	net: NetFetch;
	settings: Settings;
	/** Streams output onto the call's card (Python's stdout/stderr). */
	onOutput(text: string): void;
	/** Long start-ups (Python) and long jobs (a plan of file changes) report progress on the card. */
	onProgress(progress: { fraction?: number; text: string }): void;
	/**
	 * Updates what the card reviews (a plan's items and their outcomes as it is applied). The loop
	 * always provides it; tools that never review leave it alone.
	 */
	onReview?(review: CallReview): void;
	/**
	 * Asks the user mid-run (e.g. "fetch numpy from cdn.jsdelivr.net?"); false when declined.
	 * The question is shown on the call's card.
	 */
	ask(question: string): Promise<boolean>;
	/** Files the user attached to this conversation (Python mounts them read-only under /data). */
	attachments: readonly ToolAttachment[];
	/** The conversation the call belongs to (reminders remember it). */
	conversationId?: string;
	/**
	 * Where the untrusted text the turn holds came from ("fetch_page https://…", "text read from
	 * an image"), when this call was made; absent or empty when there is none. A tool whose effect
	 * outlives the call records it (a memory's provenance), or keeps it apart (Python's state).
	 */
	untrusted?: readonly string[];
}

export interface ToolAttachment {
	name: string;
	type: string;
	data: Blob;
}

/** A source a result came from, for citations and the card. */
export interface ToolSource {
	title: string;
	url: string;
}

export interface ToolResult {
	/** What the model reads. The loop wraps it as untrusted data when `untrusted` is set. */
	content: string;
	/** One or two lines for the card. */
	preview: string;
	/** PNG data: URLs (figures). */
	images?: string[];
	/** Text from outside the user's words (web pages, files, search results). */
	untrusted: boolean;
	sources?: ToolSource[];
}

/**
 * A tool. Arguments are a valibot schema: the loop validates with it and sends its JSON Schema
 * (via @valibot/to-json-schema) to the model. Failures throw HearthError with a tool_* or more
 * precise code; the loop shows the message on the card and tells the model.
 */
export interface Tool<S extends GenericSchema = GenericSchema> {
	name: string;
	/** Shown on cards and in settings: "Web search". */
	title: string;
	/** For the model: what it does and when to use it. */
	description: string;
	schema: S;
	/** Changes something outside the conversation (writes a file, sets a reminder): asks first. */
	sideEffect: boolean;
	/** Reaches the network: blocked by "offline only"; after untrusted input, asks first. */
	network: boolean;
	/**
	 * What it does lasts beyond the answer and shapes later ones (a memory joins every later
	 * prompt): after untrusted input it asks first, like a network tool.
	 */
	lasting?: boolean;
	defaultEnabled: boolean;
	/** Wall-clock limit; the loop aborts the call's signal after it. */
	timeoutMs: number;
	/** Exactly what will happen, in plain words, shown when asking for confirmation. */
	describe(args: InferOutput<S>): string;
	run(args: InferOutput<S>, ctx: ToolContext): Promise<ToolResult>;
	/**
	 * A call the person reviews and may edit on its card (plan_file_changes). `prepare` runs before
	 * the card asks: it only reads, and returns what the card shows and the arguments a plain yes
	 * runs (without anything only the person may choose). An edited yes comes back as arguments,
	 * validated against `schema` again.
	 */
	review?: {
		prepare(
			args: InferOutput<S>,
			signal: AbortSignal
		): Promise<{ args: InferOutput<S>; review: CallReview }>;
	};
	/**
	 * On cancel or stop it finishes the step it is on and returns what it did (a plan of file
	 * changes), so the loop waits for it rather than abandoning it.
	 */
	windsDown?: boolean;
}

/** A tool with its schema type erased, as registries hold them. */
export type AnyTool = Tool<GenericSchema>;
