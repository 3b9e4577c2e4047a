import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { freshDb } from '$lib/storage/test-db';
import { dexieReminderRows, ReminderStore } from '$lib/reminders/store';
import { createReminderTools } from '$lib/tools/reminders';
import type { NotifyPermission } from '$lib/reminders/notifier';
import { WHEN_HEARTH_IS_CLOSED } from '$lib/reminders/format';
import { HearthError } from '$lib/types/errors';
import type { ToolContext } from '$lib/tools/types';

const NOW = Date.UTC(2025, 2, 3, 13, 5);
const ctx = { conversationId: 'conv-1' } as ToolContext;

function setup(initial: NotifyPermission = 'default') {
	let ids = 0;
	const store = new ReminderStore(dexieReminderRows(freshDb()), { newId: () => `r${++ids}` });
	let permission = initial;
	const asked: number[] = [];
	const notifier = {
		permission: () => permission,
		requestPermission: async () => {
			asked.push(1);
			permission = 'denied';
			return permission;
		}
	};
	const [set, list, cancel] = createReminderTools({
		store,
		notifier,
		now: () => NOW,
		timeZone: 'UTC'
	});
	return { store, set, list, cancel, asked };
}

async function rejects(p: Promise<unknown>): Promise<HearthError> {
	const e = await p.catch((err: unknown) => err);
	expect(e).toBeInstanceOf(HearthError);
	return e as HearthError;
}

describe('reminder tools', () => {
	it('set_reminder is a side effect that names the time, stores it, and asks for notifications once', async () => {
		const { store, set, asked } = setup();
		expect(set.sideEffect).toBe(true);
		const args = v.parse(set.schema, { text: ' Call mum ', when: 'in 20 minutes' });
		expect(set.describe(args)).toMatch(
			/^Remind you "Call mum" on Mon,? 3 Mar 2025,? 13:25 \(in 20 minutes\)\.$/
		);
		const result = await set.run(args, ctx);
		expect(result.content).toContain('id r1');
		expect(result.content).toContain('Notifications are off');
		expect(result.content).toContain(WHEN_HEARTH_IS_CLOSED);
		expect(await store.list()).toEqual([
			{
				id: 'r1',
				text: 'Call mum',
				dueAt: NOW + 20 * 60_000,
				createdAt: NOW,
				status: 'scheduled',
				conversationId: 'conv-1'
			}
		]);
		await set.run(v.parse(set.schema, { text: 'Again', when: 'tomorrow 08:00' }), ctx);
		expect(asked).toHaveLength(1);
	});

	it('refuses past and unreadable times before anyone is asked', () => {
		const { set } = setup();
		const past = v.safeParse(set.schema, { text: 'x', when: '2025-03-03T09:00' });
		expect(past.success).toBe(false);
		expect(past.issues?.[0]?.message).toMatch(/already in the past/);
		const vague = v.safeParse(set.schema, { text: 'x', when: 'later-ish' });
		expect(vague.issues?.[0]?.message).toMatch(/Can't read "later-ish"/);
	});

	it('lists upcoming reminders with ids, and all of them on request', async () => {
		const { set, list, cancel } = setup('granted');
		expect((await list.run({}, ctx)).content).toBe('No upcoming reminders.');
		await set.run({ text: 'Later', when: 'in 2 hours' }, ctx);
		await set.run({ text: 'Sooner', when: 'in 5 minutes' }, ctx);
		await cancel.run({ id: 'r1' }, ctx);
		const upcoming = await list.run({}, ctx);
		expect(upcoming.content).toMatch(/^- id r2: "Sooner", .*\(in 5 minutes\) \[scheduled\]$/);
		const all = await list.run({ include: 'all' }, ctx);
		expect(all.content.split('\n')).toHaveLength(2);
		expect(all.content).toContain('[cancelled]');
	});

	it('cancel_reminder names the reminder when asking, and explains unknown or finished ones', async () => {
		const { store, set, cancel } = setup('granted');
		await set.run({ text: 'Stretch', when: 'in 1 hour' }, ctx);
		expect(cancel.sideEffect).toBe(true);
		expect(cancel.describe({ id: 'r1' })).toMatch(/^Cancel the reminder "Stretch" set for /);
		expect((await cancel.run({ id: 'r1' }, ctx)).content).toBe('Cancelled "Stretch".');
		expect((await store.get('r1'))?.status).toBe('cancelled');
		const again = await rejects(cancel.run({ id: 'r1' }, ctx));
		expect([again.code, again.message]).toEqual([
			'tool_failed',
			'That reminder is already cancelled.'
		]);
		const unknown = await rejects(cancel.run({ id: 'nope' }, ctx));
		expect(unknown.code).toBe('tool_invalid_args');
		expect(cancel.describe({ id: 'nope' })).toBe('Cancel the reminder with id nope.');
	});
});
