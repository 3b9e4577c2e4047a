import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import type { HearthDb } from '$lib/storage/db';
import { dexieReminderRows, ReminderStore } from '$lib/reminders/store';
import {
	MAX_TIMER_MS,
	MISSED_GRACE_MS,
	ReminderScheduler,
	type SchedulerClock
} from '$lib/reminders/scheduler';
import type { ReminderNotifier } from '$lib/reminders/notifier';
import type { Reminder } from '$lib/types/agent-data';

const DAY = 86_400_000;

/** A clock whose timers run only when the test advances time. */
class FakeClock implements SchedulerClock {
	time = Date.UTC(2025, 2, 3, 12);
	timers = new Map<number, { at: number; run: () => void }>();
	#next = 1;
	now = () => this.time;
	setTimeout = (run: () => void, ms: number) => {
		const id = this.#next++;
		this.timers.set(id, { at: this.time + ms, run });
		return id;
	};
	clearTimeout = (id: unknown) => {
		this.timers.delete(id as number);
	};
	/** Moves time forward, running due timers in order. */
	async advance(ms: number): Promise<void> {
		const end = this.time + ms;
		for (;;) {
			await settle();
			const due = [...this.timers]
				.filter(([, t]) => t.at <= end)
				.sort((a, b) => a[1].at - b[1].at)[0];
			if (!due) break;
			this.timers.delete(due[0]);
			this.time = Math.max(this.time, due[1].at);
			due[1].run();
		}
		this.time = end;
		await settle();
	}
}

/** Lets Dexie's (fake-indexeddb) callbacks run. */
async function settle(): Promise<void> {
	for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function setup(db: HearthDb = freshDb(), clock = new FakeClock()) {
	const store = new ReminderStore(dexieReminderRows(db));
	const shown: Reminder[] = [];
	const notifier: ReminderNotifier = {
		permission: () => 'granted',
		requestPermission: async () => 'granted',
		notify: async (r) => {
			shown.push(r);
			return 'system';
		}
	};
	const missedReports: Reminder[][] = [];
	const scheduler = new ReminderScheduler({
		store,
		notifier,
		clock,
		onMissed: (m) => missedReports.push(m)
	});
	const add = (text: string, inMs: number) =>
		store.add({ text, dueAt: clock.time + inMs }, clock.time);
	return { clock, store, shown, scheduler, missedReports, add };
}

describe('ReminderScheduler', () => {
	it('fires each reminder at its time, earliest first, with one timer at a time', async () => {
		const { clock, store, shown, scheduler, add } = setup();
		await scheduler.start();
		await add('second', 20 * 60_000);
		await add('first', 5 * 60_000);
		await settle();
		expect(clock.timers.size).toBe(1);
		await clock.advance(5 * 60_000 - 1);
		expect(shown).toEqual([]);
		await clock.advance(1);
		expect(shown.map((r) => r.text)).toEqual(['first']);
		await clock.advance(15 * 60_000);
		expect(shown.map((r) => r.text)).toEqual(['first', 'second']);
		expect((await store.list()).map((r) => r.status)).toEqual(['fired', 'fired']);
		expect(clock.timers.size).toBe(0);
		scheduler.stop();
	});

	it('re-arms when a reminder is cancelled, and stops firing after stop()', async () => {
		const { clock, store, shown, scheduler, add } = setup();
		await scheduler.start();
		const r = await add('cancel me', 60_000);
		await add('later', 120_000);
		await store.cancel(r.id);
		await clock.advance(90_000);
		expect(shown).toEqual([]);
		scheduler.stop();
		expect(clock.timers.size).toBe(0);
		await clock.advance(60_000);
		expect(shown).toEqual([]);
	});

	it('waits in steps past the 24.8-day timer limit', async () => {
		const { clock, shown, scheduler, add } = setup();
		await scheduler.start();
		await add('in sixty days', 60 * DAY);
		await settle();
		const [timer] = [...clock.timers.values()];
		expect(timer!.at - clock.time).toBe(MAX_TIMER_MS);
		await clock.advance(59 * DAY);
		expect(shown).toEqual([]);
		await clock.advance(DAY);
		expect(shown.map((r) => r.text)).toEqual(['in sixty days']);
		scheduler.stop();
	});

	it('marks what passed while Hearth was closed as missed and reports it, once', async () => {
		const { clock, store, shown, scheduler, missedReports, add } = setup();
		await add('while closed', 10 * 60_000);
		await add('just now', 10 * 60_000 + MISSED_GRACE_MS + 1);
		await add('tomorrow', DAY);
		clock.time += 10 * 60_000 + MISSED_GRACE_MS + 30_000; // Hearth was closed meanwhile
		const missed = await scheduler.start();
		expect(missed.map((r) => r.text)).toEqual(['while closed']);
		expect(missedReports).toEqual([missed]);
		await clock.advance(0);
		// Due within the grace minute (a reload): it still goes off.
		expect(shown.map((r) => r.text)).toEqual(['just now']);
		const statuses = Object.fromEntries((await store.list()).map((r) => [r.text, r.status]));
		expect(statuses).toEqual({
			'while closed': 'missed',
			'just now': 'fired',
			tomorrow: 'scheduled'
		});
		scheduler.stop();
	});

	it('fires a reminder only once when two tabs (schedulers) share the database', async () => {
		const db = freshDb();
		const a = setup(db);
		const b = setup(db, a.clock);
		await a.scheduler.start();
		await b.scheduler.start();
		await a.add('once', 60_000);
		await b.scheduler.rearm(); // the other tab learns of it (e.g. at its next start)
		await a.clock.advance(60_000);
		expect(a.clock.timers.size).toBe(0);
		expect([...a.shown, ...b.shown].map((r) => r.text)).toEqual(['once']);
		a.scheduler.stop();
		b.scheduler.stop();
	});
});
