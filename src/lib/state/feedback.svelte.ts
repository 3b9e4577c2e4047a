// Thumbs up / down on the open conversation's answers, and "add to my eval set" from any answer.
import type { ExpectKind } from '$lib/evals/from-answer';
import type { Feedback, FeedbackStore, Rating } from '$lib/metrics/feedback';
import { MAX_REASON_CHARS } from '$lib/metrics/feedback';
import { dayOf } from '$lib/metrics/record';
import type { EvalStore } from '$lib/evals/eval-store';
import type { Message } from '$lib/types/chat';
import { toHearthError, type HearthError } from '$lib/types/errors';

export interface FeedbackDeps {
	store: FeedbackStore;
	evals: () => Promise<EvalStore>;
	onError: (e: HearthError) => void;
	notice: (text: string) => void;
}

export class FeedbackState {
	/** Verdicts on the open conversation's answers, by message id. */
	ratings = $state<Record<string, Feedback>>({});
	readonly #deps: FeedbackDeps;
	#following: string | null = null;

	constructor(deps: FeedbackDeps) {
		this.#deps = deps;
	}

	/** Loads the verdicts of the conversation being shown. */
	async follow(conversationId: string | null): Promise<void> {
		this.#following = conversationId;
		if (!conversationId) {
			this.ratings = {};
			return;
		}
		try {
			const list = await this.#deps.store.forConversation(conversationId);
			if (this.#following !== conversationId) return;
			this.ratings = Object.fromEntries(list.map((f) => [f.messageId, f]));
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Sets the verdict (null takes it back). */
	async rate(message: Message, rating: Rating | null, reason?: string): Promise<void> {
		try {
			if (rating === null) {
				await this.#deps.store.remove(message.id);
				const next = { ...this.ratings };
				delete next[message.id];
				this.ratings = next;
				return;
			}
			const at = Date.now();
			const said = reason?.trim().slice(0, MAX_REASON_CHARS);
			const feedback: Feedback = {
				messageId: message.id,
				conversationId: message.conversationId,
				rating,
				at,
				day: dayOf(at),
				...(said ? { reason: said } : {}),
				...(message.engine ? { engine: message.engine } : {}),
				...(message.model ? { model: message.model } : {}),
				...(message.agent ? { agent: message.agent.id } : {})
			};
			await this.#deps.store.rate(feedback);
			this.ratings = { ...this.ratings, [message.id]: feedback };
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Adds the question and its expected result to "My cases"; false when refused. */
	async addToEvals(
		question: string,
		answer: Message,
		expected: string,
		kind: ExpectKind,
		note?: string
	): Promise<boolean> {
		try {
			// The case builder and its schema load only when a case is added.
			const [{ caseFromAnswer, emptyMySet, MY_SET_ID, withCase }, { validateCase }] =
				await Promise.all([import('$lib/evals/from-answer'), import('$lib/evals/schema')]);
			const kase = validateCase(
				caseFromAnswer({ id: `case-${answer.id}`, question, answer, expected, kind, note })
			);
			const store = await this.#deps.evals();
			const mine = (await store.sets()).find((s) => s.id === MY_SET_ID) ?? emptyMySet();
			await store.saveSet(withCase(mine, kase));
			this.#deps.notice('Added to your eval set “My cases” (Evals and metrics).');
			return true;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
			return false;
		}
	}
}
