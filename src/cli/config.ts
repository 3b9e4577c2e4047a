// `hearth config`: the settings Hearth runs with, by config.yaml's keys (ai.temperature,
// features.web_search…). `set` keeps a value in the store's settings table (the web app's
// Settings: what a backup carries); config.yaml's own keys and the environment still win, and
// `set` says so when one of them does.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { parseDocument, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { HearthConfig } from '$lib/config/config-schema';
import {
	completeConfig,
	configFromSettings,
	settingsFromConfig
} from '$lib/config/config-settings';
import { parseConfigYaml } from '$lib/config/config-yaml';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { NodeRuntime } from '../node/runtime';
import { EXIT } from './exit-codes';
import type { CliValues } from './main';
import { terminalOutput } from './render';

/** Which environment variable sets which key (config-file.ts applyEnvironment). */
const FROM_ENVIRONMENT: Record<string, string> = {
	OLLAMA_HOST: 'engines.ollama.url',
	OPENAI_BASE_URL: 'engines.openai.url',
	OPENAI_API_KEY: 'engines.openai.api_key'
};

const SECRET = 'engines.openai.api_key';

function valueAt(config: HearthConfig, key: string): { found: boolean; value?: unknown } {
	let at: unknown = config;
	for (const part of key.split('.')) {
		if (typeof at !== 'object' || at === null || Array.isArray(at) || !(part in at)) {
			return { found: false };
		}
		at = (at as Record<string, unknown>)[part];
	}
	return { found: true, value: at };
}

function nested(key: string, value: unknown): Record<string, unknown> {
	return key.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<
		string,
		unknown
	>;
}

/** The line config.yaml sets `key` on, or 0 when it does not. */
async function fileLine(file: string, key: string): Promise<number> {
	const text = await readFile(file, 'utf8').catch(() => '');
	if (!text) return 0;
	const doc = parseDocument(text);
	const node = doc.getIn(key.split('.'), true) as { range?: [number, number, number] } | undefined;
	if (!node?.range) return 0;
	return text.slice(0, node.range[0]).split('\n').length;
}

function shown(key: string, value: unknown): string {
	if (key === SECRET && value) return '(set; not shown)';
	return typeof value === 'object' ? stringifyYaml(value).trimEnd() : String(value);
}

export async function configCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const out = terminalOutput();
	const notes = terminalOutput(process.stderr);
	const [action, key, ...rest] = args;
	const configFile = runtime.paths.configFile;
	if (!action) {
		const effective = structuredClone(runtime.config.effective);
		if (effective.engines.openai.api_key) effective.engines.openai.api_key = '(set; not shown)';
		out.write(values.json ? `${JSON.stringify(effective, null, 2)}\n` : stringifyYaml(effective));
		return EXIT.ok;
	}
	if ((action !== 'get' && action !== 'set') || !key) {
		notes.write('hearth: config get KEY, or config set KEY VALUE (e.g. ai.temperature 0.2)\n');
		return EXIT.usage;
	}
	const current = valueAt(runtime.config.effective, key);
	if (!current.found || (typeof current.value === 'object' && !Array.isArray(current.value))) {
		notes.write(
			`hearth: ${key} is not a setting; hearth config lists them (as section.key, e.g. ai.temperature)\n`
		);
		return EXIT.usage;
	}
	const variable = Object.entries(FROM_ENVIRONMENT).find(
		([name, path]) => path === key && runtime.config.fromEnvironment.includes(name)
	)?.[0];
	const line = await fileLine(configFile, key);
	const source = variable ?? (line ? `${configFile}:${line}` : 'settings');
	if (action === 'get') {
		const value = key === SECRET && current.value ? '(set; not shown)' : current.value;
		out.write(
			values.json ? `${JSON.stringify({ key, value, source })}\n` : `${shown(key, current.value)}\n`
		);
		return EXIT.ok;
	}
	if (rest.length === 0) {
		notes.write(`hearth: config set ${key} needs a value\n`);
		return EXIT.usage;
	}
	// The value is YAML, as in config.yaml: 0.2 is a number, true a flag, [a, b] a list.
	let value: unknown;
	try {
		value = parseYaml(rest.join(' '));
	} catch {
		value = rest.join(' ');
	}
	// Checked by the config's own schema, so the message is the one config.yaml would get.
	const checked = parseConfigYaml(stringifyYaml(nested(key, value)));
	if (!checked.ok) {
		const problem = checked.problems[0]!;
		notes.write(`hearth: ${problem.path || key} ${problem.message}\n`);
		return EXIT.usage;
	}
	const stored = runtime.settingsStore.read() ?? DEFAULT_SETTINGS;
	const input = valueAt(checked.config, key).value;
	const next = settingsFromConfig(
		completeConfig(nested(key, input), configFromSettings(stored, {})),
		stored
	);
	// Keys the web app's settings do not hold (files, commands, server, llama.cpp…) stay in the file.
	if (!isDeepStrictEqual(valueAt(configFromSettings(next, {}), key).value, input)) {
		notes.write(
			`hearth: ${key} is kept in config.yaml only (${configFile}); the settings table holds what the web app has too\n`
		);
		return EXIT.usage;
	}
	runtime.settingsStore.write(next);
	if (!values.json) notes.write(`${key} = ${shown(key, input)} (saved in the settings table)\n`);
	else out.write(`${JSON.stringify({ key, value: key === SECRET ? undefined : input })}\n`);
	if (variable) notes.write(`Note: ${variable} is set and wins over this setting.\n`);
	else if (line) {
		notes.write(`Note: ${configFile}:${line} sets ${key}, which wins over this setting.\n`);
	}
	return EXIT.ok;
}
