import { describe, expect, it } from 'vitest';
import { rms } from '$lib/voice/level';
import { concatChunks, mixToMono, resample } from '$lib/voice/resample';

function sine(freq: number, rate: number, seconds: number, amplitude = 1): Float32Array {
	const out = new Float32Array(Math.round(rate * seconds));
	for (let i = 0; i < out.length; i++)
		out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
	return out;
}

/** RMS away from the edges, where the filter sees a truncated signal. */
function middleRms(x: Float32Array): number {
	const cut = Math.floor(x.length / 10);
	return rms(x.subarray(cut, x.length - cut));
}

/** Strength of `freq` in `x` (a single-bin DFT), normalised so a unit sine gives ~0.5. */
function toneStrength(x: Float32Array, freq: number, rate: number): number {
	let re = 0;
	let im = 0;
	for (let i = 0; i < x.length; i++) {
		const a = (2 * Math.PI * freq * i) / rate;
		re += (x[i] ?? 0) * Math.cos(a);
		im += (x[i] ?? 0) * Math.sin(a);
	}
	return Math.hypot(re, im) / x.length;
}

describe('resample', () => {
	it('keeps a 440 Hz tone at 48 kHz → 16 kHz, at the right pitch and level', () => {
		const out = resample(sine(440, 48_000, 1), 48_000, 16_000);
		expect(out.length).toBe(16_000);
		expect(middleRms(out)).toBeCloseTo(Math.SQRT1_2, 2);
		expect(toneStrength(out, 440, 16_000)).toBeGreaterThan(0.45);
	});

	it('attenuates a 12 kHz tone at 48 kHz instead of folding it to 4 kHz', () => {
		const out = resample(sine(12_000, 48_000, 1), 48_000, 16_000);
		// Without a low-pass, 12 kHz would alias to 4 kHz at full strength (RMS 0.707).
		expect(middleRms(out)).toBeLessThan(0.01);
		expect(toneStrength(out, 4_000, 16_000)).toBeLessThan(0.005);
	});

	it('handles 44.1 kHz (a non-integer ratio) the same way', () => {
		const speech = resample(sine(1_000, 44_100, 0.5), 44_100, 16_000);
		expect(speech.length).toBe(8_000);
		expect(middleRms(speech)).toBeCloseTo(Math.SQRT1_2, 2);
		const high = resample(sine(15_000, 44_100, 0.5), 44_100, 16_000);
		expect(middleRms(high)).toBeLessThan(0.01);
	});

	it('upsamples 8 kHz without losing the tone', () => {
		const out = resample(sine(300, 8_000, 0.5), 8_000, 16_000);
		expect(out.length).toBe(8_000);
		expect(middleRms(out)).toBeCloseTo(Math.SQRT1_2, 2);
	});

	it('returns the input when the rates match, and rejects nonsense rates', () => {
		const x = sine(440, 16_000, 0.1);
		expect(resample(x, 16_000)).toBe(x);
		expect(() => resample(x, 0)).toThrow(RangeError);
	});

	it('keeps DC at gain 1 right to the edges', () => {
		const out = resample(new Float32Array(4800).fill(0.5), 48_000);
		expect(Math.min(...out)).toBeCloseTo(0.5, 3);
		expect(Math.max(...out)).toBeCloseTo(0.5, 3);
	});
});

describe('mixToMono and concatChunks', () => {
	it('averages channels and joins chunks in order', () => {
		expect([...mixToMono([Float32Array.of(1, 0), Float32Array.of(0, 1)])]).toEqual([0.5, 0.5]);
		expect([...concatChunks([Float32Array.of(1), Float32Array.of(2, 3)])]).toEqual([1, 2, 3]);
		expect(mixToMono([]).length).toBe(0);
	});
});
