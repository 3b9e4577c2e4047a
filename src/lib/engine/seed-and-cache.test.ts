import { describe, expect, it } from 'vitest';
import { AnswerMeter } from '$lib/agent/answer-meter';
import { chatBody as ollamaBody } from '$lib/engine/ollama-wire';
import { chatBody as openAiBody, toChunkParts } from '$lib/engine/openai-wire';

// Evals ask for a fixed seed; servers that report prompt-cache hits have them counted.

const request = {
	model: 'm',
	messages: [{ role: 'user' as const, content: 'hi' }],
	options: { temperature: 0, seed: 42 }
};

describe('seed', () => {
	it('goes to Ollama as options.seed and to OpenAI-compatible servers as seed', () => {
		expect(ollamaBody(request).options).toEqual({ temperature: 0, seed: 42 });
		expect(openAiBody(request)).toMatchObject({ temperature: 0, seed: 42 });
		// Left out when not asked for.
		expect(openAiBody({ ...request, options: {} })).not.toHaveProperty('seed');
		expect(ollamaBody({ ...request, options: {} })).not.toHaveProperty('options');
	});
});

describe('cached prompt tokens', () => {
	it('are read from usage.prompt_tokens_details.cached_tokens, and absent when not reported', () => {
		const cached = toChunkParts({
			choices: [],
			usage: {
				prompt_tokens: 50,
				completion_tokens: 9,
				prompt_tokens_details: { cached_tokens: 32 }
			}
		});
		expect(cached.usage).toEqual({ promptTokens: 50, completionTokens: 9, cachedPromptTokens: 32 });
		const plain = toChunkParts({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 9 } });
		expect(plain.usage).toEqual({ promptTokens: 50, completionTokens: 9 });
	});

	it('are summed over an answer’s requests like the other counts', () => {
		const meter = new AnswerMeter(() => 0);
		meter.finished('tool_calls', { promptTokens: 40, completionTokens: 5 }, { totalMs: 1 });
		expect(meter.measures().usage).toEqual({ promptTokens: 40, completionTokens: 5 });
		meter.finished(
			'stop',
			{ promptTokens: 60, completionTokens: 9, cachedPromptTokens: 40 },
			{ totalMs: 1 }
		);
		expect(meter.measures().usage).toEqual({
			promptTokens: 100,
			completionTokens: 14,
			cachedPromptTokens: 40
		});
	});
});
