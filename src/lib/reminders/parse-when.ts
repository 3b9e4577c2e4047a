import { localTimeZone, parseTimeText, zonedToEpoch } from '$lib/time/zones';

export type WhenResult = { ok: true; dueAt: number } | { ok: false; reason: string };

/** Reminders further out than this are almost certainly a misread year. */
export const MAX_AHEAD_MS = 5 * 365 * 86_400_000;

const UNIT_MS: Record<string, number> = {
	s: 1000,
	sec: 1000,
	second: 1000,
	m: 60_000,
	min: 60_000,
	minute: 60_000,
	h: 3_600_000,
	hr: 3_600_000,
	hour: 3_600_000,
	d: 86_400_000,
	day: 86_400_000,
	w: 604_800_000,
	week: 604_800_000
};

const AMOUNT = String.raw`(\d+(?:\.\d+)?|an?|one|half an?)`;
const PART = new RegExp(String.raw`^${AMOUNT}\s*([a-z]+)$`);

function unitMs(word: string): number | undefined {
	// "minutes", "mins", "hrs": drop one trailing s unless the unit is just "s".
	return (
		UNIT_MS[word] ??
		(word.length > 1 && word.endsWith('s') ? UNIT_MS[word.slice(0, -1)] : undefined)
	);
}

/**
 * "20 minutes", "1 hour and 30 minutes", "1h30m", "half an hour", "2.5 days": the duration in ms,
 * or null when any part isn't a number with a unit.
 */
export function parseDuration(text: string): number | null {
	const spaced = text
		.toLowerCase()
		.replace(/(\d)([a-z])/g, '$1 $2')
		.replace(/([a-z])(\d)/g, '$1 $2');
	const pieces = spaced
		// Split on "and", commas, and between a unit and the next amount ("1 h 30 m").
		.split(/\s*(?:,|\band\b)\s*|(?<=[a-z])(?<!\bhalf)\s+(?=\d|an?\b|one\b|half\b)/)
		.map((p) => p.trim())
		.filter(Boolean);
	if (pieces.length === 0) return null;
	let total = 0;
	for (const piece of pieces) {
		const match = PART.exec(piece);
		if (!match) return null;
		const [, amount = '', word = ''] = match;
		const ms = unitMs(word);
		if (ms === undefined) return null;
		const n = amount.startsWith('half') ? 0.5 : /^\d/.test(amount) ? Number(amount) : 1;
		total += n * ms;
	}
	return total;
}

const HOW =
	'Give a time like "in 20 minutes", "in 2 hours", "tomorrow 09:00" or an ISO time like "2025-03-01T09:00".';

/**
 * When a reminder is due: a relative time ("in 20 minutes", "20 minutes from now") or an absolute
 * one ("2025-03-01T09:00", "09:30", "tomorrow at 9:30 am"; wall times are in `timeZone`). Times in
 * the past and unreadable text come back with a reason a person can act on.
 */
export function parseWhen(text: string, now: number, timeZone = localTimeZone()): WhenResult {
	const t = text.trim().toLowerCase();
	const relative = /^(?:in\s+)?(.+?)(?:\s+from\s+now)?$/.exec(t);
	const duration = relative?.[1] ? parseDuration(relative[1]) : null;
	let dueAt: number;
	if (duration !== null) {
		if (duration <= 0) return { ok: false, reason: `"${text}" is not in the future. ${HOW}` };
		dueAt = now + duration;
	} else {
		const day = /^(today|tomorrow)\s+(?:at\s+)?(.+)$/.exec(t);
		const clock = (day ? day[2]! : t.replace(/^at\s+/, '')).replace(
			/^(\d{1,2})\s*(am|pm)$/,
			'$1:00 $2'
		);
		const parsed = parseTimeText(clock, now, timeZone);
		if (!parsed) return { ok: false, reason: `Can't read "${text}" as a time. ${HOW}` };
		if (!parsed.hasTime) {
			return { ok: false, reason: `"${text}" has no time of day. Add one, like "${text} 09:00".` };
		}
		if (parsed.epoch !== undefined) dueAt = parsed.epoch;
		else {
			const wall = { ...parsed.wall };
			if (day?.[1] === 'tomorrow') {
				const next = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + 1));
				wall.year = next.getUTCFullYear();
				wall.month = next.getUTCMonth() + 1;
				wall.day = next.getUTCDate();
			}
			dueAt = zonedToEpoch(wall, timeZone).epoch;
		}
		if (dueAt <= now) {
			return {
				ok: false,
				reason: `"${text}" is already in the past. Give a time that is still to come, e.g. tomorrow's date.`
			};
		}
	}
	if (dueAt - now > MAX_AHEAD_MS) {
		return { ok: false, reason: `"${text}" is more than five years away. Check the year.` };
	}
	return { ok: true, dueAt };
}
