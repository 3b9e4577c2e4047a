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
	message,
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

	it('brings back every field of a conversation, a message and the settings as written', () => {
		const full = {
			...valid(),
			conversations: [
				conversation('c0', {
					pinned: 1,
					model: 'qwen2.5:1.5b',
					engine: 'ollama',
					leafId: 'c0-m1',
					titleFinal: true,
					pin: { engine: 'webllm', model: 'Llama-3.2-1B' },
					options: { temperature: 0.2, topP: 0.5, maxTokens: 64, stop: ['END'], seed: 7 },
					summary: { text: 'Earlier', throughId: 'c0-m0', coversCount: 1, untrusted: ['x'] },
					agentId: 'writer'
				}),
				conversation('c1')
			],
			messages: [
				message('c0-m0', 'c0', { role: 'system' }),
				message('c0-m1', 'c0', {
					parentId: 'c0-m0',
					role: 'assistant',
					status: 'interrupted',
					model: 'qwen2.5:1.5b',
					engine: 'openai',
					usage: { promptTokens: 10, completionTokens: 20, cachedPromptTokens: 5 },
					timings: {
						totalMs: 900,
						timeToFirstTokenMs: 100,
						promptMs: 50,
						decodeTokensPerSecond: 40
					},
					reasoningMs: 30,
					context: { summarizedTurns: 2, omittedTurns: 1, contextWindow: 4096, promptTokens: 900 },
					agent: {
						id: 'writer',
						name: 'Writer',
						chosenBy: 'router',
						reason: 'asked for a letter',
						addedTools: ['web_search']
					},
					revision: { critique: 'too long', draft: 'first draft' },
					review: { calls: 1, ms: 20 },
					memories: [{ id: 'mem1', text: 'likes tea' }],
					untrusted: ['fetch_page https://a.example/']
				}),
				message('c1-m0', 'c1', { status: 'streaming' }),
				message('c1-m1', 'c1', { status: 'aborted', parentId: 'c1-m0', role: 'assistant' })
			]
		};
		const settings = {
			ollamaUrl: 'http://127.0.0.1:11434',
			model: 'm',
			openaiUrl: 'http://127.0.0.1:8080',
			openaiModel: 'o',
			webModel: 'w',
			modelBaseUrl: 'http://a/',
			modelLibBaseUrl: 'http://b/',
			ggufBaseUrl: 'http://c/',
			ggufDevice: 'webgpu',
			ggufThreads: 2,
			ggufContextSize: 2048,
			engine: 'webllm',
			temperature: 0.1,
			topP: 0.9,
			maxTokens: 100,
			systemPrompt: 'Be brief.',
			theme: 'light',
			autoTitle: false,
			toolsEnabled: { web_search: false },
			offlineOnly: true,
			searchProvider: 'searxng',
			searxngUrl: 'http://127.0.0.1:8888',
			wikipediaUrl: 'http://d',
			openMeteoUrl: 'http://e',
			openMeteoGeocodingUrl: 'http://f',
			allowedPrivateHosts: ['nas.local'],
			pythonNetwork: true,
			pythonTimeoutSeconds: 60,
			pythonPackagesUrl: 'http://g/',
			maxToolSteps: 3,
			maxToolCalls: 4,
			agentRouting: false,
			reflection: { writer: true },
			customAgents: [
				{
					id: 'writer',
					name: 'Writer',
					description: 'Writes letters',
					systemPrompt: 'You write letters.',
					examples: [{ user: 'hi', assistant: 'Dear …' }],
					tools: ['web_search'],
					model: 'm',
					chainOfThought: true
				}
			],
			embeddingModel: 'e',
			embeddingHubUrl: 'http://h/',
			useMemories: false,
			proposeMemories: false,
			sttEngine: 'browser',
			sttModel: 's',
			sttLanguage: 'de',
			voiceName: 'v',
			speechRate: 1.5,
			speechPitch: 0.5,
			autoRead: false,
			sttHubUrl: 'http://i/',
			imageMaxSide: 512,
			ocrFallback: false,
			recordMetrics: false
		};
		const parsed = parseExport(JSON.stringify({ ...full, settings }));
		expect(parsed.conversations).toEqual(full.conversations);
		expect(parsed.messages).toEqual(full.messages);
		expect(parsed.settings).toEqual({ ...DEFAULT_SETTINGS, ...settings });
	});

	it.each([
		['ggufDevice', ['auto', 'webgpu', 'cpu']],
		['engine', ['auto', 'webllm', 'ollama', 'openai']],
		['theme', ['system', 'light', 'dark']],
		['searchProvider', ['wikipedia', 'searxng']],
		['sttEngine', ['whisper', 'browser']]
	])('reads every choice of %s and refuses others', (key, choices) => {
		for (const choice of choices) {
			const settings = parseExport(JSON.stringify({ ...valid(), settings: { [key]: choice } }))
				.settings as Record<string, unknown>;
			expect(settings[key]).toBe(choice);
		}
		expect(() => parseExport(JSON.stringify({ ...valid(), settings: { [key]: 'other' } }))).toThrow(
			new RegExp(`settings\\.${key}`)
		);
	});

	it('reads a message chosen by the person and every role and status', () => {
		for (const role of ['user', 'assistant', 'system'])
			expect(parseExport(withMessage({ role })).messages[1]?.role).toBe(role);
		for (const status of ['streaming', 'done', 'error', 'aborted', 'interrupted'])
			expect(parseExport(withMessage({ status })).messages[1]?.status).toBe(status);
		const agent = { id: 'a', name: 'A', chosenBy: 'user' };
		expect(parseExport(withMessage({ agent })).messages[1]?.agent).toEqual(agent);
		expect(() => parseExport(withMessage({ agent: { ...agent, chosenBy: 'x' } }))).toThrow(
			/messages\[1\]\.agent\.chosenBy/
		);
	});

	it('refuses an empty or overlong id, too many stop sequences, and over-long untrusted labels', () => {
		expect(() => parseExport(withMessage({ id: '' }))).toThrow(/messages\[1\]\.id .*non-empty id/);
		expect(() => parseExport(withMessage({ id: 'x'.repeat(201) }))).toThrow(/messages\[1\]\.id/);
		expect(parseExport(withMessage({ id: 'x'.repeat(200) })).messages[1]?.id).toHaveLength(200);
		expect(() => parseExport(withMessage({ untrusted: ['x'.repeat(1001)] }))).toThrow(
			/messages\[1\]\.untrusted\[0\]/
		);
		expect(() =>
			parseExport(withMessage({ untrusted: Array.from({ length: 101 }, () => 'x') }))
		).toThrow(/messages\[1\]\.untrusted/);
		const data = valid();
		const conversations = data.conversations as Record<string, unknown>[];
		conversations[0] = { ...conversations[0], options: { stop: Array(17).fill('x') } };
		expect(() => parseExport(JSON.stringify(data))).toThrow(/conversations\[0\]\.options\.stop/);
		conversations[0] = { ...conversations[0], options: { seed: 1.5 } };
		expect(() => parseExport(JSON.stringify(data))).toThrow(/options\.seed/);
	});

	it('says which version it cannot read', () => {
		for (const version of [0, '1', null]) {
			expect(() => parseExport(JSON.stringify({ ...valid(), version }))).toThrow(
				'This export has an unknown format version, so Hearth cannot import it.'
			);
		}
		expect(() => parseExport(JSON.stringify({ ...valid(), version: 3 }))).toThrow(
			'This export was made by a newer version of Hearth (format version 3). Update Hearth to import it.'
		);
		expect(() => parseExport('  \n ')).toThrow(
			'This file is empty, so there is nothing to import.'
		);
		expect(() => parseExport('"text"')).toThrow(
			'This file is not a Hearth export: it holds no export object.'
		);
		expect(() => parseExport(JSON.stringify({ ...valid(), format: 'x' }))).toThrow(
			'This file is not a Hearth export (its "format" is not "hearth-export").'
		);
	});

	it('names the place of a repeated id and of a message whose conversation is missing', () => {
		expect(() => parseExport(withMessage({ id: 'c0-m0' }))).toThrow(
			'This export is damaged: messages[1].id "c0-m0" appears twice.'
		);
		expect(() => parseExport(withMessage({ conversationId: 'gone' }))).toThrow(
			'This export is damaged: messages[1].conversationId points to a conversation that is not in the file.'
		);
		expect(() =>
			parseExport(
				JSON.stringify({ ...valid(), conversations: [conversation('c0'), conversation('c0')] })
			)
		).toThrow('conversations[1].id "c0" appears twice');
		expect(() => parseExport(withMessage({ role: 'robot' }))).toThrow(
			/^This export is damaged: messages\[1\]\.role is not valid \(.+\)\.$/
		);
		expect(() => parseExport(JSON.stringify({ ...valid(), exportedAt: 'x' }))).toThrow(
			/^This export is damaged: exportedAt is not valid/
		);
	});
});
