import { describe, expect, it } from 'vitest';
import {
	addHost,
	isToolEnabled,
	parseHost,
	parseServiceUrl,
	parseWholeNumber
} from './settings-fields';

describe('parseWholeNumber', () => {
	it('accepts whole numbers within the bounds', () => {
		expect(parseWholeNumber('pythonTimeoutSeconds', ' 600 ')).toEqual({ ok: true, value: 600 });
		expect(parseWholeNumber('maxToolSteps', '1')).toEqual({ ok: true, value: 1 });
		expect(parseWholeNumber('maxToolCalls', '50')).toEqual({ ok: true, value: 50 });
		expect(parseWholeNumber('maxTokens', '131072')).toEqual({ ok: true, value: 131072 });
	});

	it.each([
		['pythonTimeoutSeconds', '0', 'Enter a whole number from 1 to 600.'],
		['pythonTimeoutSeconds', '601', 'Enter a whole number from 1 to 600.'],
		['maxToolSteps', '21', 'Enter a whole number from 1 to 20.'],
		['maxToolSteps', '2.5', 'Enter a whole number from 1 to 20.'],
		['maxToolCalls', '', 'Enter a whole number from 1 to 50.'],
		['maxToolCalls', 'ten', 'Enter a whole number from 1 to 50.'],
		['maxTokens', '0', 'Enter a whole number from 1 to 131072.'],
		['maxTokens', '1e9', 'Enter a whole number from 1 to 131072.']
	] as const)('%s refuses %j', (key, raw, error) => {
		expect(parseWholeNumber(key, raw)).toEqual({ ok: false, error });
	});
});

describe('parseServiceUrl', () => {
	it('trims and drops trailing slashes', () => {
		expect(parseServiceUrl('wikipediaUrl', ' https://de.wikipedia.org/ ')).toEqual({
			ok: true,
			value: 'https://de.wikipedia.org'
		});
	});

	it('keeps the packages URL a folder', () => {
		expect(parseServiceUrl('pythonPackagesUrl', 'http://10.0.0.2:8000/pyodide')).toEqual({
			ok: true,
			value: 'http://10.0.0.2:8000/pyodide/'
		});
	});

	it('allows an empty SearXNG address only', () => {
		expect(parseServiceUrl('searxngUrl', '  ')).toEqual({ ok: true, value: '' });
		expect(parseServiceUrl('openMeteoUrl', '').ok).toBe(false);
	});

	it('refuses other schemes and non-URLs', () => {
		for (const raw of ['ftp://x.org', 'javascript:alert(1)', 'example.com', 'file:///etc']) {
			expect(parseServiceUrl('searxngUrl', raw)).toEqual({
				ok: false,
				error: 'Enter a full address starting with http:// or https://.'
			});
		}
	});
});

describe('parseHost', () => {
	it.each([
		['192.168.1.5:8080', '192.168.1.5:8080'],
		['NAS.local', 'nas.local'],
		['localhost', 'localhost'],
		[' my-box:80 ', 'my-box:80'],
		['[::1]:11434', '[::1]:11434'],
		['[fd00::1]', '[fd00::1]'],
		['http://nas.local:8080/', 'nas.local:8080'],
		['host:0080', 'host:80']
	])('accepts %j as %j', (raw, host) => {
		expect(parseHost(raw)).toEqual({ ok: true, value: host });
	});

	it.each([
		'',
		'nas.local/path',
		'user@nas.local',
		'nas local',
		'host:0',
		'host:65536',
		'-bad.example',
		'a..b',
		'ftp://host',
		'[not-ipv6]',
		'::1',
		'host:',
		`${'a'.repeat(64)}.com`
	])('refuses %j', (raw) => {
		const parsed = parseHost(raw);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(parsed.error).toMatch(/host name or address/);
	});
});

describe('addHost', () => {
	it('appends a new host in normal form', () => {
		expect(addHost(['a.local'], 'B.local:81')).toEqual({
			ok: true,
			value: ['a.local', 'b.local:81']
		});
	});

	it('refuses a duplicate', () => {
		expect(addHost(['b.local:81'], 'b.LOCAL:81')).toEqual({
			ok: false,
			error: 'b.local:81 is already allowed.'
		});
	});
});

describe('isToolEnabled', () => {
	const tool = { name: 'web_search', defaultEnabled: true };

	it('uses the default until the user switches it', () => {
		expect(isToolEnabled({ toolsEnabled: {} }, tool)).toBe(true);
		expect(isToolEnabled({ toolsEnabled: { web_search: false } }, tool)).toBe(false);
		expect(
			isToolEnabled({ toolsEnabled: { other: true } }, { ...tool, defaultEnabled: false })
		).toBe(false);
	});
});
