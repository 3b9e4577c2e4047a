import type { ChatStore, MessagePatch } from '$lib/conversation/chat-store';
import type { Message } from '$lib/types/chat';
import { throttled } from '$lib/utils/throttle';

/** How often streamed text is written: a crash loses at most this much. */
export const SAVE_EVERY_MS = 250;

/**
 * Everything of an answer that is saved, in one list: the streaming saves and the final one write
 * the same fields, so no field can be saved in one place and forgotten in another.
 */
export function answerFields(answer: Message): MessagePatch {
	return {
		content: answer.content,
		status: answer.status,
		model: answer.model,
		engine: answer.engine,
		reasoningMs: answer.reasoningMs,
		context: answer.context,
		usage: answer.usage,
		timings: answer.timings,
		error: answer.error,
		toolCalls: answer.toolCalls,
		agent: answer.agent,
		revision: answer.revision,
		review: answer.review,
		memories: answer.memories,
		// Where untrusted text in its prompt came from (issue 15): later turns read it.
		untrusted: answer.untrusted
	};
}

/**
 * The one writer of an answer while it streams: at most one save per interval, always of the
 * latest state, then a final save once it settles. A failed save (a full disk) is reported once;
 * the answer keeps streaming and what was saved before stays saved.
 */
export class AnswerWriter {
	readonly #store: ChatStore;
	readonly #answer: Message;
	readonly #throttle: ReturnType<typeof throttled>;
	readonly #onError: (e: unknown) => void;
	/** The fields as last written (JSON); a save of the same fields is skipped. */
	#written: string | undefined;
	#reported = false;

	/** `stored`: the answer as given is what the store holds already (nothing to write yet). */
	constructor(
		store: ChatStore,
		answer: Message,
		onError: (e: unknown) => void,
		everyMs = SAVE_EVERY_MS,
		stored = false
	) {
		this.#store = store;
		this.#answer = answer;
		this.#onError = onError;
		this.#throttle = throttled(() => this.save(), everyMs);
		if (stored) this.#written = JSON.stringify(answerFields(answer));
	}

	/**
	 * Writes the answer as it is now, unless that is what was last written: an answer waiting
	 * for its engine (queued behind others) would otherwise rewrite the same row every interval.
	 */
	save(): Promise<void> {
		const fields = answerFields(this.#answer);
		const json = JSON.stringify(fields);
		if (json === this.#written) return Promise.resolve();
		this.#written = json;
		return this.#store.updateMessage(this.#answer.id, fields).catch((e: unknown) => {
			this.#written = undefined;
			this.#failed(e);
		});
	}

	/** Asks for a save soon (throttled). */
	schedule(): void {
		this.#throttle.schedule();
	}

	/** Drops a pending save, waits for a running one, then writes the final state once. */
	async finish(): Promise<void> {
		await this.#throttle.settle();
		await this.save();
	}

	#failed(e: unknown): void {
		if (this.#reported) return;
		this.#reported = true;
		this.#onError(e);
	}
}
