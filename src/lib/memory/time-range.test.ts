import { describe, expect, it } from 'vitest';
import { timeRangeOf } from './time-range';

// Wednesday 12 March 2025, 11:00 in New York (EDT since Sunday 9 March).
const NOW = Date.UTC(2025, 2, 12, 15, 0);
const ZONE = 'America/New_York';
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

describe('timeRangeOf', () => {
	it.each([
		['what did we discuss today?', 'today', '2025-03-12T04:00Z', '2025-03-13T04:00Z'],
		[
			'what did we discuss about Rust yesterday?',
			'yesterday',
			'2025-03-11T04:00Z',
			'2025-03-12T04:00Z'
		],
		// The day clocks went forward is 23 hours long.
		['the recipe from 3 days ago', '3 days ago', '2025-03-09T05:00Z', '2025-03-10T04:00Z'],
		['three days ago', 'three days ago', '2025-03-09T05:00Z', '2025-03-10T04:00Z'],
		['anything this week about taxes', 'this week', '2025-03-10T04:00Z', '2025-03-17T04:00Z'],
		['What did we talk about last week', 'last week', '2025-03-03T05:00Z', '2025-03-10T04:00Z'],
		['2 weeks ago', '2 weeks ago', '2025-02-24T05:00Z', '2025-03-03T05:00Z'],
		['what did I ask on Monday', 'on monday', '2025-03-10T04:00Z', '2025-03-11T04:00Z'],
		// Today is Wednesday: "on Wednesday" is last week's.
		['on Wednesday', 'on wednesday', '2025-03-05T05:00Z', '2025-03-06T05:00Z'],
		['last Friday', 'last friday', '2025-03-07T05:00Z', '2025-03-08T05:00Z'],
		['the plan we made in March', 'in march', '2025-03-01T05:00Z', '2025-04-01T04:00Z'],
		// June has not come yet this year: last year's.
		['in June', 'in june', '2024-06-01T04:00Z', '2024-07-01T04:00Z'],
		['what did we cover last month', 'last month', '2025-02-01T05:00Z', '2025-03-01T05:00Z'],
		['this month', 'this month', '2025-03-01T05:00Z', '2025-04-01T04:00Z'],
		['2 months ago', '2 months ago', '2025-01-01T05:00Z', '2025-02-01T05:00Z']
	])('%s', (text, phrase, from, to) => {
		const range = timeRangeOf(text, NOW, ZONE);
		expect(range && { phrase: range.phrase, from: iso(range.from), to: iso(range.to) }).toEqual({
			phrase,
			from,
			to
		});
	});

	it.each(['what did we discuss about Rust?', 'I may switch to Go', 'the weekend plan', ''])(
		'%s → null',
		(text) => {
			expect(timeRangeOf(text, NOW, ZONE)).toBeNull();
		}
	);

	it('uses the zone: just after midnight UTC is still the previous day in New York', () => {
		const lateEvening = Date.UTC(2025, 2, 13, 1, 0); // 21:00 on the 12th in New York
		expect(iso(timeRangeOf('today', lateEvening, ZONE)!.from)).toBe('2025-03-12T04:00Z');
		expect(iso(timeRangeOf('today', lateEvening, 'UTC')!.from)).toBe('2025-03-13T00:00Z');
	});

	it('crosses a year boundary', () => {
		const jan = Date.UTC(2025, 0, 10, 12);
		expect(iso(timeRangeOf('last month', jan, 'UTC')!.from)).toBe('2024-12-01T00:00Z');
		expect(iso(timeRangeOf('in December', jan, 'UTC')!.to)).toBe('2025-01-01T00:00Z');
	});
});
