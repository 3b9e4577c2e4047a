import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/** Where the terminal and the API keep their things. */
export interface HearthPaths {
	/** Conversations, models, the API token: `$XDG_DATA_HOME/hearth` or ~/.local/share/hearth. */
	dataDir: string;
	/** config.yaml: `$XDG_CONFIG_HOME/hearth` or ~/.config/hearth. */
	configDir: string;
	configFile: string;
	/** The conversation store (SQLite). */
	databaseFile: string;
	/** GGUF models downloaded by Hearth. */
	modelsDir: string;
	/** Embedding models (transformers.js, the hub's layout), placed there by the person. */
	embeddingsDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The XDG folders, or one folder for everything when HEARTH_HOME is set (tests, a portable
 * install). XDG says relative values are to be ignored, and so they are.
 */
export function hearthPaths(env: Env = process.env, home = homedir()): HearthPaths {
	const absolute = (value: string | undefined) =>
		value && path.isAbsolute(value) ? value : undefined;
	const own = absolute(env.HEARTH_HOME);
	const dataDir =
		own ?? path.join(absolute(env.XDG_DATA_HOME) ?? path.join(home, '.local', 'share'), 'hearth');
	const configDir =
		own ?? path.join(absolute(env.XDG_CONFIG_HOME) ?? path.join(home, '.config'), 'hearth');
	return {
		dataDir,
		configDir,
		configFile: path.join(configDir, 'config.yaml'),
		databaseFile: path.join(dataDir, 'hearth.db'),
		modelsDir: path.join(dataDir, 'models'),
		embeddingsDir: path.join(dataDir, 'embeddings')
	};
}

/** File modes of what Hearth writes: only its owner may read conversations, keys and tokens. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and parents) readable by its owner only. An existing folder is narrowed to 0700
 * too: mkdir's mode is filtered by the umask and ignored for folders that already exist.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
	await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
	await chmod(dir, PRIVATE_DIR_MODE);
}
