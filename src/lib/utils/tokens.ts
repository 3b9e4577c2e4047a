import type { ChatMessage } from '$lib/types/llm';

/**
 * A cheap, deterministic token estimate for when the engine has no tokenizer at hand.
 * It aims to OVER-estimate slightly: too high only summarises history a little early, too low
 * overflows the model's window. Rule, per run of characters:
 * - Latin words: split at case changes (camelCase, base64 noise), ceil(length / 5) per piece.
 * - Each digit: 1 (Qwen and Llama split numbers into digits or short groups).
 * - Han, kana, Hangul: 1 per character. Other scripts (Cyrillic, Greek, Arabic…): 1 per 2.
 * - Each punctuation or symbol character: 1; each emoji: 2.
 * - Whitespace: 1 per line break, plus 1 per 4 spaces of indentation beyond the first.
 * Measured against GPT-2's byte-level BPE (whisper-tiny.en's tokenizer), English prose and code
 * come out 0–20% high; newer tokenizers (Qwen2.5, Llama 3) need fewer tokens than GPT-2.
 */
const RUN =
	/(\p{Script=Latin}+)|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])|([\p{L}\p{M}]+)|(\p{N})|(\s+)|(\p{Extended_Pictographic})|(.)/gsu;
const WORD_PIECE = /\p{Lu}+\p{Ll}*|\p{Ll}+|\p{L}+/gu;

/** Role markers and separators a chat template adds around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** The template's opening of the assistant's turn, after the last message. */
export const REPLY_PRIMER_TOKENS = 3;

function latinTokens(run: string): number {
	let tokens = 0;
	for (const piece of run.match(WORD_PIECE) ?? []) tokens += Math.ceil(piece.length / 5);
	return tokens;
}

function whitespaceTokens(run: string): number {
	let breaks = 0;
	for (const ch of run) if (ch === '\n') breaks++;
	const spaces = run.length - breaks;
	return breaks + Math.ceil(Math.max(0, spaces - 1) / 4);
}

export function estimateTokens(text: string): number {
	let tokens = 0;
	for (const m of text.matchAll(RUN)) {
		if (m[1]) tokens += latinTokens(m[1]);
		else if (m[2] || m[4] || m[7]) tokens += 1;
		else if (m[3]) tokens += Math.ceil([...m[3]].length / 2);
		else if (m[5]) tokens += whitespaceTokens(m[5]);
		else if (m[6]) tokens += 2;
	}
	return tokens;
}

/** Per-message estimates including the template overhead: a `count` for agent/context-budget. */
/**
 * What one image costs in a vision model's prompt, rounded up: LLaVA uses 576 tokens, Llama 3.2
 * Vision and Qwen2.5-VL about as many at our downscaled size, Phi-3.5-vision more per crop.
 */
export const IMAGE_TOKENS = 800;

export function estimateEachMessage(messages: readonly ChatMessage[]): number[] {
	return messages.map(
		(m) =>
			estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS + (m.images?.length ?? 0) * IMAGE_TOKENS
	);
}

/** The whole prompt: every message with its overhead, plus the assistant primer. */
export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
	return estimateEachMessage(messages).reduce((a, b) => a + b, REPLY_PRIMER_TOKENS);
}

export interface CalibrationState {
	ratio: number;
	samples: number;
}

export interface CalibrationOptions {
	/** Smoothing when reality is above the estimate: learn fast, overflowing is the costly side. */
	alphaUp?: number;
	/** Smoothing when reality is below: learn slowly, partial prompt caches report low counts. */
	alphaDown?: number;
	min?: number;
	max?: number;
	/** Prompts smaller than this are ignored: the fixed template overhead dominates them. */
	minTokens?: number;
}

/**
 * Learns how far `estimateMessageTokens` is from a model's real tokenizer, from the prompt token
 * counts engines report (Usage.promptTokens). Observe the estimate of exactly the messages sent.
 */
export class TokenCalibration {
	#ratio: number;
	#samples: number;
	readonly #opts: Required<CalibrationOptions>;

	constructor(state?: CalibrationState, options: CalibrationOptions = {}) {
		this.#opts = { alphaUp: 0.5, alphaDown: 0.2, min: 0.5, max: 2, minTokens: 32, ...options };
		this.#ratio = this.#clamp(state?.ratio ?? 1);
		this.#samples = state?.samples ?? 0;
	}

	get ratio(): number {
		return this.#ratio;
	}

	get samples(): number {
		return this.#samples;
	}

	observe(estimatedPromptTokens: number, actualPromptTokens: number): void {
		const { min, max, minTokens, alphaUp, alphaDown } = this.#opts;
		if (!(estimatedPromptTokens >= minTokens) || !(actualPromptTokens > 0)) return;
		const raw = actualPromptTokens / estimatedPromptTokens;
		// Far outside the plausible range means a different measurement (a cached prompt, a
		// template with a long built-in system prompt), not a tokenizer difference.
		if (!Number.isFinite(raw) || raw < min / 2 || raw > max * 2) return;
		const sample = this.#clamp(raw);
		const alpha = sample > this.#ratio ? alphaUp : alphaDown;
		this.#ratio = this.#clamp(this.#ratio + alpha * (sample - this.#ratio));
		this.#samples++;
	}

	adjust(estimate: number): number {
		return Math.ceil(estimate * this.#ratio);
	}

	toJSON(): CalibrationState {
		return { ratio: this.#ratio, samples: this.#samples };
	}

	#clamp(ratio: number): number {
		return Math.min(this.#opts.max, Math.max(this.#opts.min, ratio));
	}
}
