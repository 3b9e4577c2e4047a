import { describe, expect, it } from 'vitest';
import { SETTING_BOUNDS, clampTo } from '$lib/types/setting-bounds';

describe('clampTo', () => {
	it('brings a value into range, rounding whole-number settings first', () => {
		expect(clampTo(SETTING_BOUNDS.imageMaxSide, 100)).toBe(256);
		expect(clampTo(SETTING_BOUNDS.imageMaxSide, 99999)).toBe(4096);
		expect(clampTo(SETTING_BOUNDS.imageMaxSide, 1000.6)).toBe(1001);
		expect(clampTo(SETTING_BOUNDS.topP, 0.35)).toBe(0.35);
		expect(clampTo(SETTING_BOUNDS.topP, -1)).toBe(0);
		expect(clampTo(SETTING_BOUNDS.maxTokens, 0.2)).toBe(1);
	});
});
