/** The event Chromium fires when the app can be installed (not in lib.dom yet). */
interface BeforeInstallPromptEvent extends Event {
	prompt(): Promise<void>;
	userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

/** Service-worker updates ("new version → reload") and the install button. */
export class PwaState {
	needRefresh = $state(false);
	offlineReady = $state(false);
	canInstall = $state(false);
	#update: ((reload?: boolean) => Promise<void>) | null = null;
	#installEvent: BeforeInstallPromptEvent | null = null;

	async start(): Promise<void> {
		window.addEventListener('beforeinstallprompt', (event) => {
			event.preventDefault(); // show our own button instead of the mini-infobar
			this.#installEvent = event as BeforeInstallPromptEvent;
			this.canInstall = true;
		});
		window.addEventListener('appinstalled', () => {
			this.canInstall = false;
			this.#installEvent = null;
		});
		if (!('serviceWorker' in navigator)) return;
		const { registerSW } = await import('virtual:pwa-register');
		this.#update = registerSW({
			immediate: true,
			onNeedRefresh: () => (this.needRefresh = true),
			onOfflineReady: () => (this.offlineReady = true),
			onRegisterError: (error: unknown) =>
				console.error('Service worker registration failed', error)
		});
	}

	/** Activates the waiting service worker; the page reloads into the new version. */
	async applyUpdate(): Promise<void> {
		// Reload once the new worker has taken over. A page from a first visit has no controller:
		// no controllerchange will come, and the new worker did not even wait, so reload now.
		const sw = navigator.serviceWorker;
		const waiting = (await sw?.getRegistration())?.waiting;
		if (sw?.controller) {
			sw.addEventListener('controllerchange', () => location.reload(), { once: true });
		} else if (waiting) {
			waiting.addEventListener('statechange', () => {
				if (waiting.state === 'activated') location.reload();
			});
		}
		await this.#update?.(true);
		if (!sw?.controller && !waiting) location.reload();
	}

	dismissUpdate(): void {
		this.needRefresh = false;
	}

	async install(): Promise<void> {
		const event = this.#installEvent;
		if (!event) return;
		await event.prompt();
		await event.userChoice;
		this.#installEvent = null;
		this.canInstall = false;
	}
}
