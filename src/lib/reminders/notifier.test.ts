import { describe, expect, it } from 'vitest';
import { createBrowserNotifier, type NotifierEnv } from '$lib/reminders/notifier';
import type { Reminder } from '$lib/types/agent-data';

const reminder: Reminder = {
	id: 'abc12345',
	text: 'Take the bread out',
	dueAt: 0,
	createdAt: 0,
	status: 'fired'
};

/** Stand-ins for the browser's Notification API and service worker (boundaries we don't own). */
function fakeNotification(
	permission: NotificationPermission,
	opts: { throws?: boolean; answer?: NotificationPermission } = {}
) {
	const shown: { title: string; options?: NotificationOptions }[] = [];
	const asked: number[] = [];
	const N = class {
		static permission = permission;
		static async requestPermission() {
			asked.push(1);
			N.permission = opts.answer ?? 'granted';
			return N.permission;
		}
		constructor(title: string, options?: NotificationOptions) {
			if (opts.throws) throw new TypeError('Illegal constructor');
			shown.push({ title, options });
		}
	};
	return { N, shown, asked };
}

function fakeServiceWorker() {
	const shown: { title: string; options?: NotificationOptions }[] = [];
	return {
		shown,
		serviceWorker: {
			ready: Promise.resolve({
				showNotification: async (title: string, options?: NotificationOptions) => {
					shown.push({ title, options });
				}
			})
		}
	};
}

describe('createBrowserNotifier', () => {
	it('prefers the service worker registration, tagged by reminder', async () => {
		const { N, shown: direct } = fakeNotification('granted');
		const sw = fakeServiceWorker();
		const inApp: Reminder[] = [];
		const n = createBrowserNotifier((r) => inApp.push(r), {
			Notification: N,
			serviceWorker: sw.serviceWorker
		});
		expect(await n.notify(reminder)).toBe('system');
		expect(sw.shown).toEqual([
			{
				title: 'Hearth reminder',
				options: { body: 'Take the bread out', tag: 'reminder-abc12345' }
			}
		]);
		expect(direct).toEqual([]);
		expect(inApp).toEqual([]);
	});

	it('falls back to new Notification when no service worker becomes ready', async () => {
		const { N, shown } = fakeNotification('granted');
		const never: NotifierEnv['serviceWorker'] = { ready: new Promise(() => {}) };
		const n = createBrowserNotifier(() => {}, {
			Notification: N,
			serviceWorker: never,
			readyTimeoutMs: 5
		});
		expect(await n.notify(reminder)).toBe('system');
		expect(shown.map((s) => s.options?.body)).toEqual(['Take the bread out']);
	});

	it('shows it inside Hearth when the constructor throws (Android), permission is missing, or there is no API', async () => {
		const inApp: Reminder[] = [];
		const throwing = fakeNotification('granted', { throws: true }).N;
		const denied = fakeNotification('denied');
		for (const env of [{ Notification: throwing }, { Notification: denied.N }, {}]) {
			expect(await createBrowserNotifier((r) => inApp.push(r), env).notify(reminder)).toBe(
				'in-app'
			);
		}
		expect(inApp).toHaveLength(3);
		expect(denied.shown).toEqual([]);
	});

	it('asks for permission only while undecided', async () => {
		const undecided = fakeNotification('default', { answer: 'granted' });
		const n = createBrowserNotifier(() => {}, { Notification: undecided.N });
		expect(n.permission()).toBe('default');
		expect(await n.requestPermission()).toBe('granted');
		expect(await n.requestPermission()).toBe('granted');
		expect(undecided.asked).toHaveLength(1);
		const none = createBrowserNotifier(() => {}, {});
		expect(none.permission()).toBe('unsupported');
		expect(await none.requestPermission()).toBe('unsupported');
	});
});
