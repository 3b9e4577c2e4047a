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
	#reported = false;

	constructor(
		store: ChatStore,
		answer: Message,
		onError: (e: unknown) => void,
		everyMs = SAVE_EVERY_MS
	) {
		this.#store = store;
		this.#answer = answer;
		this.#onError = onError;
		this.#throttle = throttled(() => this.save(), everyMs);
	}

	/** Writes the answer as it is now. */
	save(): Promise<void> {
		return this.#store
			.updateMessage(this.#answer.id, answerFields(this.#answer))
			.catch((e: unknown) => this.#failed(e));
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
