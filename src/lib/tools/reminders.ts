import * as v from 'valibot';
import type { Reminder } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';
import type { Tool } from '$lib/tools/types';
import { formatDue, WHEN_HEARTH_IS_CLOSED } from '$lib/reminders/format';
import type { ReminderNotifier } from '$lib/reminders/notifier';
import { parseWhen } from '$lib/reminders/parse-when';
import type { ReminderStore } from '$lib/reminders/store';

export interface ReminderToolDeps {
	store: ReminderStore;
	notifier: Pick<ReminderNotifier, 'permission' | 'requestPermission'>;
	now(): number;
	/** The user's IANA zone for wall times like "09:30"; defaults to the browser's. */
	timeZone?: string;
	/** What happens while this face is closed (the terminal's words differ from a tab's). */
	whenClosed?: string;
}

function line(r: Reminder, now: number, timeZone?: string): string {
	return `- id ${r.id}: "${r.text}", ${formatDue(r.dueAt, now, timeZone)} [${r.status}]`;
}

export function createReminderTools(deps: ReminderToolDeps) {
	const whenIssue = (when: string) => {
		const parsed = parseWhen(when, deps.now(), deps.timeZone);
		return parsed.ok ? null : parsed.reason;
	};

	const setSchema = v.object({
		text: v.pipe(
			v.string(),
			v.trim(),
			v.minLength(1, 'Say what the reminder is for.'),
			v.maxLength(500, 'Keep the reminder under 500 characters.'),
			v.description('What to remind the user of, in their words.')
		),
		when: v.pipe(
			v.string(),
			// Checked here so an unreadable or past time is refused before the user is asked.
			v.check(
				(when) => whenIssue(when) === null,
				(issue) => whenIssue(String(issue.input)) ?? 'Bad time.'
			),
			v.description(
				'"in 20 minutes", "in 1 hour and 30 minutes", "tomorrow 09:00", "17:30", or ISO like "2025-03-01T09:00".'
			)
		)
	});

	const setReminder: Tool<typeof setSchema> = {
		name: 'set_reminder',
		title: 'Set a reminder',
		description:
			'Sets a reminder that shows as a notification at the given time while Hearth is open. Use it when the user asks to be reminded of something.',
		schema: setSchema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 60_000,
		describe({ text, when }) {
			const parsed = parseWhen(when, deps.now(), deps.timeZone);
			const at = parsed.ok ? formatDue(parsed.dueAt, deps.now(), deps.timeZone) : `"${when}"`;
			return `Remind you "${text}" on ${at}.`;
		},
		async run({ text, when }, ctx) {
			// Parsed again: time moved on while the user read the confirmation.
			const now = deps.now();
			const parsed = parseWhen(when, now, deps.timeZone);
			if (!parsed.ok) throw new HearthError('tool_invalid_args', parsed.reason);
			const reminder = await deps.store.add(
				{ text, dueAt: parsed.dueAt, conversationId: ctx.conversationId },
				now
			);
			// Asked only now, right after the user's yes: the first reminder is when it matters.
			const permission =
				deps.notifier.permission() === 'default'
					? await deps.notifier.requestPermission()
					: deps.notifier.permission();
			const due = formatDue(reminder.dueAt, now, deps.timeZone);
			const how =
				permission === 'granted'
					? 'It will show as a notification.'
					: 'Notifications are off, so it will show inside Hearth.';
			return {
				content: `Reminder set (id ${reminder.id}): "${text}", ${due}. ${how} ${deps.whenClosed ?? WHEN_HEARTH_IS_CLOSED}`,
				preview: `"${text}", ${due}`,
				untrusted: false
			};
		}
	};

	const listSchema = v.object({
		include: v.optional(
			v.pipe(
				v.picklist(['upcoming', 'all']),
				v.description(
					'"upcoming" (default): still to come; "all": also fired, missed and cancelled.'
				)
			)
		)
	});

	const listReminders: Tool<typeof listSchema> = {
		name: 'list_reminders',
		title: 'List reminders',
		description: "Lists the user's reminders with their ids, times and status.",
		schema: listSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 10_000,
		describe: ({ include }) =>
			include === 'all' ? 'List all reminders' : 'List upcoming reminders',
		async run({ include }) {
			const now = deps.now();
			const rows = await deps.store.list(include === 'all' ? undefined : ['scheduled']);
			if (rows.length === 0) {
				const none = include === 'all' ? 'There are no reminders.' : 'No upcoming reminders.';
				return { content: none, preview: none, untrusted: false };
			}
			const preview = `${rows.length} reminder${rows.length === 1 ? '' : 's'}`;
			return {
				content: rows.map((r) => line(r, now, deps.timeZone)).join('\n'),
				preview,
				// The texts are what the user (through the model) asked to be reminded of.
				untrusted: false
			};
		}
	};

	const cancelSchema = v.object({
		id: v.pipe(v.string(), v.trim(), v.minLength(1), v.description('The id from list_reminders.'))
	});

	const cancelReminder: Tool<typeof cancelSchema> = {
		name: 'cancel_reminder',
		title: 'Cancel a reminder',
		description: 'Cancels a scheduled reminder by its id (list_reminders shows ids).',
		schema: cancelSchema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 10_000,
		describe({ id }) {
			const known = deps.store.peek(id);
			return known
				? `Cancel the reminder "${known.text}" set for ${formatDue(known.dueAt, deps.now(), deps.timeZone)}.`
				: `Cancel the reminder with id ${id}.`;
		},
		async run({ id }) {
			const r = await deps.store.cancel(id);
			const text = `Cancelled "${r.text}".`;
			return { content: text, preview: text, untrusted: false };
		}
	};

	return [setReminder, listReminders, cancelReminder] as const;
}
