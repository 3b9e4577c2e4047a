import type { Feedback, FeedbackStore } from '$lib/metrics/feedback';
import type { HearthDb } from '$lib/storage/db';
import { guarded } from '$lib/storage/guarded';

/** Thumbs up / down on answers, one per answer. */
export class FeedbackRepository implements FeedbackStore {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	async rate(feedback: Feedback): Promise<void> {
		await guarded(() => this.#db.feedback.put(feedback));
	}

	async remove(messageId: string): Promise<void> {
		await guarded(() => this.#db.feedback.delete(messageId));
	}

	forConversation(conversationId: string): Promise<Feedback[]> {
		return guarded(() =>
			this.#db.feedback.where('conversationId').equals(conversationId).toArray()
		);
	}

	between(from: string, to: string): Promise<Feedback[]> {
		return guarded(() => this.#db.feedback.where('day').between(from, to, true, true).toArray());
	}

	all(): Promise<Feedback[]> {
		return guarded(() => this.#db.feedback.toArray());
	}
}
