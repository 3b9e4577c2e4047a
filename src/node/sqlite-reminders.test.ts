import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WHEN_NO_REPL_RUNS } from '$lib/reminders/format';
import type { ReminderNotifier } from '$lib/reminders/notifier';
import { MISSED_GRACE_MS, ReminderScheduler, type SchedulerClock } from '$lib/reminders/scheduler';
import { ReminderStore } from '$lib/reminders/store';
import { createReminderTools } from '$lib/tools/reminders';
import type { ToolContext } from '$lib/tools/types';
import type { Reminder } from '$lib/types/agent-data';
import { SqliteChatStore } from './sqlite-chat-store';
import { sqliteReminderRows } from './sqlite-reminders';

let dir: string;
let file: string;
const opened: SqliteChatStore[] = [];

async function open(): Promise<ReminderStore> {
	const store = await SqliteChatStore.open(file);
	opened.push(store);
	return new ReminderStore(sqliteReminderRows(store.db));
}

const NOW = Date.UTC(2026, 11, 7, 22, 0);

/** Time that moves only when told; timers run when it passes them. */
class FakeClock implements SchedulerClock {
	time = NOW;
	timers: { at: number; run: () => void }[] = [];
	now = () => this.time;
	setTimeout = (run: () => void, ms: number) => {
		const timer = { at: this.time + ms, run };
		this.timers.push(timer);
		return timer;
	};
	clearTimeout = (handle: unknown) => {
		this.timers = this.timers.filter((t) => t !== handle);
	};
	async advance(ms: number) {
		this.time += ms;
		for (const t of this.timers.filter((t) => t.at <= this.time)) {
			this.timers = this.timers.filter((x) => x !== t);
			t.run();
		}
		for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
	}
}

function notifier(shown: Reminder[]): ReminderNotifier {
	return {
		permission: () => 'granted',
		requestPermission: async () => 'granted',
		notify: async (r) => {
			shown.push(r);
			return 'in-app';
		}
	};
}

beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-reminders-'));
	file = path.join(dir, 'hearth.db');
});
afterEach(async () => {
	for (const s of opened.splice(0)) s.close();
	await rm(dir, { recursive: true, force: true });
});

describe('reminders in the SQLite store', () => {
	it('the reminder tool stores one that a later process lists, fires once, and cannot cancel twice', async () => {
		const first = await open();
		const [set] = createReminderTools({
			store: first,
			notifier: notifier([]),
			now: () => NOW,
			whenClosed: WHEN_NO_REPL_RUNS
		});
		const reply = await set!.run({ text: 'check the oven', when: 'in 20 minutes' }, {
			conversationId: 'c1'
		} as ToolContext);
		expect(reply.content).toContain('"check the oven"');
		expect(reply.content).toContain(WHEN_NO_REPL_RUNS);

		// Another process: the same file, its own connection.
		const second = await open();
		const [listed] = await second.list(['scheduled']);
		expect(listed).toMatchObject({
			text: 'check the oven',
			dueAt: NOW + 20 * 60_000,
			status: 'scheduled',
			conversationId: 'c1'
		});
		expect(await second.dueBy(NOW + 19 * 60_000)).toEqual([]);
		expect(await second.dueBy(NOW + 20 * 60_000)).toHaveLength(1);

		// Two schedulers racing for it: exactly one settles it.
		const settled = await Promise.all([
			first.settle(listed!.id, 'fired'),
			second.settle(listed!.id, 'fired')
		]);
		expect(settled.filter(Boolean)).toHaveLength(1);
		expect((await first.get(listed!.id))?.status).toBe('fired');
		await expect(second.cancel(listed!.id)).rejects.toMatchObject({ code: 'tool_failed' });
		await expect(second.cancel('nope')).rejects.toMatchObject({ code: 'tool_invalid_args' });
	});

	it('the scheduler reports what passed while closed as missed, once, and fires what comes due', async () => {
		const store = await open();
		await store.add({ text: 'yesterday', dueAt: NOW - 86_400_000 }, NOW - 90_000_000);
		await store.add({ text: 'just now', dueAt: NOW - MISSED_GRACE_MS / 2 }, NOW - 3_600_000);
		await store.add({ text: 'soon', dueAt: NOW + 5 * 60_000 }, NOW);
		const cancelled = await store.add({ text: 'never', dueAt: NOW + 60_000 }, NOW);
		await store.cancel(cancelled.id);

		const clock = new FakeClock();
		const shown: Reminder[] = [];
		const missed: Reminder[][] = [];
		const scheduler = new ReminderScheduler({
			store,
			notifier: notifier(shown),
			clock,
			onMissed: (m) => missed.push(m)
		});
		await scheduler.start();
		await clock.advance(0);
		expect(missed.map((list) => list.map((r) => r.text))).toEqual([['yesterday']]);
		expect(shown.map((r) => r.text)).toEqual(['just now']);
		await clock.advance(4 * 60_000);
		expect(shown.map((r) => r.text)).toEqual(['just now']);
		await clock.advance(60_000);
		expect(shown.map((r) => r.text)).toEqual(['just now', 'soon']);
		scheduler.stop();

		// A restart reports nothing again: every status moved and was kept.
		const again = await open();
		const statuses = Object.fromEntries((await again.list()).map((r) => [r.text, r.status]));
		expect(statuses).toEqual({
			yesterday: 'missed',
			'just now': 'fired',
			soon: 'fired',
			never: 'cancelled'
		});
		expect(await again.dueBy(NOW + 86_400_000)).toEqual([]);
	});
});
