// Words for reminder times, shared by the tools, the notifier and the settings section.

/** What happens to a reminder while the browser is closed; the reminders section shows it as is. */
export const WHEN_HEARTH_IS_CLOSED =
	'Reminders go off only while Hearth is open in a tab or as an installed app. If Hearth is closed at the time, the reminder shows as missed the next time you open it. Hearth uses no push server, so nothing about your reminders leaves this device.';

/** The same for the terminal: reminders go off in a running `hearth chat`. */
export const WHEN_NO_REPL_RUNS =
	'Reminders go off while `hearth chat` runs in a terminal. If none runs at the time, the reminder shows as missed when `hearth chat` next starts; `hearth reminders` lists them. Nothing about them leaves this computer.';

const UNITS: [limitMs: number, unitMs: number, unit: string][] = [
	[90_000, 1000, 'second'],
	[90 * 60_000, 60_000, 'minute'],
	[36 * 3_600_000, 3_600_000, 'hour'],
	[Infinity, 86_400_000, 'day']
];

/** "in 20 minutes", "3 hours ago", "now". */
export function relativeTime(deltaMs: number): string {
	const abs = Math.abs(deltaMs);
	if (abs < 1000) return 'now';
	const [, unitMs, unit] = UNITS.find(([limit]) => abs < limit) ?? UNITS[UNITS.length - 1]!;
	const n = Math.round(abs / unitMs);
	const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
	return deltaMs > 0 ? `in ${text}` : `${text} ago`;
}

/** "Tue 4 Mar 2025, 09:00 (in 2 hours)" in the user's zone (or `timeZone`). */
export function formatDue(dueAt: number, now: number, timeZone?: string): string {
	const when = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23'
	}).format(dueAt);
	return `${when} (${relativeTime(dueAt - now)})`;
}
