// What one answer cost, across every request the agent made for it: tokens summed, prompt time
// summed, time to the first shown text, and the decode speed of the reply the user watched.
import type { FinishReason, Timings, Usage } from '$lib/types/llm';

export interface AnswerMeasures {
	finishReason: FinishReason;
	usage?: Usage;
	timings: Timings;
}

export class AnswerMeter {
	readonly #startedAt: number;
	readonly #now: () => number;
	#firstTextAt: number | undefined;
	#usage: Usage | undefined;
	#promptMs: number | undefined;
	#last: { finishReason: FinishReason; timings: Timings } | undefined;

	constructor(now: () => number = Date.now) {
		this.#now = now;
		this.#startedAt = now();
	}

	/** Text reached the user (only the first call counts). */
	shown(): void {
		this.#firstTextAt ??= this.#now();
	}

	/** One request finished. */
	finished(finishReason: FinishReason, usage: Usage | undefined, timings: Timings): void {
		this.#last = { finishReason, timings };
		if (usage) {
			const cached = (this.#usage?.cachedPromptTokens ?? 0) + (usage.cachedPromptTokens ?? 0);
			this.#usage = {
				promptTokens: (this.#usage?.promptTokens ?? 0) + usage.promptTokens,
				completionTokens: (this.#usage?.completionTokens ?? 0) + usage.completionTokens,
				// Only engines with a prompt cache report it; the others leave the field out.
				...(this.#usage?.cachedPromptTokens !== undefined || usage.cachedPromptTokens !== undefined
					? { cachedPromptTokens: cached }
					: {})
			};
		}
		if (timings.promptMs !== undefined) this.#promptMs = (this.#promptMs ?? 0) + timings.promptMs;
	}

	/** The whole answer, measured now. */
	measures(): AnswerMeasures {
		const last = this.#last;
		const timings: Timings = { totalMs: this.#now() - this.#startedAt };
		if (this.#firstTextAt !== undefined) {
			timings.timeToFirstTokenMs = this.#firstTextAt - this.#startedAt;
		}
		if (this.#promptMs !== undefined) timings.promptMs = this.#promptMs;
		// Decode speed of the final reply: the one the user watched.
		if (last?.timings.decodeTokensPerSecond !== undefined) {
			timings.decodeTokensPerSecond = last.timings.decodeTokensPerSecond;
		}
		return {
			finishReason: last?.finishReason ?? 'stop',
			...(this.#usage ? { usage: this.#usage } : {}),
			timings
		};
	}
}
