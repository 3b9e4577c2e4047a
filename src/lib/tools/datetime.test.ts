import { describe, expect, it } from 'vitest';
import { createDateTimeTools } from '$lib/tools/datetime';
import { isoInZone, parseTimeText, resolveTimeZone, zonedToEpoch } from '$lib/time/zones';
import { HearthError } from '$lib/types/errors';
import type { ToolContext } from '$lib/tools/types';

const ctx = {} as ToolContext;
// Monday 3 March 2025, 13:05:09 UTC.
const NOW = Date.UTC(2025, 2, 3, 13, 5, 9);
const [currentTime, convertTime, dateDifference, dayOfWeek] = createDateTimeTools({
	now: () => NOW,
	timeZone: 'Europe/Paris'
});

async function rejects(p: Promise<unknown>): Promise<HearthError> {
	const e = await p.catch((err: unknown) => err);
	expect(e).toBeInstanceOf(HearthError);
	return e as HearthError;
}

describe('time zones', () => {
	it('accepts IANA names in any case and bare city names, refuses the rest', () => {
		expect(resolveTimeZone('europe/paris')).toBe('Europe/Paris');
		expect(resolveTimeZone('UTC')).toBe('UTC');
		expect(resolveTimeZone('Tokyo')).toBe('Asia/Tokyo');
		expect(resolveTimeZone('new york')).toBe('America/New_York');
		for (const bad of ['Mars/Olympus', '+05:00', 'EST5EDT; drop', '']) {
			const e = (() => {
				try {
					resolveTimeZone(bad);
				} catch (err) {
					return err;
				}
			})();
			expect(e).toBeInstanceOf(HearthError);
			expect((e as HearthError).code).toBe('tool_invalid_args');
		}
	});

	it('maps wall times to instants across daylight saving, and flags times that do not exist', () => {
		const summer = zonedToEpoch(
			{ year: 2025, month: 7, day: 1, hour: 9, minute: 0, second: 0 },
			'Europe/Paris'
		);
		expect(summer).toEqual({ epoch: Date.UTC(2025, 6, 1, 7), shifted: false });
		// 02:30 on 30 March 2025 is skipped in Paris: it reads as 03:30 CEST.
		const gap = zonedToEpoch(
			{ year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 },
			'Europe/Paris'
		);
		expect(gap.shifted).toBe(true);
		expect(isoInZone(gap.epoch, 'Europe/Paris')).toBe('2025-03-30T03:30:00+02:00');
		expect(isoInZone(NOW, 'Asia/Kolkata')).toBe('2025-03-03T18:35:09+05:30');
	});

	it('reads the accepted time forms and rejects days that do not exist', () => {
		expect(parseTimeText('2025-02-29', NOW, 'UTC')).toBeNull();
		expect(parseTimeText('2025-13-01', NOW, 'UTC')).toBeNull();
		expect(parseTimeText('25:00', NOW, 'UTC')).toBeNull();
		expect(parseTimeText('next tuesday', NOW, 'UTC')).toBeNull();
		expect(parseTimeText('2025-03-01T09:30:00+01:00', NOW, 'UTC')?.epoch).toBe(
			Date.UTC(2025, 2, 1, 8, 30)
		);
		expect(parseTimeText('9:15 pm', NOW, 'UTC')?.wall).toMatchObject({ day: 3, hour: 21 });
		// Just after midnight in Tokyo it is already the 4th.
		expect(parseTimeText('today', Date.UTC(2025, 2, 3, 15, 30), 'Asia/Tokyo')?.wall.day).toBe(4);
	});
});

describe('date and time tools', () => {
	it('tells the current time in the user zone or another one', async () => {
		// The words come from the ICU data of the runtime; the ISO part is exact.
		const here = (await currentTime.run({}, ctx)).content;
		expect(here).toMatch(/^It is Monday.* 3 March 2025.* 14:05 in Europe\/Paris/);
		expect(here).toContain('(2025-03-03T14:05:09+01:00).');
		expect((await currentTime.run({ timeZone: 'america/new_york' }, ctx)).content).toContain(
			'08:05 in America/New_York (2025-03-03T08:05:09-05:00)'
		);
		expect((await rejects(currentTime.run({ timeZone: 'Nowhere/Land' }, ctx))).message).toMatch(
			/not a time zone/
		);
	});

	it('converts between zones, daylight saving included', async () => {
		const r = await convertTime.run(
			{ time: '2025-07-01 09:00', from: 'Europe/London', to: 'Asia/Tokyo' },
			ctx
		);
		expect(r.content).toContain('2025-07-01T17:00:00+09:00');
		const winter = await convertTime.run(
			{ time: '2025-01-15 09:00', from: 'Europe/London', to: 'Asia/Tokyo' },
			ctx
		);
		expect(winter.content).toContain('2025-01-15T18:00:00+09:00');
		// An explicit offset wins over `from`.
		const z = await convertTime.run(
			{ time: '2025-01-15T09:00Z', from: 'Asia/Tokyo', to: 'UTC' },
			ctx
		);
		expect(z.content).toContain('09:00 in UTC (2025-01-15T09:00:00+00:00)');
		const gap = await convertTime.run(
			{ time: '2025-03-30 02:30', from: 'Europe/Paris', to: 'UTC' },
			ctx
		);
		expect(gap.content).toMatch(/doesn't exist in Europe\/Paris/);
		expect((await rejects(convertTime.run({ time: 'teatime', to: 'UTC' }, ctx))).code).toBe(
			'tool_invalid_args'
		);
	});

	it('counts days, calendar parts and hours between dates', async () => {
		const d = await dateDifference.run({ from: '2024-01-31', to: '2025-03-03' }, ctx);
		expect(d.preview).toBe('397 days (1 year, 1 month, 3 days; 56 weeks, 5 days)');
		const back = await dateDifference.run({ from: 'today', to: '2025-02-24' }, ctx);
		expect(back.preview).toBe('-7 days (-7 days; 1 week, 0 days)');
		const t = await dateDifference.run({ from: '2025-03-01 22:00', to: '2025-03-03 09:30' }, ctx);
		expect(t.preview).toBe('1 day, 11 hours, 30 minutes (2130 minutes in all)');
		// Across the spring change in Paris a "day" is 23 hours.
		const dst = await dateDifference.run({ from: '2025-03-29 12:00', to: '2025-03-30 12:00' }, ctx);
		expect(dst.preview).toBe('23 hours, 0 minutes (1380 minutes in all)');
	});

	it('names the day of the week', async () => {
		expect((await dayOfWeek.run({ date: '2000-02-29' }, ctx)).preview).toMatch(
			/^Tuesday,? 29 February 2000$/
		);
		expect((await dayOfWeek.run({ date: 'tomorrow' }, ctx)).preview).toMatch(
			/^Tuesday,? 4 March 2025$/
		);
		expect((await rejects(dayOfWeek.run({ date: '2023-02-29' }, ctx))).code).toBe(
			'tool_invalid_args'
		);
	});
});
