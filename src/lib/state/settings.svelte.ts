import type { HearthDb } from '$lib/storage/db';
import { saveSettings } from '$lib/storage/settings-repo';
import type { HearthError } from '$lib/types/errors';
import type { Settings, Theme } from '$lib/types/settings';

const THEME_KEY = 'hearth.theme';

/** Applies the theme now and remembers it where app.html's first-paint script can read it. */
export function applyTheme(theme: Theme): void {
	const root = document.documentElement;
	if (theme === 'system') delete root.dataset.theme;
	else root.dataset.theme = theme;
	try {
		localStorage.setItem(THEME_KEY, theme);
	} catch {
		// Storage blocked: the theme still applies for this visit.
	}
}

export class SettingsState {
	value = $state<Settings>() as Settings;
	#db: HearthDb;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#onError: (e: HearthError) => void;

	constructor(db: HearthDb, initial: Settings, onError: (e: HearthError) => void) {
		this.#db = db;
		this.value = initial;
		this.#onError = onError;
		applyTheme(initial.theme);
	}

	/**
	 * Applies a change and saves it: at once when `immediate` (a whole file imported, a choice
	 * made once), otherwise 300 ms after the last change (sliders fire many).
	 */
	update(patch: Partial<Settings>, immediate = false): void {
		this.value = { ...this.value, ...patch };
		if (patch.theme) applyTheme(patch.theme);
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.flush(), immediate ? 0 : 300);
	}

	/** Saves a change still waiting for its slider to settle (the page is being hidden). */
	flush(): void {
		if (!this.#timer) return;
		clearTimeout(this.#timer);
		this.#timer = null;
		saveSettings(this.#db, $state.snapshot(this.value)).catch(this.#onError);
	}
}
