import { describe, expect, it } from 'vitest';
import { createLevelMeter, levelFromRms, rms, toDecibels } from '$lib/voice/level';

describe('level', () => {
	it('computes RMS and dBFS', () => {
		expect(rms(new Float32Array(0))).toBe(0);
		expect(rms(Float32Array.of(0.5, -0.5, 0.5, -0.5))).toBeCloseTo(0.5);
		expect(toDecibels(1)).toBe(0);
		expect(toDecibels(0.1)).toBeCloseTo(-20);
		expect(toDecibels(0)).toBe(-Infinity);
	});

	it('maps RMS onto 0..1 on a dB scale', () => {
		expect(levelFromRms(0)).toBe(0);
		expect(levelFromRms(0.0001)).toBe(0); // -80 dB, under the floor
		expect(levelFromRms(0.001)).toBe(0); // -60 dB: the floor
		expect(levelFromRms(10 ** (-30 / 20))).toBeCloseTo(0.5, 2); // -30 dB: halfway
		expect(levelFromRms(1)).toBe(1);
		expect(levelFromRms(2)).toBe(1);
		// A dB scale: quiet speech (-40 dBFS) still moves the meter a third of the way.
		expect(levelFromRms(0.01)).toBeCloseTo(1 / 3);
	});

	it('rises fast, falls slowly, and settles at silence', () => {
		const meter = createLevelMeter();
		const loud = new Float32Array(512).fill(0.5);
		const quiet = new Float32Array(512);
		const first = meter.push(loud);
		expect(first).toBeGreaterThan(0.5);
		const target = levelFromRms(0.5);
		for (let i = 0; i < 10; i++) meter.push(loud);
		expect(meter.level).toBeCloseTo(target, 3);
		const afterOne = meter.push(quiet);
		expect(afterOne).toBeGreaterThan(target * 0.8); // release is slow
		for (let i = 0; i < 200; i++) meter.push(quiet);
		expect(meter.level).toBe(0);
		meter.push(loud);
		meter.reset();
		expect(meter.level).toBe(0);
	});
});
