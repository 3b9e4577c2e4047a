import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HearthConfig } from '$lib/config/config-schema';
import { defaultConfig } from '$lib/config/config-settings';
import { formatProblems, parseConfigYaml, stringifyConfigYaml } from '$lib/config/config-yaml';
import { HearthError } from '$lib/types/errors';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './paths';

export interface LoadedConfig {
	/** What the file says, defaults filled in (what a save writes back). */
	file: HearthConfig;
	/** `file` with the environment's overrides: what Hearth runs with. */
	effective: HearthConfig;
	/** False when there is no config file yet (the defaults are in use). */
	exists: boolean;
	/** The environment variables that overrode the file, by name (never their values). */
	fromEnvironment: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const OLLAMA_PORT = 11434;

/**
 * OLLAMA_HOST as Ollama's own CLI reads it: "host", "host:port" or a URL; no scheme means http,
 * no port means 11434. 0.0.0.0 is where a server listens, not an address to call: loopback.
 */
export function ollamaUrlFromHost(value: string): string {
	const trimmed = value.trim();
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
	const url = new URL(withScheme);
	if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
	if (url.hostname === '[::]') url.hostname = '[::1]';
	if (!url.port && !/^[a-z]+:\/\/[^/]*:\d+/i.test(withScheme)) url.port = String(OLLAMA_PORT);
	return url.toString().replace(/\/+$/, '');
}

/** The conventions people already set for other tools win over the file. */
export function applyEnvironment(
	config: HearthConfig,
	env: Env = process.env
): { config: HearthConfig; applied: string[] } {
	const applied: string[] = [];
	const ollama = { ...config.engines.ollama };
	const openai = { ...config.engines.openai };
	if (env.OLLAMA_HOST?.trim()) {
		try {
			ollama.url = ollamaUrlFromHost(env.OLLAMA_HOST);
			applied.push('OLLAMA_HOST');
		} catch (e) {
			throw new HearthError(
				'import_invalid',
				`OLLAMA_HOST="${env.OLLAMA_HOST}" is not an address (try 127.0.0.1:11434).`,
				{ cause: e }
			);
		}
	}
	if (env.OPENAI_BASE_URL?.trim()) {
		openai.url = env.OPENAI_BASE_URL.trim();
		applied.push('OPENAI_BASE_URL');
	}
	if (env.OPENAI_API_KEY?.trim()) {
		openai.api_key = env.OPENAI_API_KEY.trim();
		applied.push('OPENAI_API_KEY');
	}
	return { config: { ...config, engines: { ...config.engines, ollama, openai } }, applied };
}

/**
 * Reads config.yaml (a missing file is the defaults). A file with mistakes throws import_invalid
 * (the code the web app's import of the same file uses)
 * listing each as "config.yaml:7:3: ai.temperature must be …", so nothing runs on a half-read
 * config.
 */
export async function loadConfig(
	file: string,
	env: Env = process.env,
	/** What a key the file leaves out takes (the settings table's values, over the defaults). */
	defaults: HearthConfig = defaultConfig()
): Promise<LoadedConfig> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw new HearthError('import_invalid', `Hearth could not read ${file}: ${String(e)}`, {
				cause: e
			});
		}
		const { config, applied } = applyEnvironment(defaults, env);
		return { file: defaults, effective: config, exists: false, fromEnvironment: applied };
	}
	const parsed = parseConfigYaml(text, defaults);
	if (!parsed.ok) {
		throw new HearthError('import_invalid', formatProblems(path.basename(file), parsed.problems));
	}
	const { config, applied } = applyEnvironment(parsed.config, env);
	return { file: parsed.config, effective: config, exists: true, fromEnvironment: applied };
}

/**
 * Writes config.yaml whole or not at all (a temporary file renamed over it), readable by its
 * owner only: it may hold an API key.
 */
export async function saveConfig(file: string, config: HearthConfig): Promise<void> {
	await ensurePrivateDir(path.dirname(file));
	const temporary = `${file}.${randomUUID()}.tmp`;
	try {
		await writeFile(temporary, stringifyConfigYaml(config), {
			mode: PRIVATE_FILE_MODE,
			flag: 'wx'
		});
		await rename(temporary, file);
	} catch (e) {
		await rm(temporary, { force: true });
		throw new HearthError('storage_failed', `Hearth could not write ${file}: ${String(e)}`, {
			cause: e
		});
	}
}
