import { describe, expect, it } from 'vitest';
import { parseDuration, parseWhen } from '$lib/reminders/parse-when';

// Monday 3 March 2025, 13:05 UTC = 14:05 in Paris.
const NOW = Date.UTC(2025, 2, 3, 13, 5);
const MIN = 60_000;

function due(text: string, zone = 'Europe/Paris'): number {
	const r = parseWhen(text, NOW, zone);
	if (!r.ok) throw new Error(r.reason);
	return r.dueAt;
}

function reason(text: string): string {
	const r = parseWhen(text, NOW, 'Europe/Paris');
	if (r.ok) throw new Error(`"${text}" parsed as ${new Date(r.dueAt).toISOString()}`);
	return r.reason;
}

describe('parseDuration', () => {
	it('reads amounts with units, joined or compact', () => {
		expect(parseDuration('20 minutes')).toBe(20 * MIN);
		expect(parseDuration('1 hour and 30 minutes')).toBe(90 * MIN);
		expect(parseDuration('1h30m')).toBe(90 * MIN);
		expect(parseDuration('2 hours, 5 mins')).toBe(125 * MIN);
		expect(parseDuration('half an hour')).toBe(30 * MIN);
		expect(parseDuration('an hour')).toBe(60 * MIN);
		expect(parseDuration('1.5 days')).toBe(36 * 60 * MIN);
		expect(parseDuration('90 seconds')).toBe(90_000);
	});

	it('refuses anything that is not a number with a unit', () => {
		for (const text of ['20', 'minutes', 'a while', '20 parsecs', '3 hours ago-ish', '']) {
			expect(parseDuration(text)).toBeNull();
		}
	});
});

describe('parseWhen', () => {
	it('takes relative times from now', () => {
		expect(due('in 20 minutes')).toBe(NOW + 20 * MIN);
		expect(due('In 1h30m')).toBe(NOW + 90 * MIN);
		expect(due('45 minutes from now')).toBe(NOW + 45 * MIN);
	});

	it('takes wall times in the user zone and ISO times with their own offset', () => {
		expect(due('2025-03-03T18:00')).toBe(Date.UTC(2025, 2, 3, 17));
		expect(due('2025-03-03T18:00Z')).toBe(Date.UTC(2025, 2, 3, 18));
		expect(due('17:30')).toBe(Date.UTC(2025, 2, 3, 16, 30));
		expect(due('tomorrow 09:00')).toBe(Date.UTC(2025, 2, 4, 8));
		expect(due('tomorrow at 9 am')).toBe(Date.UTC(2025, 2, 4, 8));
		expect(due('at 6 pm', 'America/New_York')).toBe(Date.UTC(2025, 2, 3, 23));
	});

	it('says plainly when a time has passed, is unreadable, or has no time of day', () => {
		expect(reason('09:00')).toMatch(/already in the past/);
		expect(reason('2025-03-03T14:04')).toMatch(/already in the past/);
		expect(reason('2024-12-25T10:00Z')).toMatch(/already in the past/);
		expect(reason('in 0 minutes')).toMatch(/not in the future/);
		expect(reason('next full moon')).toMatch(/Can't read "next full moon"/);
		expect(reason('2025-02-30T10:00')).toMatch(/Can't read/);
		expect(reason('2025-03-10')).toMatch(/no time of day/);
		expect(reason('2099-01-01T10:00')).toMatch(/five years/);
	});
});
