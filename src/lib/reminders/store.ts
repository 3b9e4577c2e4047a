import type { HearthDb } from '$lib/storage/db';
import type { Reminder, ReminderStatus } from '$lib/types/agent-data';
import { HearthError } from '$lib/types/errors';

export interface NewReminder {
	text: string;
	dueAt: number;
	conversationId?: string;
}

/** Eight hex characters: short enough for a small model to copy back into cancel_reminder. */
function shortId(): string {
	return crypto.randomUUID().replace(/-/g, '').slice(0, 8);
}

function byDue(a: Reminder, b: Reminder): number {
	return a.dueAt - b.dueAt;
}

/**
 * Where reminder rows live: Dexie in the browser (dexieReminderRows), SQLite in the terminal and
 * the API (node/sqlite-reminders.ts). `transition` is atomic, so two tabs or two processes
 * can't both fire the same reminder.
 */
export interface ReminderRows {
	/** Fails on an id collision rather than replacing another reminder. */
	insert(reminder: Reminder): Promise<void>;
	/** All of them when no statuses are given. */
	list(statuses?: readonly ReminderStatus[]): Promise<Reminder[]>;
	get(id: string): Promise<Reminder | undefined>;
	/** Scheduled ones due at or before `at`. */
	dueBy(at: number): Promise<Reminder[]>;
	/** Moves a scheduled row to `status`: the new row, or why not (its status, or 'missing'). */
	transition(
		id: string,
		status: 'fired' | 'missed' | 'cancelled'
	): Promise<Reminder | ReminderStatus | 'missing'>;
	delete(id: string): Promise<void>;
}

/** The browser's reminders: the Dexie `reminders` table. */
export function dexieReminderRows(db: HearthDb): ReminderRows {
	return {
		insert: async (reminder) => {
			await db.reminders.add(reminder);
		},
		list: (statuses) =>
			statuses
				? db.reminders
						.where('status')
						.anyOf([...statuses])
						.toArray()
				: db.reminders.toArray(),
		get: (id) => db.reminders.get(id),
		dueBy: async (at) =>
			(await db.reminders.where('dueAt').belowOrEqual(at).toArray()).filter(
				(r) => r.status === 'scheduled'
			),
		transition: (id, status) =>
			db.transaction('rw', db.reminders, async () => {
				const row = await db.reminders.get(id);
				if (!row) return 'missing' as const;
				if (row.status !== 'scheduled') return row.status;
				const next: Reminder = { ...row, status };
				await db.reminders.put(next);
				return next;
			}),
		delete: (id) => db.reminders.delete(id)
	};
}

/**
 * Reminders over their rows. Every change tells subscribers (the scheduler re-arms, the
 * settings section refreshes). Status moves only forward from `scheduled`.
 */
export class ReminderStore {
	readonly #rows: ReminderRows;
	readonly #newId: () => string;
	readonly #listeners = new Set<() => void>();
	/** Last seen rows, so a confirmation (which can't wait for the database) can name a reminder. */
	readonly #seen = new Map<string, Reminder>();

	constructor(rows: ReminderRows, options: { newId?: () => string } = {}) {
		this.#rows = rows;
		this.#newId = options.newId ?? shortId;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#changed(): void {
		for (const listener of this.#listeners) listener();
	}

	#remember(rows: Reminder[]): Reminder[] {
		for (const r of rows) this.#seen.set(r.id, r);
		return rows;
	}

	async add(input: NewReminder, now: number): Promise<Reminder> {
		const reminder: Reminder = {
			id: this.#newId(),
			text: input.text,
			dueAt: input.dueAt,
			createdAt: now,
			status: 'scheduled',
			...(input.conversationId ? { conversationId: input.conversationId } : {})
		};
		await this.#rows.insert(reminder);
		this.#remember([reminder]);
		this.#changed();
		return reminder;
	}

	/** Sorted by due time; all of them when no statuses are given. */
	async list(statuses?: readonly ReminderStatus[]): Promise<Reminder[]> {
		return this.#remember((await this.#rows.list(statuses)).sort(byDue));
	}

	async get(id: string): Promise<Reminder | undefined> {
		const row = await this.#rows.get(id);
		if (row) this.#remember([row]);
		return row;
	}

	/** The row as last read or written here, without waiting for the database. */
	peek(id: string): Reminder | undefined {
		return this.#seen.get(id);
	}

	/** Scheduled reminders due at or before `at`, earliest first. */
	async dueBy(at: number): Promise<Reminder[]> {
		return (await this.#rows.dueBy(at)).sort(byDue);
	}

	async nextScheduled(): Promise<Reminder | undefined> {
		return (await this.#rows.list(['scheduled'])).sort(byDue)[0];
	}

	/** Moves a scheduled reminder to fired or missed; null when it was no longer scheduled. */
	async settle(id: string, status: 'fired' | 'missed'): Promise<Reminder | null> {
		const result = await this.#rows.transition(id, status);
		if (typeof result === 'string') return null;
		this.#remember([result]);
		this.#changed();
		return result;
	}

	async cancel(id: string): Promise<Reminder> {
		const result = await this.#rows.transition(id, 'cancelled');
		if (result === 'missing') {
			throw new HearthError(
				'tool_invalid_args',
				`There is no reminder with the id "${id}". list_reminders shows the ids.`
			);
		}
		if (typeof result === 'string') {
			const already = {
				scheduled: 'is still scheduled',
				fired: 'already went off',
				missed: 'already passed while Hearth was closed',
				cancelled: 'is already cancelled'
			}[result];
			throw new HearthError('tool_failed', `That reminder ${already}.`);
		}
		this.#remember([result]);
		this.#changed();
		return result;
	}

	/** Deletes a reminder for good (dismissing a missed or fired one in the list). */
	async remove(id: string): Promise<void> {
		await this.#rows.delete(id);
		this.#seen.delete(id);
		this.#changed();
	}
}
