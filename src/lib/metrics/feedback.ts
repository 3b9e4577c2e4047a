// Thumbs up or down on an answer, with an optional reason: the person's own verdict, kept on the
// device, shown in the dashboard, carried in backups, and one step from becoming an eval case.
import type { EngineKind } from '$lib/types/llm';

export type Rating = 'up' | 'down';

export interface Feedback {
	messageId: string;
	conversationId: string;
	rating: Rating;
	/** In the person's words ("made up a source"); optional. */
	reason?: string;
	at: number;
	/** Local day of `at`, YYYY-MM-DD. */
	day: string;
	engine?: EngineKind;
	model?: string;
	agent?: string;
}

export interface FeedbackStore {
	/** Sets (or replaces) the verdict on an answer. */
	rate(feedback: Feedback): Promise<void>;
	remove(messageId: string): Promise<void>;
	forConversation(conversationId: string): Promise<Feedback[]>;
	/** Verdicts given on days from..to (inclusive, YYYY-MM-DD). */
	between(from: string, to: string): Promise<Feedback[]>;
	all(): Promise<Feedback[]>;
}

export const MAX_REASON_CHARS = 1000;
