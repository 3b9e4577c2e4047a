import * as v from 'valibot';
import { HearthError } from '$lib/types/errors';
import type { Tool } from '$lib/tools/types';
import {
	DAY_MS,
	isoInZone,
	localTimeZone,
	parseTimeText,
	readableInZone,
	resolveTimeZone,
	wallToUtc,
	zonedToEpoch,
	type ParsedTime,
	type WallTime
} from '$lib/time/zones';

// The date and time tools (current time, conversions, differences, weekdays), on $lib/time.

export interface DateTimeDeps {
	now(): number;
	/** The user's IANA zone; defaults to the browser's. */
	timeZone?: string;
}

/** A wall-clock time with no zone attached. Months are 1-12. */
function describeInstant(epoch: number, timeZone: string): string {
	return `${readableInZone(epoch, timeZone)} in ${timeZone} (${isoInZone(epoch, timeZone)})`;
}

function unreadable(text: string): HearthError {
	return new HearthError(
		'tool_invalid_args',
		`Can't read "${text}" as a date or time. Use "2025-03-01", "2025-03-01 09:30", "09:30", "now", "today" or "tomorrow".`
	);
}

const zoneArg = (what: string) =>
	v.pipe(v.string(), v.description(`${what}: an IANA time zone such as "Europe/Paris" or "UTC".`));

export function createDateTimeTools(deps: DateTimeDeps) {
	const userZone = () => (deps.timeZone ? resolveTimeZone(deps.timeZone) : localTimeZone());

	const currentTimeSchema = v.object({
		timeZone: v.optional(zoneArg("Where; leave out for the user's own zone"))
	});
	const currentTime: Tool<typeof currentTimeSchema> = {
		name: 'current_time',
		title: 'Current time',
		description:
			"The current date and time, in the user's time zone or another one. Use it whenever the answer depends on today's date or the time.",
		schema: currentTimeSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 5000,
		describe: ({ timeZone }) => `Look up the current time${timeZone ? ` in ${timeZone}` : ''}`,
		async run({ timeZone }) {
			const zone = timeZone ? resolveTimeZone(timeZone) : userZone();
			const text = describeInstant(deps.now(), zone);
			return { content: `It is ${text}.`, preview: text, untrusted: false };
		}
	};

	const convertSchema = v.object({
		time: v.pipe(
			v.string(),
			v.description('"now", "09:30" (today), "2025-03-01 09:30", or ISO with an offset.')
		),
		from: v.optional(zoneArg("The zone the time is in; leave out for the user's own zone")),
		to: zoneArg('The zone to convert to')
	});
	const convertTime: Tool<typeof convertSchema> = {
		name: 'convert_time',
		title: 'Convert time zones',
		description: 'Converts a time from one time zone to another, daylight saving included.',
		schema: convertSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 5000,
		describe: ({ time, from, to }) => `Convert ${time}${from ? ` in ${from}` : ''} to ${to}`,
		async run({ time, from, to }) {
			const fromZone = from ? resolveTimeZone(from) : userZone();
			const toZone = resolveTimeZone(to);
			const parsed = parseTimeText(time, deps.now(), fromZone);
			if (!parsed) throw unreadable(time);
			let epoch = parsed.epoch;
			let note = '';
			if (epoch === undefined) {
				const z = zonedToEpoch(parsed.wall, fromZone);
				epoch = z.epoch;
				if (z.shifted) note = ` (that time doesn't exist in ${fromZone}: clocks jump forward then)`;
			}
			const source = describeInstant(epoch, fromZone);
			const target = describeInstant(epoch, toZone);
			return {
				content: `${source} is ${target}.${note}`,
				preview: `${readableInZone(epoch, toZone)} in ${toZone}`,
				untrusted: false
			};
		}
	};

	const diffSchema = v.object({
		from: v.pipe(v.string(), v.description('Start: "2025-03-01", "2025-03-01 09:30", "today"…')),
		to: v.pipe(v.string(), v.description('End, in the same forms.'))
	});
	const dateDifference: Tool<typeof diffSchema> = {
		name: 'date_difference',
		title: 'Date difference',
		description:
			'How long between two dates or times: days, weeks, and years/months/days (negative when the end is earlier).',
		schema: diffSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 5000,
		describe: ({ from, to }) => `Work out the time from ${from} to ${to}`,
		async run({ from, to }) {
			const zone = userZone();
			const now = deps.now();
			const a = parseTimeText(from, now, zone);
			const b = parseTimeText(to, now, zone);
			if (!a) throw unreadable(from);
			if (!b) throw unreadable(to);
			const text = differenceText(a, b, zone);
			return { content: `From ${from} to ${to}: ${text}.`, preview: text, untrusted: false };
		}
	};

	const weekdaySchema = v.object({
		date: v.pipe(v.string(), v.description('"2025-03-01", "today", "tomorrow"…'))
	});
	const dayOfWeek: Tool<typeof weekdaySchema> = {
		name: 'day_of_week',
		title: 'Day of the week',
		description: 'Which day of the week a date falls on.',
		schema: weekdaySchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 5000,
		describe: ({ date }) => `Find the day of the week of ${date}`,
		async run({ date }) {
			const parsed = parseTimeText(date, deps.now(), userZone());
			if (!parsed) throw unreadable(date);
			const { year, month, day } = parsed.wall;
			// A calendar date has a weekday regardless of zone: compute it on UTC noon.
			const text = new Intl.DateTimeFormat('en-GB', {
				timeZone: 'UTC',
				weekday: 'long',
				day: 'numeric',
				month: 'long',
				year: 'numeric'
			}).format(Date.UTC(year, month - 1, day, 12));
			return { content: `${date} is ${text}.`, preview: text, untrusted: false };
		}
	};

	return [currentTime, convertTime, dateDifference, dayOfWeek] as const;
}

function plural(n: number, unit: string): string {
	return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Calendar years/months/days between two dates (a before or equal to b). */
function calendarParts(a: WallTime, b: WallTime): { years: number; months: number; days: number } {
	let months = (b.year - a.year) * 12 + (b.month - a.month);
	if (b.day < a.day) months -= 1;
	const anchor = new Date(Date.UTC(a.year, a.month - 1 + months, 1));
	// Clamp to the month's last day: 31 Jan + 1 month is 28/29 Feb, not 3 March.
	const lastDay = new Date(
		Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() + 1, 0)
	).getUTCDate();
	anchor.setUTCDate(Math.min(a.day, lastDay));
	const days = Math.round((Date.UTC(b.year, b.month - 1, b.day) - anchor.getTime()) / DAY_MS);
	return { years: Math.floor(months / 12), months: months % 12, days };
}

function differenceText(a: ParsedTime, b: ParsedTime, zone: string): string {
	const withTime = a.hasTime || b.hasTime;
	if (withTime) {
		const ea = a.epoch ?? zonedToEpoch(a.wall, zone).epoch;
		const eb = b.epoch ?? zonedToEpoch(b.wall, zone).epoch;
		const minutes = Math.round((eb - ea) / 60_000);
		const abs = Math.abs(minutes);
		const sign = minutes < 0 ? '-' : '';
		const parts = [
			abs >= 1440 ? plural(Math.floor(abs / 1440), 'day') : '',
			plural(Math.floor((abs % 1440) / 60), 'hour'),
			plural(abs % 60, 'minute')
		].filter(Boolean);
		return `${sign}${parts.join(', ')} (${sign}${plural(abs, 'minute')} in all)`;
	}
	const days = Math.round((wallToUtc(b.wall) - wallToUtc(a.wall)) / DAY_MS);
	const [early, late] = days < 0 ? [b.wall, a.wall] : [a.wall, b.wall];
	const { years, months, days: rest } = calendarParts(early, late);
	const sign = days < 0 ? '-' : '';
	const abs = Math.abs(days);
	const calendar = [
		years ? plural(years, 'year') : '',
		months ? plural(months, 'month') : '',
		plural(rest, 'day')
	].filter(Boolean);
	const weeks =
		abs >= 7 ? `; ${plural(Math.floor(abs / 7), 'week')}, ${plural(abs % 7, 'day')}` : '';
	return `${sign}${plural(abs, 'day')} (${sign}${calendar.join(', ')}${weeks})`;
}
