// Settings in the terminal and the API: the web app's Settings, one row in the SQLite file's
// `settings` table (key 'settings', as the browser's Dexie row). config.yaml's explicit keys and
// the environment win over it (node/runtime.ts layers them); `hearth config set` and a backup
// from the browser write it.
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import { sqliteError, type Db } from './sqlite-schema';

const KEY = 'settings';

export class SqliteSettings {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	/** The stored settings over the defaults (a setting added since is its default); none saved: undefined. */
	read(): Settings | undefined {
		try {
			const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as
				{ value: string } | undefined;
			if (!row) return undefined;
			return { ...DEFAULT_SETTINGS, ...(JSON.parse(row.value) as Partial<Settings>) };
		} catch (e) {
			throw sqliteError(e);
		}
	}

	write(settings: Settings): void {
		try {
			this.#db
				.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)')
				.run(KEY, JSON.stringify(settings));
		} catch (e) {
			throw sqliteError(e);
		}
	}

	/** Stores `settings` only when none are stored yet (a backup's, as the browser does); true if it did. */
	addIfNone(settings: Settings): boolean {
		try {
			const { changes } = this.#db
				.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)')
				.run(KEY, JSON.stringify(settings));
			return changes > 0;
		} catch (e) {
			throw sqliteError(e);
		}
	}
}
