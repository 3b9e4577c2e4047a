import * as v from 'valibot';
import { HearthError } from '$lib/types/errors';
import type { Tool } from '$lib/tools/types';

// Date and time tools on Intl alone: no date library, no network.

export interface DateTimeDeps {
	now(): number;
	/** The user's IANA zone; defaults to the browser's. */
	timeZone?: string;
}

/** A wall-clock time with no zone attached. Months are 1-12. */
export interface WallTime {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

const DAY_MS = 86_400_000;

export function localTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * The canonical IANA name for `name` (any case; a bare city like "Tokyo" when it matches one zone),
 * or HearthError('tool_invalid_args'). UTC offsets are refused: they ignore daylight saving.
 */
export function resolveTimeZone(name: string): string {
	const trimmed = name.trim();
	if (/^[A-Za-z_ ]+(?:\/[A-Za-z0-9_+-]+)*$/.test(trimmed)) {
		try {
			return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
		} catch {
			// not a zone Intl knows; try it as a city below
		}
		const city = trimmed.toLowerCase().replace(/ /g, '_');
		const matches = Intl.supportedValuesOf('timeZone').filter((z) =>
			z.toLowerCase().endsWith(`/${city}`)
		);
		if (matches.length === 1 && matches[0]) return matches[0];
	}
	throw new HearthError(
		'tool_invalid_args',
		`"${name}" is not a time zone. Use an IANA name like "Europe/Paris", "America/New_York" or "UTC".`
	);
}

function wallAt(epoch: number, timeZone: string): WallTime {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: 'numeric',
		day: 'numeric',
		hour: 'numeric',
		minute: 'numeric',
		second: 'numeric'
	}).formatToParts(epoch);
	const get = (type: Intl.DateTimeFormatPartTypes) =>
		Number(parts.find((p) => p.type === type)?.value ?? 0);
	return {
		year: get('year'),
		month: get('month'),
		day: get('day'),
		hour: get('hour'),
		minute: get('minute'),
		second: get('second')
	};
}

function wallToUtc(w: WallTime): number {
	return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Milliseconds the zone is ahead of UTC at that instant. */
export function zoneOffsetMs(epoch: number, timeZone: string): number {
	const whole = Math.floor(epoch / 1000) * 1000;
	return wallToUtc(wallAt(whole, timeZone)) - whole;
}

/**
 * The instant a wall time names in a zone. `shifted` is true when that time doesn't exist there
 * (clocks jump forward): the result is the same moment measured with the offset before the jump.
 */
export function zonedToEpoch(
	wall: WallTime,
	timeZone: string
): { epoch: number; shifted: boolean } {
	const asUtc = wallToUtc(wall);
	const first = asUtc - zoneOffsetMs(asUtc, timeZone);
	const epoch = asUtc - zoneOffsetMs(first, timeZone);
	const back = wallToUtc(wallAt(epoch, timeZone));
	if (back === asUtc) return { epoch, shifted: false };
	return { epoch: asUtc - zoneOffsetMs(asUtc - DAY_MS, timeZone), shifted: true };
}

function pad(n: number, width = 2): string {
	return String(n).padStart(width, '0');
}

function offsetText(offsetMs: number): string {
	const minutes = Math.round(Math.abs(offsetMs) / 60_000);
	return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "2025-03-03T14:05:09+01:00": unambiguous for the model. */
export function isoInZone(epoch: number, timeZone: string): string {
	const w = wallAt(epoch, timeZone);
	const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
	const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
	return `${date}T${time}${offsetText(zoneOffsetMs(epoch, timeZone))}`;
}

/** "Monday, 3 March 2025, 14:05" in words. */
export function readableInZone(epoch: number, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23'
	}).format(epoch);
}

function describeInstant(epoch: number, timeZone: string): string {
	return `${readableInZone(epoch, timeZone)} in ${timeZone} (${isoInZone(epoch, timeZone)})`;
}

const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const TIME_ONLY = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?$/i;

/** A parsed time: a wall time, plus the instant when the text carried its own offset. */
export interface ParsedTime {
	wall: WallTime;
	hasTime: boolean;
	/** Set when the text had "Z" or "+01:00": it names an instant by itself. */
	epoch?: number;
}

function validWall(w: WallTime): boolean {
	const d = new Date(wallToUtc(w));
	return (
		d.getUTCFullYear() === w.year &&
		d.getUTCMonth() === w.month - 1 &&
		d.getUTCDate() === w.day &&
		w.hour < 24 &&
		w.minute < 60 &&
		w.second < 60
	);
}

/**
 * Reads "2025-03-01", "2025-03-01 09:30", "2025-03-01T09:30:00Z", "09:30", "9:30 pm", "now",
 * "today", "tomorrow", "yesterday"; relative words use `today` (a wall date in the user's zone).
 * Null when the text is none of those or names a day that doesn't exist.
 */
export function parseTimeText(text: string, now: number, timeZone: string): ParsedTime | null {
	const t = text.trim().toLowerCase();
	const today = wallAt(now, timeZone);
	const dayShift: Record<string, number> = { today: 0, tomorrow: 1, yesterday: -1 };
	if (t === 'now') return { wall: today, hasTime: true, epoch: now };
	const shift = dayShift[t];
	if (shift !== undefined) {
		const d = new Date(Date.UTC(today.year, today.month - 1, today.day + shift));
		const wall = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
		return { wall: { ...wall, hour: 0, minute: 0, second: 0 }, hasTime: false };
	}
	const dt = DATE_TIME.exec(t);
	if (dt) {
		const [, y, mo, d, h, mi, s, zone] = dt;
		const wall = {
			year: Number(y),
			month: Number(mo),
			day: Number(d),
			hour: Number(h ?? 0),
			minute: Number(mi ?? 0),
			second: Number(s ?? 0)
		};
		if (!validWall(wall)) return null;
		const parsed: ParsedTime = { wall, hasTime: h !== undefined };
		if (zone) {
			const sign = zone.startsWith('-') ? -1 : 1;
			const digits = zone.replace(/[^0-9]/g, '');
			const offset =
				zone === 'z'
					? 0
					: sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
			parsed.epoch = wallToUtc(wall) - offset;
		}
		return parsed;
	}
	const tm = TIME_ONLY.exec(t);
	if (tm) {
		const [, h, mi, s, ampm] = tm;
		let hour = Number(h);
		if (ampm) {
			if (hour < 1 || hour > 12) return null;
			hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
		}
		const wall = { ...today, hour, minute: Number(mi), second: Number(s ?? 0) };
		return validWall(wall) ? { wall, hasTime: true } : null;
	}
	return null;
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
