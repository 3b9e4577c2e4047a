import { HearthError } from '$lib/types/errors';

// Dates and time zones on Intl alone: no date library, no network. Used by the date tools,
// reminders, the files tools' date filters and memory's time ranges.

export interface WallTime {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

export const DAY_MS = 86_400_000;

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

export function wallToUtc(w: WallTime): number {
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
