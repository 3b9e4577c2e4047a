// "What did we discuss yesterday?": the time span a question names, in the user's zone.
import { zonedToEpoch, zoneOffsetMs } from '$lib/time/zones';

export interface TimeRange {
	/** Inclusive, epoch ms. */
	from: number;
	/** Exclusive, epoch ms. */
	to: number;
	/** The words that named it, so a search can leave them out of the query. */
	phrase: string;
}

interface Day {
	year: number;
	/** 1-12 */
	month: number;
	day: number;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
	'january',
	'february',
	'march',
	'april',
	'may',
	'june',
	'july',
	'august',
	'september',
	'october',
	'november',
	'december'
];
const SMALL_NUMBERS: Record<string, number> = {
	a: 1,
	an: 1,
	one: 1,
	two: 2,
	three: 3,
	four: 4,
	five: 5,
	six: 6,
	seven: 7,
	eight: 8,
	nine: 9,
	ten: 10
};

function today(now: number, timeZone: string): Day {
	const wall = new Date(now + zoneOffsetMs(now, timeZone));
	return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Calendar arithmetic (Date.UTC normalises overflowing days and months). */
function addDays(d: Day, n: number): Day {
	const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
	return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function weekday(d: Day): number {
	return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

/** Local midnight starting `d`, as epoch ms (DST-safe through zonedToEpoch). */
function startOf(d: Day, timeZone: string): number {
	return zonedToEpoch({ ...d, hour: 0, minute: 0, second: 0 }, timeZone).epoch;
}

function days(first: Day, count: number, timeZone: string, phrase: string): TimeRange {
	return { from: startOf(first, timeZone), to: startOf(addDays(first, count), timeZone), phrase };
}

function monthRange(year: number, month: number, timeZone: string, phrase: string): TimeRange {
	const first = { year, month, day: 1 };
	const next =
		month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
	return { from: startOf(first, timeZone), to: startOf(next, timeZone), phrase };
}

/** Weeks start on Monday. */
function mondayOf(d: Day): Day {
	return addDays(d, -((weekday(d) + 6) % 7));
}

const AMOUNT = `(\\d{1,3}|${Object.keys(SMALL_NUMBERS).join('|')})`;

/**
 * The span a question names — "yesterday", "today", "this week", "last week", "on Monday",
 * "in March", "this month", "last month", "3 days ago", "2 weeks ago" — or null when it names
 * none. The first phrase found wins. A weekday means the latest one before today; a month
 * means the latest one that has begun.
 */
export function timeRangeOf(text: string, now: number, timeZone: string): TimeRange | null {
	const t = text.toLowerCase();
	const d = today(now, timeZone);
	let m: RegExpExecArray | null;

	if ((m = /\b(?:earlier\s+)?today\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b/.exec(t))) {
		return days(d, 1, timeZone, m[0]);
	}
	if ((m = /\byesterday\b|\blast night\b/.exec(t))) return days(addDays(d, -1), 1, timeZone, m[0]);
	if ((m = new RegExp(`\\b${AMOUNT}\\s+(day|week|month)s?\\s+ago\\b`).exec(t))) {
		const n = SMALL_NUMBERS[m[1]!] ?? Number(m[1]);
		if (m[2] === 'day') return days(addDays(d, -n), 1, timeZone, m[0]);
		if (m[2] === 'week') return days(addDays(mondayOf(d), -7 * n), 7, timeZone, m[0]);
		const total = d.year * 12 + (d.month - 1) - n;
		return monthRange(Math.floor(total / 12), (total % 12) + 1, timeZone, m[0]);
	}
	if ((m = /\bthis week\b/.exec(t))) return days(mondayOf(d), 7, timeZone, m[0]);
	if ((m = /\b(?:last|past|previous) week\b/.exec(t))) {
		return days(addDays(mondayOf(d), -7), 7, timeZone, m[0]);
	}
	if ((m = /\bthis month\b/.exec(t))) return monthRange(d.year, d.month, timeZone, m[0]);
	if ((m = /\b(?:last|past|previous) month\b/.exec(t))) {
		const prev = d.month === 1 ? { y: d.year - 1, mo: 12 } : { y: d.year, mo: d.month - 1 };
		return monthRange(prev.y, prev.mo, timeZone, m[0]);
	}
	if ((m = new RegExp(`\\b(?:on |last )?(${WEEKDAYS.join('|')})\\b`).exec(t))) {
		const target = WEEKDAYS.indexOf(m[1]!);
		const back = (weekday(d) - target + 7) % 7 || 7;
		return days(addDays(d, -back), 1, timeZone, m[0]);
	}
	// "may" is also a verb: only "in May" / "last May" / "during May" count for months.
	if ((m = new RegExp(`\\b(?:in|during|last|back in) (${MONTHS.join('|')})\\b`).exec(t))) {
		const month = MONTHS.indexOf(m[1]!) + 1;
		const year = month <= d.month ? d.year : d.year - 1;
		return monthRange(year, month, timeZone, m[0]);
	}
	return null;
}
