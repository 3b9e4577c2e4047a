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
		// workbox-window reloads only when the page was already controlled at registration; on a
		// first visit it was not, so reload ourselves once the new worker takes over.
		navigator.serviceWorker?.addEventListener('controllerchange', () => location.reload(), {
			once: true
		});
		await this.#update?.(true);
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
