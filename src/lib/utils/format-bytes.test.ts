import { describe, expect, it } from 'vitest';
import { formatBytes, formatEta, formatSpeed, formatTransfer } from '$lib/utils/format-bytes';

describe('formatBytes', () => {
	it('uses decimal units, one decimal below 10 and whole numbers above', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(999)).toBe('999 B');
		expect(formatBytes(812_000)).toBe('812 KB');
		expect(formatBytes(312_000_000)).toBe('312 MB');
		expect(formatBytes(311_600_000)).toBe('312 MB');
		expect(formatBytes(1_200_000_000)).toBe('1.2 GB');
		expect(formatBytes(2_000_000_000)).toBe('2 GB');
		expect(formatBytes(45_300_000_000)).toBe('45 GB');
	});

	it('carries a value that rounds to 1000 up to the next unit', () => {
		expect(formatBytes(999_700_000)).toBe('1 GB');
	});

	it('treats nonsense as nothing', () => {
		expect(formatBytes(-5)).toBe('0 B');
		expect(formatBytes(Number.NaN)).toBe('0 B');
	});
});

describe('formatSpeed', () => {
	it('reads as bytes per second', () => {
		expect(formatSpeed(4_100_000)).toBe('4.1 MB/s');
		expect(formatSpeed(650_000)).toBe('650 KB/s');
	});
});

describe('formatEta', () => {
	it('says less than a minute, then minutes, then hours and minutes', () => {
		expect(formatEta(0)).toBe('less than a minute left');
		expect(formatEta(59)).toBe('less than a minute left');
		expect(formatEta(170)).toBe('about 3 min left');
		expect(formatEta(3600)).toBe('about 1 h left');
		expect(formatEta(4800)).toBe('about 1 h 20 min left');
	});

	it('is empty when the time left is unknown', () => {
		expect(formatEta(null)).toBe('');
		expect(formatEta(Number.POSITIVE_INFINITY)).toBe('');
	});
});

describe('formatTransfer', () => {
	it('joins size, percent, speed and time left', () => {
		expect(
			formatTransfer({
				loadedBytes: 312_000_000,
				totalBytes: 1_200_000_000,
				bytesPerSecond: 4_100_000,
				etaSeconds: 180
			})
		).toBe('312 MB of 1.2 GB · 26% · 4.1 MB/s · about 3 min left');
	});

	it('leaves out what is not known yet', () => {
		expect(
			formatTransfer({ loadedBytes: 5_000_000, totalBytes: 0, bytesPerSecond: 0, etaSeconds: null })
		).toBe('5 MB');
	});

	it('never shows 100% before the last byte', () => {
		expect(
			formatTransfer({ loadedBytes: 999, totalBytes: 1000, bytesPerSecond: 0, etaSeconds: null })
		).toBe('999 B of 1 KB · 99%');
	});
});
