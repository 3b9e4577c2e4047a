import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import { SETTING_BOUNDS } from '$lib/types/setting-bounds';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

import {
	conversation,
	expectCode,
	importText,
	sampleData,
	seedRich,
	snapshot
} from '$lib/storage/export-fixtures';

describe('parseExport', () => {
	const valid = () => JSON.parse(JSON.stringify(sampleData(2, 2))) as Record<string, unknown>;
	const withMessage = (patch: Record<string, unknown>) => {
		const data = valid();
		const messages = data.messages as Record<string, unknown>[];
		messages[1] = { ...messages[1], ...patch };
		return JSON.stringify(data);
	};

	const garbage = randomBytes(4096).toString('latin1');
	const bigGarbage = randomBytes(5 * 1024 * 1024)
		.toString('base64')
		.slice(0, 5 * 1024 * 1024);
	const cases: [string, string, RegExp?][] = [
		['an empty string', '', /empty/],
		['random bytes', garbage, /not JSON/],
		['a 5 MB string of garbage', bigGarbage, /not JSON/],
		['an empty object', '{}', /not a Hearth export/],
		['null', 'null', /not a Hearth export/],
		['an array', '[1,2]', /not a Hearth export/],
		['another format', JSON.stringify({ ...valid(), format: 'chatgpt' }), /format/],
		['a newer version', JSON.stringify({ ...valid(), version: 2 }), /newer version/],
		['a bad role', withMessage({ role: 'robot' }), /messages\[1\]\.role/],
		['a bad status', withMessage({ status: 'weird' }), /messages\[1\]\.status/],
		['a numeric id', withMessage({ id: 42 }), /messages\[1\]\.id/],
		[
			'an infinite timestamp (1e999 parses to Infinity)',
			withMessage({ createdAt: 'INF' }).replace('"INF"', '1e999'),
			/messages\[1\]\.createdAt/
		],
		['a missing content', withMessage({ content: undefined }), /messages\[1\]\.content/],
		['an unknown conversation', withMessage({ conversationId: 'nope' }), /conversationId/],
		['a duplicate message id', withMessage({ id: 'c0-m0' }), /appears twice/],
		[
			'a boolean pinned',
			JSON.stringify({
				...valid(),
				conversations: [{ ...conversation('c0'), pinned: true }, conversation('c1')]
			}),
			/conversations\[0\]\.pinned/
		],
		['messages not an array', JSON.stringify({ ...valid(), messages: {} }), /messages/],
		[
			'bad settings',
			JSON.stringify({ ...valid(), settings: { temperature: 9 } }),
			/settings\.temperature/
		]
	];

	it.each(cases)(
		'rejects %s with import_invalid and leaves the db unchanged',
		async (_, text, re) => {
			const db = freshDb();
			await seedRich(db);
			const before = await snapshot(db);
			const error = await expectCode(importText(db, text), 'import_invalid');
			if (re) expect(error.message).toMatch(re);
			expect(await snapshot(db)).toEqual(before);
		}
	);

	it('accepts messages and pins from llama.cpp in the terminal, refuses an unknown engine', () => {
		const data = valid();
		const conversations = data.conversations as Record<string, unknown>[];
		const messages = data.messages as Record<string, unknown>[];
		conversations[0] = { ...conversations[0], pin: { engine: 'llamacpp', model: 'x.gguf' } };
		messages[1] = { ...messages[1], engine: 'llamacpp', model: 'x.gguf' };
		const parsed = parseExport(JSON.stringify({ ...data, conversations, messages }));
		expect(parsed.conversations[0]?.pin).toEqual({ engine: 'llamacpp', model: 'x.gguf' });
		expect(parsed.messages[1]?.engine).toBe('llamacpp');
		expect(() => parseExport(withMessage({ engine: 'kobold' }))).toThrow(/messages\[1\]\.engine/);
	});

	it('drops unknown fields and keeps unknown error codes as "unknown"', () => {
		const text = withMessage({
			extra: 'dropped',
			status: 'error',
			error: { code: 'from_the_future', message: 'x', stack: 'y' }
		});
		const parsed = parseExport(`\uFEFF${text}`);
		const m = parsed.messages[1];
		expect(m).not.toHaveProperty('extra');
		expect(m?.error).toEqual({ code: 'unknown', message: 'x' });
	});

	it('fills settings missing from an older file with defaults', () => {
		const parsed = parseExport(JSON.stringify({ ...valid(), settings: { theme: 'dark' } }));
		expect(parsed.settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
	});

	// The controls use the same ranges: whatever a user could set, a backup brings back.
	it.each(Object.entries(SETTING_BOUNDS))(
		'reads %s back at its limits, and no further',
		(key, b) => {
			const withSetting = (value: number) =>
				JSON.stringify({ ...valid(), settings: { [key]: value } });
			expect(parseExport(withSetting(b.min)).settings).toMatchObject({ [key]: b.min });
			expect(parseExport(withSetting(b.max)).settings).toMatchObject({ [key]: b.max });
			const step = b.integer ? 1 : 0.01;
			expect(() => parseExport(withSetting(b.min - step))).toThrow(new RegExp(`settings\\.${key}`));
			expect(() => parseExport(withSetting(b.max + step))).toThrow(new RegExp(`settings\\.${key}`));
			if (b.integer) expect(() => parseExport(withSetting(b.min + 0.5))).toThrow(/settings/);
			// The default is within its own range.
			const value = DEFAULT_SETTINGS[key as keyof typeof SETTING_BOUNDS];
			expect(value).toBeGreaterThanOrEqual(b.min);
			expect(value).toBeLessThanOrEqual(b.max);
		}
	);

	it("reads a conversation's own options within the same ranges", () => {
		const data = valid();
		const conversations = data.conversations as Record<string, unknown>[];
		conversations[0] = {
			...conversations[0],
			options: { maxTokens: SETTING_BOUNDS.maxTokens.max }
		};
		expect(parseExport(JSON.stringify(data)).conversations[0]?.options?.maxTokens).toBe(
			SETTING_BOUNDS.maxTokens.max
		);
		conversations[0] = { ...conversations[0], options: { topP: SETTING_BOUNDS.topP.max + 0.01 } };
		expect(() => parseExport(JSON.stringify(data))).toThrow(/options\.topP/);
	});
});
