// Validation behind the settings sections: a field's text becomes a Settings value, or an error
// to show.
import * as v from 'valibot';
import { SETTING_BOUNDS } from '$lib/types/setting-bounds';
import type { Settings } from '$lib/types/settings';

export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The settings that take whole numbers. */
export type NumberKey = {
	[K in keyof typeof SETTING_BOUNDS]: (typeof SETTING_BOUNDS)[K]['integer'] extends true
		? K
		: never;
}[keyof typeof SETTING_BOUNDS];

export type UrlKey =
	'searxngUrl' | 'wikipediaUrl' | 'openMeteoUrl' | 'openMeteoGeocodingUrl' | 'pythonPackagesUrl';

function result<T>(outcome: v.SafeParseResult<v.GenericSchema<unknown, T>>): FieldResult<T> {
	if (outcome.success) return { ok: true, value: outcome.output };
	return { ok: false, error: outcome.issues[0]?.message ?? 'This value is not valid.' };
}

function numberSchema(key: NumberKey) {
	const { min, max } = SETTING_BOUNDS[key];
	const message = `Enter a whole number from ${min} to ${max}.`;
	return v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty(message),
		v.transform(Number),
		v.number(message),
		v.integer(message),
		v.minValue(min, message),
		v.maxValue(max, message)
	);
}

export function parseWholeNumber(key: NumberKey, raw: string): FieldResult<number> {
	return result(v.safeParse(numberSchema(key), raw));
}

const URL_MESSAGE = 'Enter a full address starting with http:// or https://.';

function isHttpUrl(text: string): boolean {
	try {
		const url = new URL(text);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}

const httpUrl = v.pipe(v.string(), v.trim(), v.check(isHttpUrl, URL_MESSAGE));

/**
 * A service address. SearXNG may be left empty (not set up); the Python packages URL is a folder
 * (files resolve relative to it) so it keeps one trailing slash; the others lose theirs.
 */
export function parseServiceUrl(key: UrlKey, raw: string): FieldResult<string> {
	const text = raw.trim();
	if (key === 'searxngUrl' && text === '') return { ok: true, value: '' };
	const parsed = result(v.safeParse(httpUrl, text));
	if (!parsed.ok) return parsed;
	const bare = parsed.value.replace(/\/+$/, '');
	return { ok: true, value: key === 'pythonPackagesUrl' ? `${bare}/` : bare };
}

const HOST_MESSAGE = 'Enter a host name or address, optionally with a port, like 192.168.1.5:8080.';
const HOST_PATTERN = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function validHostName(host: string): boolean {
	if (host.startsWith('[')) {
		try {
			// The URL parser is the reference for what an IPv6 literal is.
			return new URL(`http://${host}/`).hostname === host;
		} catch {
			return false;
		}
	}
	return host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

function normalizeHost(raw: string): string | null {
	// A pasted address ("http://nas.local:8080/") is accepted for its host and port.
	const text = raw
		.trim()
		.toLowerCase()
		.replace(/^https?:\/\//, '')
		.replace(/\/$/, '');
	const match = HOST_PATTERN.exec(text);
	if (!match) return null;
	const [, host = '', port] = match;
	if (!validHostName(host)) return null;
	if (port !== undefined) {
		const n = Number(port);
		if (n < 1 || n > 65535) return null;
		return `${host}:${n}`;
	}
	return host;
}

const hostSchema = v.pipe(
	v.string(),
	v.transform(normalizeHost),
	v.string(HOST_MESSAGE) // null (not a host) fails here with the message
);

/** "host" or "host:port", lower-cased; IPv6 in brackets. */
export function parseHost(raw: string): FieldResult<string> {
	return result(v.safeParse(hostSchema, raw));
}

/** The list with one more host, or why it cannot be added. */
export function addHost(hosts: readonly string[], raw: string): FieldResult<string[]> {
	const parsed = parseHost(raw);
	if (!parsed.ok) return parsed;
	if (hosts.includes(parsed.value))
		return { ok: false, error: `${parsed.value} is already allowed.` };
	return { ok: true, value: [...hosts, parsed.value] };
}

/** A tool the user never switched uses its own default. */
export function isToolEnabled(
	settings: Pick<Settings, 'toolsEnabled'>,
	tool: { name: string; defaultEnabled: boolean }
): boolean {
	return settings.toolsEnabled[tool.name] ?? tool.defaultEnabled;
}
