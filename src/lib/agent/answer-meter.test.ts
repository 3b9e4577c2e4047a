import { describe, expect, it } from 'vitest';
import { AnswerMeter } from '$lib/agent/answer-meter';

describe('AnswerMeter', () => {
	it('sums tokens and prompt time over the steps, and keeps the last reply’s speed', () => {
		let now = 1000;
		const meter = new AnswerMeter(() => now);
		// A tool step: no text shown.
		now = 1400;
		meter.finished(
			'tool_calls',
			{ promptTokens: 100, completionTokens: 20 },
			{
				totalMs: 400,
				promptMs: 150,
				decodeTokensPerSecond: 50
			}
		);
		now = 1700;
		meter.shown();
		now = 1750;
		meter.shown(); // only the first text counts
		now = 2500;
		meter.finished(
			'stop',
			{ promptTokens: 300, completionTokens: 80 },
			{
				totalMs: 1100,
				promptMs: 250,
				decodeTokensPerSecond: 40
			}
		);
		expect(meter.measures()).toEqual({
			finishReason: 'stop',
			usage: { promptTokens: 400, completionTokens: 100 },
			timings: { totalMs: 1500, timeToFirstTokenMs: 700, promptMs: 400, decodeTokensPerSecond: 40 }
		});
	});

	it('reports only what it saw: no usage, no first text, a plain stop', () => {
		let now = 0;
		const meter = new AnswerMeter(() => now);
		now = 30;
		meter.finished('length', undefined, { totalMs: 30 });
		expect(meter.measures()).toEqual({ finishReason: 'length', timings: { totalMs: 30 } });
		expect(new AnswerMeter(() => 5).measures()).toEqual({
			finishReason: 'stop',
			timings: { totalMs: 0 }
		});
	});

	it('sums the prompt tokens llama.cpp took from its cache, when an engine reports them', () => {
		const meter = new AnswerMeter(() => 0);
		meter.finished(
			'stop',
			{ promptTokens: 90, completionTokens: 5, cachedPromptTokens: 80 },
			{ totalMs: 1 }
		);
		meter.finished(
			'stop',
			{ promptTokens: 95, completionTokens: 7, cachedPromptTokens: 90 },
			{ totalMs: 1 }
		);
		expect(meter.measures().usage).toEqual({
			promptTokens: 185,
			completionTokens: 12,
			cachedPromptTokens: 170
		});
		const plain = new AnswerMeter(() => 0);
		plain.finished('stop', { promptTokens: 9, completionTokens: 1 }, { totalMs: 1 });
		expect(plain.measures().usage).toEqual({ promptTokens: 9, completionTokens: 1 });
	});
});
