import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HearthDb } from '$lib/storage/db';
import { IMPORT_CHUNK_SIZE, exportAll, importExport } from '$lib/storage/export';
import type { ImportResult } from '$lib/storage/export';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import type { HearthExport } from '$lib/storage/export-schema';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { Settings } from '$lib/types/settings';
import { indexWords } from '$lib/utils/words';

function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
	return {
		id,
		title: `Talk about ${id} and apples`,
		createdAt: 1_700_000_000_000,
		updatedAt: 1_700_000_000_000,
		pinned: 0,
		mode: 'chat',
		leafId: null,
		...overrides
	};
}

function message(id: string, conversationId: string, overrides: Partial<Message> = {}): Message {
	return {
		id,
		conversationId,
		parentId: null,
		role: 'user',
		content: `Message ${id} says hello world`,
		status: 'done',
		createdAt: 1_700_000_000_000,
		updatedAt: 1_700_000_000_000,
		...overrides
	};
}

/** `count` conversations, each a chain of `perConversation` messages with the leaf at the end. */
function sampleData(count: number, perConversation: number): HearthExport {
	const conversations: Conversation[] = [];
	const messages: Message[] = [];
	for (let c = 0; c < count; c++) {
		const cid = `c${c}`;
		let parent: string | null = null;
		for (let m = 0; m < perConversation; m++) {
			const id = `${cid}-m${m}`;
			messages.push(
				message(id, cid, {
					parentId: parent,
					role: m % 2 === 0 ? 'user' : 'assistant',
					createdAt: 1_700_000_000_000 + m,
					updatedAt: 1_700_000_000_000 + m
				})
			);
			parent = id;
		}
		conversations.push(conversation(cid, { leafId: parent }));
	}
	return { format: 'hearth-export', version: 1, exportedAt: 1, conversations, messages };
}

/** A small database with every optional field in use, to prove nothing is lost on a round trip. */
async function seedRich(db: HearthDb): Promise<void> {
	await db.conversations.bulkAdd([
		conversation('a', {
			title: 'Rust lifetimes 🦀',
			pinned: 1,
			model: 'qwen2.5:1.5b',
			engine: 'ollama',
			leafId: 'a2',
			titleFinal: true,
			titleWords: indexWords('Rust lifetimes 🦀')
		}),
		conversation('b', { title: 'Empty one', titleWords: indexWords('Empty one') })
	]);
	const msgs: Message[] = [
		message('a1', 'a', { content: 'Explain ```rust\nfn x() {}\n```' }),
		message('a2', 'a', {
			parentId: 'a1',
			role: 'assistant',
			content: 'Lifetimes name how long a borrow lives.',
			model: 'qwen2.5:1.5b',
			engine: 'ollama',
			usage: { promptTokens: 12, completionTokens: 40 },
			timings: { totalMs: 900, timeToFirstTokenMs: 120, decodeTokensPerSecond: 42.5 }
		}),
		message('a3', 'a', {
			parentId: 'a1',
			role: 'assistant',
			content: 'Partial',
			status: 'error',
			error: { code: 'engine_unreachable', message: 'Ollama is not running.' }
		})
	];
	await db.messages.bulkAdd(msgs.map((m) => ({ ...m, words: indexWords(m.content) })));
	await db.settings.put({
		key: 'settings',
		value: { ...DEFAULT_SETTINGS, temperature: 0.3, theme: 'dark' }
	});
}

async function snapshot(db: HearthDb) {
	return {
		conversations: await db.conversations.orderBy('id').toArray(),
		messages: await db.messages.orderBy('id').toArray(),
		settings: await db.settings.toArray()
	};
}

async function importText(db: HearthDb, text: string): Promise<ImportResult> {
	return importExport(db, parseExport(text));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<HearthError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(HearthError);
	expect((error as HearthError).code).toBe(code);
	return error as HearthError;
}

describe('exportAll / importExport round trip', () => {
	it('restores everything after a wipe, with search words recomputed', async () => {
		const db = freshDb();
		await seedRich(db);
		const before = await snapshot(db);

		const exported = await exportAll(db);
		expect(exported.format).toBe('hearth-export');
		expect(exported.settings?.theme).toBe('dark');
		for (const c of exported.conversations) expect(c).not.toHaveProperty('titleWords');
		for (const m of exported.messages) expect(m).not.toHaveProperty('words');
		const text = JSON.stringify(exported);

		await db.delete();
		const restored = freshDb();
		const result = await importText(restored, text);
		expect(result).toEqual({
			conversationsAdded: 2,
			conversationsUpdated: 0,
			conversationsSkipped: 0,
			messagesAdded: 3,
			messagesUpdated: 0,
			messagesSkipped: 0
		});
		expect(await snapshot(restored)).toEqual(before);
		const again = await exportAll(restored);
		expect({ ...again, exportedAt: 0 }).toEqual({ ...exported, exportedAt: 0 });
	});

	it('adds nothing when the same file is imported twice', async () => {
		const db = freshDb();
		const text = JSON.stringify(sampleData(3, 4));
		await importText(db, text);
		const after1 = await snapshot(db);
		const second = await importText(db, text);
		expect(second).toEqual({
			conversationsAdded: 0,
			conversationsUpdated: 0,
			conversationsSkipped: 3,
			messagesAdded: 0,
			messagesUpdated: 0,
			messagesSkipped: 12
		});
		expect(await snapshot(db)).toEqual(after1);
	});

	it('merges by id: newer updatedAt wins, older or equal is skipped, new is added', async () => {
		const db = freshDb();
		await db.conversations.bulkAdd([
			conversation('old', { title: 'Local old', updatedAt: 100 }),
			conversation('new', { title: 'Local new', updatedAt: 300 })
		]);
		await db.messages.bulkAdd([
			message('m-old', 'old', { content: 'local text', updatedAt: 100 }),
			message('m-new', 'new', { content: 'local newer text', updatedAt: 300 })
		]);

		const file = {
			format: 'hearth-export',
			version: 1,
			exportedAt: 5,
			conversations: [
				{
					...conversation('old', { title: 'Incoming bananas', updatedAt: 200 }),
					titleWords: ['evil']
				},
				conversation('new', { title: 'Incoming stale', updatedAt: 200 }),
				conversation('fresh', { title: 'Brand new' })
			],
			messages: [
				{
					...message('m-old', 'old', { content: 'incoming cherries', updatedAt: 200 }),
					words: ['x']
				},
				message('m-new', 'new', { content: 'incoming stale', updatedAt: 300 }),
				message('m-fresh', 'fresh')
			]
		};
		const result = await importText(db, JSON.stringify(file));
		expect(result).toEqual({
			conversationsAdded: 1,
			conversationsUpdated: 1,
			conversationsSkipped: 1,
			messagesAdded: 1,
			messagesUpdated: 1,
			messagesSkipped: 1
		});

		const old = await db.conversations.get('old');
		expect(old?.title).toBe('Incoming bananas');
		expect(old?.titleWords).toEqual(indexWords('Incoming bananas'));
		expect((await db.conversations.get('new'))?.title).toBe('Local new');
		const mOld = await db.messages.get('m-old');
		expect(mOld?.content).toBe('incoming cherries');
		expect(mOld?.words).toEqual(indexWords('incoming cherries'));
		expect((await db.messages.get('m-new'))?.content).toBe('local newer text');
		expect(await db.messages.where('words').equals('hello').primaryKeys()).toEqual(['m-fresh']);
		expect(await db.conversations.count()).toBe(3);
		expect(await db.messages.count()).toBe(3);
	});

	it('applies settings from the file only when this device has none', async () => {
		const data = sampleData(1, 1);
		data.settings = { ...DEFAULT_SETTINGS, theme: 'light', maxTokens: 99 };

		const empty = freshDb();
		await importExport(empty, data);
		expect((await empty.settings.get('settings'))?.value.maxTokens).toBe(99);

		const configured = freshDb();
		const mine: Settings = { ...DEFAULT_SETTINGS, maxTokens: 7 };
		await configured.settings.put({ key: 'settings', value: mine });
		await importExport(configured, data);
		expect((await configured.settings.get('settings'))?.value).toEqual(mine);
	});
});

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
});

describe('interrupted imports', () => {
	/** Every stored message has its conversation, and its parent when it has one. */
	async function expectConsistent(db: HearthDb): Promise<void> {
		const conversations = new Set(await db.conversations.toCollection().primaryKeys());
		const messages = await db.messages.toArray();
		const ids = new Set(messages.map((m) => m.id));
		for (const m of messages) {
			expect(conversations.has(m.conversationId)).toBe(true);
			if (m.parentId !== null) expect(ids.has(m.parentId)).toBe(true);
		}
	}

	it('stops between chunks on abort and keeps a consistent partial state', async () => {
		const db = freshDb();
		// 40 conversations × 30 messages = 1240 records, so several chunks.
		const data = sampleData(40, 30);
		const controller = new AbortController();
		const progress: number[] = [];
		const error = await expectCode(
			importExport(db, data, {
				signal: controller.signal,
				onProgress: (done, total) => {
					expect(total).toBe(1240);
					progress.push(done);
					if (done > 0) controller.abort();
				}
			}),
			'aborted'
		);
		expect(error.message).toMatch(/kept/);
		expect(progress).toHaveLength(2);
		const written = progress[1] ?? 0;
		expect(written).toBeGreaterThan(0);
		expect(written).toBeLessThanOrEqual(IMPORT_CHUNK_SIZE);
		expect((await db.conversations.count()) + (await db.messages.count())).toBe(written);
		await expectConsistent(db);

		// Importing again finishes the job without duplicating what the first run wrote.
		const result = await importExport(db, data);
		expect(result.conversationsAdded + result.messagesAdded).toBe(1240 - written);
		expect(await db.messages.count()).toBe(1200);
	});

	it('writes the shown branch of a huge conversation first', async () => {
		const db = freshDb();
		const data = sampleData(1, 400);
		// 300 older messages on a side branch off the root: a plain parent-first walk would take them
		// first and leave the shown branch (ending at leafId) cut by the abort.
		let parent = 'c0-m0';
		for (let i = 0; i < 300; i++) {
			const id = `side${i}`;
			data.messages.push(message(id, 'c0', { parentId: parent, createdAt: 1 }));
			parent = id;
		}
		data.messages.reverse();
		const controller = new AbortController();
		await expectCode(
			importExport(db, data, {
				signal: controller.signal,
				onProgress: (done) => {
					if (done > 0) controller.abort();
				}
			}),
			'aborted'
		);
		expect(await db.messages.count()).toBe(IMPORT_CHUNK_SIZE - 1);
		const leaf = (await db.conversations.get('c0'))?.leafId;
		expect(leaf).toBe('c0-m399');
		expect(await db.messages.get(leaf ?? '')).toBeDefined();
		await expectConsistent(db);
	});

	it('maps a full disk to quota_exceeded and keeps the chunks already written', async () => {
		const db = freshDb();
		const data = sampleData(40, 30);
		let created = 0;
		db.messages.hook('creating', () => {
			if (++created > 700) throw new DOMException('full', 'QuotaExceededError');
		});
		await expectCode(importExport(db, data), 'quota_exceeded');

		const messages = await db.messages.count();
		expect(messages).toBeGreaterThan(0);
		expect(messages).toBeLessThan(700);
		await expectConsistent(db);
	});
});
