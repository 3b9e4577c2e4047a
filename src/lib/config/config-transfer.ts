import { configFromSettings, settingsFromConfig } from '$lib/config/config-settings';
import { formatProblems, parseConfigYaml, stringifyConfigYaml } from '$lib/config/config-yaml';
import type { Settings } from '$lib/types/settings';

// The web app's side of config.yaml: Settings → Data exports the settings as the terminal's
// config file and imports one back. The mapping is config-settings.ts; this adds what a person
// sees: the file's text, which settings an import changed, and problems with their lines.

/** Larger than any real config by far; a bigger file is not a config (a log, a model, a dump). */
export const MAX_CONFIG_BYTES = 256 * 1024;

export type ConfigImport =
	{ ok: true; settings: Settings; changed: (keyof Settings)[] } | { ok: false; message: string };

/** The settings as config.yaml text (terminal-only sections take their defaults). */
export function settingsAsConfigYaml(settings: Settings): string {
	return stringifyConfigYaml(configFromSettings(settings, {}));
}

/**
 * Reads config.yaml text over `current`: what the file says wins, the rest is kept. Nothing is
 * applied when any problem is found; the message names each one as `file:line:column: …`.
 */
export function importConfigYaml(text: string, current: Settings, fileName: string): ConfigImport {
	if (text.length > MAX_CONFIG_BYTES) {
		return {
			ok: false,
			message: `${fileName} is over ${MAX_CONFIG_BYTES / 1024} KB; a config file is a few KB. Nothing was changed.`
		};
	}
	if (text.includes('\u0000')) {
		return { ok: false, message: `${fileName} is not a text file. Nothing was changed.` };
	}
	const parsed = parseConfigYaml(text, configFromSettings(current, {}));
	if (!parsed.ok) {
		return {
			ok: false,
			message: `${formatProblems(fileName, parsed.problems)}\nNothing was changed.`
		};
	}
	const settings = settingsFromConfig(parsed.config, current);
	const changed = (Object.keys(settings) as (keyof Settings)[]).filter((key) =>
		key === 'toolsEnabled'
			? toolsDiffer(settings.toolsEnabled, current.toolsEnabled)
			: JSON.stringify(settings[key]) !== JSON.stringify(current[key])
	);
	return { ok: true, settings, changed };
}

/** A tool nobody switched is on: a key written `true` by the import is no change. */
function toolsDiffer(a: Settings['toolsEnabled'], b: Settings['toolsEnabled']): boolean {
	const names = new Set([...Object.keys(a), ...Object.keys(b)]);
	return [...names].some((name) => (a[name] !== false) !== (b[name] !== false));
}
