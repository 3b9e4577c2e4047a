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
 * Reminders in the Dexie `reminders` table. Every change tells subscribers (the scheduler re-arms,
 * the settings section refreshes). Status moves only forward from `scheduled`, inside a
 * transaction, so two tabs can't both fire the same reminder.
 */
export class ReminderStore {
	readonly #db: HearthDb;
	readonly #newId: () => string;
	readonly #listeners = new Set<() => void>();
	/** Last seen rows, so a confirmation (which can't wait for the database) can name a reminder. */
	readonly #seen = new Map<string, Reminder>();

	constructor(db: HearthDb, options: { newId?: () => string } = {}) {
		this.#db = db;
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
		// add, not put: an id collision fails loudly instead of replacing another reminder.
		await this.#db.reminders.add(reminder);
		this.#remember([reminder]);
		this.#changed();
		return reminder;
	}

	/** Sorted by due time; all of them when no statuses are given. */
	async list(statuses?: readonly ReminderStatus[]): Promise<Reminder[]> {
		const rows = statuses
			? await this.#db.reminders
					.where('status')
					.anyOf([...statuses])
					.toArray()
			: await this.#db.reminders.toArray();
		return this.#remember(rows.sort(byDue));
	}

	async get(id: string): Promise<Reminder | undefined> {
		const row = await this.#db.reminders.get(id);
		if (row) this.#remember([row]);
		return row;
	}

	/** The row as last read or written here, without waiting for the database. */
	peek(id: string): Reminder | undefined {
		return this.#seen.get(id);
	}

	/** Scheduled reminders due at or before `at`, earliest first. */
	async dueBy(at: number): Promise<Reminder[]> {
		const rows = await this.#db.reminders.where('dueAt').belowOrEqual(at).toArray();
		return rows.filter((r) => r.status === 'scheduled').sort(byDue);
	}

	async nextScheduled(): Promise<Reminder | undefined> {
		const rows = await this.#db.reminders.where('status').equals('scheduled').toArray();
		return rows.sort(byDue)[0];
	}

	/** Moves a scheduled reminder to fired or missed; null when it was no longer scheduled. */
	async settle(id: string, status: 'fired' | 'missed'): Promise<Reminder | null> {
		const settled = await this.#db.transaction('rw', this.#db.reminders, async () => {
			const row = await this.#db.reminders.get(id);
			if (!row || row.status !== 'scheduled') return null;
			const next: Reminder = { ...row, status };
			await this.#db.reminders.put(next);
			return next;
		});
		if (settled) {
			this.#remember([settled]);
			this.#changed();
		}
		return settled;
	}

	async cancel(id: string): Promise<Reminder> {
		// Either the cancelled row or why it couldn't be cancelled.
		const result = await this.#db.transaction('rw', this.#db.reminders, async () => {
			const row = await this.#db.reminders.get(id);
			if (!row) return 'missing' as const;
			if (row.status !== 'scheduled') return row.status;
			const next: Reminder = { ...row, status: 'cancelled' };
			await this.#db.reminders.put(next);
			return next;
		});
		if (result === 'missing') {
			throw new HearthError(
				'tool_invalid_args',
				`There is no reminder with the id "${id}". list_reminders shows the ids.`
			);
		}
		if (typeof result === 'string') {
			const already = {
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
		await this.#db.reminders.delete(id);
		this.#seen.delete(id);
		this.#changed();
	}
}
