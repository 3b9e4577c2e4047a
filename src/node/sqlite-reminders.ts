// Reminders in the terminal and the API: the SQLite file's `reminders` table, so a reminder set
// in one run (or through the API) goes off in the REPL, or shows at the next `hearth chat` as
// missed. Each call is one statement or one transaction: a moved status is never lost.
import type { ReminderRows } from '$lib/reminders/store';
import type { Reminder, ReminderStatus } from '$lib/types/agent-data';
import { sqliteError, type Db } from './sqlite-schema';

function guarded<T>(work: () => T): Promise<T> {
	try {
		return Promise.resolve(work());
	} catch (e) {
		return Promise.reject(sqliteError(e));
	}
}

const parse = (rows: unknown[]) =>
	rows.map((r) => JSON.parse((r as { data: string }).data) as Reminder);

export function sqliteReminderRows(db: Db): ReminderRows {
	const put = (r: Reminder) =>
		db
			.prepare('UPDATE reminders SET due_at = ?, status = ?, data = ? WHERE id = ?')
			.run(r.dueAt, r.status, JSON.stringify(r), r.id);
	const get = (id: string) =>
		parse(db.prepare('SELECT data FROM reminders WHERE id = ?').all(id))[0];
	return {
		insert: (r) =>
			guarded(() => {
				db.prepare('INSERT INTO reminders (id, due_at, status, data) VALUES (?, ?, ?, ?)').run(
					r.id,
					r.dueAt,
					r.status,
					JSON.stringify(r)
				);
			}),
		list: (statuses) =>
			guarded(() =>
				statuses
					? parse(
							db
								.prepare(
									`SELECT data FROM reminders WHERE status IN (${statuses.map(() => '?').join(', ')})`
								)
								.all(...statuses)
						)
					: parse(db.prepare('SELECT data FROM reminders').all())
			),
		get: (id) => guarded(() => get(id)),
		dueBy: (at) =>
			guarded(() =>
				parse(
					db
						.prepare("SELECT data FROM reminders WHERE status = 'scheduled' AND due_at <= ?")
						.all(at)
				)
			),
		transition: (id, status) =>
			guarded(() =>
				// IMMEDIATE: another process's scheduler reading the same row waits for this one.
				db
					.transaction((): Reminder | ReminderStatus | 'missing' => {
						const row = get(id);
						if (!row) return 'missing';
						if (row.status !== 'scheduled') return row.status;
						const next: Reminder = { ...row, status };
						put(next);
						return next;
					})
					.immediate()
			),
		delete: (id) =>
			guarded(() => {
				db.prepare('DELETE FROM reminders WHERE id = ?').run(id);
			})
	};
}
