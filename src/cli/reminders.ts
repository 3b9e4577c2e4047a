// Reminders in the terminal: `hearth reminders` lists them (and cancels one), and the REPL shows
// one when it goes off and, at its start, those that passed while no `hearth chat` ran.
import { formatDue } from '$lib/reminders/format';
import type { Reminder } from '$lib/types/agent-data';
import type { NodeRuntime, ReminderHandlers } from '../node/runtime';
import { EXIT } from './exit-codes';
import type { CliValues } from './main';
import { bold, dim, terminalOutput, type Output } from './render';

function line(out: Output, r: Reminder, now: number): string {
	return `${r.id}  ${r.text}  ${dim(out, `${formatDue(r.dueAt, now)} [${r.status}]`)}\n`;
}

/** What the REPL prints; `redraw` puts the prompt back after a reminder interrupted it. */
export function reminderPrinter(
	notes: Output,
	redraw: () => void,
	now: () => number = Date.now
): ReminderHandlers {
	return {
		onFired(r) {
			notes.write(`\n${bold(notes, '⏰ Reminder:')} ${r.text}\n`);
			redraw();
		},
		onMissed(missed) {
			notes.write(
				`${bold(notes, `⏰ ${missed.length === 1 ? 'A reminder' : `${missed.length} reminders`} passed while Hearth was closed:`)}\n`
			);
			for (const r of missed)
				notes.write(`  ${r.text}  ${dim(notes, formatDue(r.dueAt, now()))}\n`);
		}
	};
}

/** `hearth reminders [--all] [--json]`, `hearth reminders cancel ID`. */
export async function remindersCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues & { all?: boolean }
): Promise<number> {
	const out = terminalOutput();
	const now = Date.now();
	if (args[0] === 'cancel') {
		const id = args[1];
		if (!id) {
			process.stderr.write('hearth: reminders cancel needs an id (hearth reminders lists them)\n');
			return EXIT.usage;
		}
		const cancelled = await runtime.reminders.cancel(id);
		out.write(`Cancelled: ${cancelled.text}\n`);
		return EXIT.ok;
	}
	if (args.length > 0) {
		process.stderr.write(`hearth: unknown reminders command "${args[0]}" (try: cancel ID)\n`);
		return EXIT.usage;
	}
	const list = await runtime.reminders.list(values.all ? undefined : ['scheduled']);
	if (values.json) {
		out.write(`${JSON.stringify(list, null, 2)}\n`);
		return EXIT.ok;
	}
	if (list.length === 0) {
		out.write(
			values.all
				? 'No reminders yet.\n'
				: 'No reminders are scheduled (hearth reminders --all lists past ones).\n'
		);
	}
	for (const r of list) out.write(line(out, r, now));
	return EXIT.ok;
}
