import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '$lib/types/llm';
import {
	estimateEachMessage,
	estimateMessageTokens,
	estimateTokens,
	MESSAGE_OVERHEAD_TOKENS,
	REPLY_PRIMER_TOKENS,
	TokenCalibration
} from '$lib/utils/tokens';

/**
 * Real counts from GPT-2's byte-level BPE (the vocabulary and merges in
 * shared/models/Xenova/whisper-tiny.en/tokenizer.json), computed once offline. GPT-2 spends more
 * tokens than Qwen2.5 or Llama 3 on the same text, so matching it errs on the safe side.
 */
const MEASURED: Array<{ name: string; gpt2: number; text: string }> = [
	{
		name: 'prose',
		gpt2: 57,
		text: 'The quick brown fox jumps over the lazy dog. It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly through the glass doors of Victory Mansions.'
	},
	{
		name: 'chat',
		gpt2: 50,
		text: "Hi! Can you help me plan a 3-day trip to Lisbon in May? I'd like to see museums, eat good seafood, and maybe take a day trip to Sintra. My budget is about €600, not counting flights."
	},
	{
		name: 'ts',
		gpt2: 115,
		text: "export function splitReasoning(content: string, opts: ReasoningOptions = {}): ReasoningSplit {\n\tconst start = content.search(/\\S/);\n\tif (start < 0) return { reasoning: null, answer: '', thinking: false };\n\tfor (let i = 0; i < items.length; i++) {\n\t\ttotal += items[i]?.value ?? 0;\n\t}\n\treturn { reasoning, answer: answer.trimStart(), thinking: false };\n}"
	},
	{
		name: 'py',
		gpt2: 102,
		text: 'def fib(n: int) -> int:\n    """Return the n-th Fibonacci number."""\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n\nif __name__ == "__main__":\n    print([fib(i) for i in range(10)])'
	},
	{
		name: 'md',
		gpt2: 76,
		text: '## Steps\n\n1. Install **Ollama** from https://ollama.com/download\n2. Run `ollama pull qwen2.5:1.5b`\n3. Start it with `OLLAMA_ORIGINS=* ollama serve`\n\n> Note: the first download is about 1.1 GB.'
	},
	{
		name: 'url',
		gpt2: 37,
		text: 'https://developer.mozilla.org/en-US/docs/Web/API/AbortController/abort?utm_source=hearth&x=1'
	}
];

describe('estimateTokens', () => {
	for (const { name, gpt2, text } of MEASURED) {
		it(`over-estimates ${name} slightly (GPT-2: ${gpt2})`, () => {
			const estimate = estimateTokens(text);
			expect(estimate).toBeGreaterThanOrEqual(gpt2);
			expect(estimate).toBeLessThanOrEqual(Math.ceil(gpt2 * 1.25));
		});
	}

	it('matches the known count of a pangram (10 GPT-2 tokens, 10 MiniLM word pieces)', () => {
		expect(estimateTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
	});

	it('counts nothing for empty text', () => {
		expect(estimateTokens('')).toBe(0);
	});

	it('counts Han, kana and Hangul characters one each', () => {
		expect(estimateTokens('今天天气很好')).toBe(6);
		expect(estimateTokens('ひらがなカタカナ')).toBe(8);
		expect(estimateTokens('안녕하세요')).toBe(5);
	});

	it('counts digits one each and other scripts one per two letters', () => {
		expect(estimateTokens('2024')).toBe(4);
		expect(estimateTokens('Привет')).toBe(3);
	});

	it('splits identifiers at case changes', () => {
		expect(estimateTokens('AbortController')).toBe(3); // Abort + Contr-oller
		expect(estimateTokens('aBcDeFgH')).toBe(5);
	});

	it('counts line breaks and deep indentation, not single spaces', () => {
		expect(estimateTokens('a b')).toBe(2);
		expect(estimateTokens('a\n\nb')).toBe(4);
		expect(estimateTokens('a\n         b')).toBe(5);
	});

	it('adds up across runs: the prose twice is twice its count', () => {
		// The prose ends in "." and starts with "The": no run spans the join.
		const text = MEASURED[0]!.text;
		expect(estimateTokens(text + text)).toBe(2 * estimateTokens(text));
	});
});

describe('message estimates', () => {
	const messages: ChatMessage[] = [
		{ role: 'system', content: 'Be brief.' },
		{ role: 'user', content: 'Hi!' }
	];

	it('adds the per-message overhead', () => {
		expect(estimateEachMessage(messages)).toEqual([
			estimateTokens('Be brief.') + MESSAGE_OVERHEAD_TOKENS,
			estimateTokens('Hi!') + MESSAGE_OVERHEAD_TOKENS
		]);
	});

	it('sums the messages and the reply primer', () => {
		const each = estimateEachMessage(messages);
		expect(estimateMessageTokens(messages)).toBe(each[0]! + each[1]! + REPLY_PRIMER_TOKENS);
		expect(estimateMessageTokens([])).toBe(REPLY_PRIMER_TOKENS);
	});
});

describe('TokenCalibration', () => {
	it('starts neutral', () => {
		const calibration = new TokenCalibration();
		expect(calibration.ratio).toBe(1);
		expect(calibration.adjust(100)).toBe(100);
	});

	it('moves toward the observed ratio, faster upward than downward', () => {
		const up = new TokenCalibration();
		up.observe(100, 150);
		expect(up.ratio).toBeCloseTo(1.25);
		const down = new TokenCalibration();
		down.observe(100, 50);
		expect(down.ratio).toBeCloseTo(0.9);
		for (let i = 0; i < 50; i++) up.observe(100, 150);
		expect(up.ratio).toBeCloseTo(1.5, 3);
		expect(up.adjust(100)).toBe(150);
	});

	it('clamps the ratio to [0.5, 2]', () => {
		const high = new TokenCalibration();
		for (let i = 0; i < 50; i++) high.observe(100, 390);
		expect(high.ratio).toBeCloseTo(2, 6);
		expect(high.ratio).toBeLessThanOrEqual(2);
		const low = new TokenCalibration();
		for (let i = 0; i < 100; i++) low.observe(100, 30);
		expect(low.ratio).toBeCloseTo(0.5, 6);
		expect(low.ratio).toBeGreaterThanOrEqual(0.5);
	});

	it('ignores samples that do not measure the tokenizer', () => {
		const calibration = new TokenCalibration();
		calibration.observe(100, 0); // the whole prompt came from a cache
		calibration.observe(100, 10); // mostly cached
		calibration.observe(100, 1000); // a template with its own long system prompt
		calibration.observe(10, 20); // too small: overhead dominates
		calibration.observe(Number.NaN, 20);
		expect(calibration.ratio).toBe(1);
		expect(calibration.samples).toBe(0);
	});

	it('round-trips its state so it can be kept per model', () => {
		const calibration = new TokenCalibration();
		calibration.observe(200, 260);
		const restored = new TokenCalibration(calibration.toJSON());
		expect(restored.ratio).toBe(calibration.ratio);
		expect(restored.samples).toBe(1);
		expect(new TokenCalibration({ ratio: 9, samples: 3 }).ratio).toBe(2);
	});
});
