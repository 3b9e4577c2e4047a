import type { HearthDb } from '$lib/storage/db';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import { toHearthError } from '$lib/types/errors';

export async function loadSettings(db: HearthDb): Promise<Settings> {
	const row = await db.settings.get('settings');
	// Fields added in later releases get their defaults.
	return { ...DEFAULT_SETTINGS, ...row?.value };
}

export async function saveSettings(db: HearthDb, settings: Settings): Promise<void> {
	try {
		await db.settings.put({ key: 'settings', value: settings });
	} catch (e) {
		throw toHearthError(e);
	}
}
