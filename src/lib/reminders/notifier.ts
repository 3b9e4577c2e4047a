import type { Reminder } from '$lib/types/agent-data';

export type NotifyPermission = NotificationPermission | 'unsupported';

/** Where a reminder showed: the system's notification area, or inside Hearth (a toast). */
export type NotifyChannel = 'system' | 'in-app';

export interface ReminderNotifier {
	permission(): NotifyPermission;
	/** Asks the browser; call it from a user action (setting a reminder, a button). */
	requestPermission(): Promise<NotifyPermission>;
	notify(reminder: Reminder): Promise<NotifyChannel>;
}

/** The browser pieces the notifier uses: the real ones by default, fakes in tests. */
export interface NotifierEnv {
	Notification?: {
		readonly permission: NotificationPermission;
		requestPermission(): Promise<NotificationPermission>;
		new (title: string, options?: NotificationOptions): unknown;
	};
	serviceWorker?: {
		ready: Promise<{ showNotification(title: string, o?: NotificationOptions): Promise<void> }>;
	};
	/** How long to wait for a service worker that may never become ready (none registered). */
	readyTimeoutMs?: number;
}

function browserEnv(): NotifierEnv {
	return {
		Notification: typeof Notification === 'undefined' ? undefined : Notification,
		serviceWorker: typeof navigator === 'undefined' ? undefined : navigator.serviceWorker
	};
}

const TITLE = 'Hearth reminder';

/**
 * Shows reminders through the service worker's registration when there is one (the only way on
 * Android and in installed apps, where `new Notification` throws), else `new Notification`, else
 * `onInApp` (the app shows a toast). Without permission it goes straight to `onInApp`.
 */
export function createBrowserNotifier(
	onInApp: (reminder: Reminder) => void,
	env: NotifierEnv = browserEnv()
): ReminderNotifier {
	const timeoutMs = env.readyTimeoutMs ?? 3000;

	async function viaServiceWorker(reminder: Reminder): Promise<boolean> {
		if (!env.serviceWorker) return false;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const timeout = new Promise<null>((resolve) => {
			timer = setTimeout(() => resolve(null), timeoutMs);
		});
		try {
			const registration = await Promise.race([env.serviceWorker.ready, timeout]);
			if (!registration) return false;
			// The tag makes a second tab's copy of the same reminder replace the first, not stack.
			await registration.showNotification(TITLE, {
				body: reminder.text,
				tag: `reminder-${reminder.id}`
			});
			return true;
		} catch {
			return false;
		} finally {
			clearTimeout(timer);
		}
	}

	function viaConstructor(reminder: Reminder): boolean {
		if (!env.Notification) return false;
		try {
			new env.Notification(TITLE, { body: reminder.text, tag: `reminder-${reminder.id}` });
			return true;
		} catch {
			// Chrome on Android: "Illegal constructor. Use ServiceWorkerRegistration.showNotification()".
			return false;
		}
	}

	return {
		permission: () => env.Notification?.permission ?? 'unsupported',
		async requestPermission() {
			if (!env.Notification) return 'unsupported';
			if (env.Notification.permission !== 'default') return env.Notification.permission;
			try {
				return await env.Notification.requestPermission();
			} catch {
				return env.Notification.permission;
			}
		},
		async notify(reminder) {
			if (env.Notification?.permission === 'granted') {
				if ((await viaServiceWorker(reminder)) || viaConstructor(reminder)) return 'system';
			}
			onInApp(reminder);
			return 'in-app';
		}
	};
}
