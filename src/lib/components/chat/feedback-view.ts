import type { ExpectKind } from '$lib/evals/from-answer';
import type { Feedback, Rating } from '$lib/metrics/feedback';
import type { Message } from '$lib/types/chat';

/** What an answer's footer needs for thumbs up / down and "add to my eval set". */
export interface FeedbackView {
	ratingOf(messageId: string): Feedback | undefined;
	rate(message: Message, rating: Rating | null, reason?: string): Promise<void>;
	/** Resolves true once the case is saved. */
	addToEvals(message: Message, expected: string, kind: ExpectKind): Promise<boolean>;
}
