import { describe, expect, it } from 'vitest';
import { exportAll, importExport } from '$lib/storage/export';
import { freshDb } from '$lib/storage/test-db';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { Settings } from '$lib/types/settings';
import { indexWords } from '$lib/utils/words';

import {
	conversation,
	expectCode,
	importText,
	message,
	sampleData,
	seedRich,
	snapshot
} from '$lib/storage/export-fixtures';

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
			messagesSkipped: 0,
			memoriesAdded: 0,
			documentsAdded: 0,
			imagesAdded: 0,
			feedbackAdded: 0,
			evalSetsAdded: 0
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
			messagesSkipped: 12,
			memoriesAdded: 0,
			documentsAdded: 0,
			imagesAdded: 0,
			feedbackAdded: 0,
			evalSetsAdded: 0
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
			messagesSkipped: 1,
			memoriesAdded: 0,
			documentsAdded: 0,
			imagesAdded: 0,
			feedbackAdded: 0,
			evalSetsAdded: 0
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

	it('leaves the API key of an OpenAI-compatible server out of the backup', async () => {
		const db = freshDb();
		const secret = 'sk-test-do-not-export';
		await db.settings.put({
			key: 'settings',
			value: { ...DEFAULT_SETTINGS, openaiUrl: 'http://lan-box:8000', openaiKey: secret }
		});
		const data = await exportAll(db);
		expect(data.settings?.openaiUrl).toBe('http://lan-box:8000');
		expect(JSON.stringify(data)).not.toContain(secret);
	});
});

describe('interrupted imports (one transaction: all or nothing)', () => {
	it('stops on abort and leaves the database exactly as it was; importing again does it all', async () => {
		const db = freshDb();
		await seedRich(db);
		const before = await snapshot(db);
		// 40 conversations × 30 messages = 1240 records, so several progress steps.
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
		expect(error.message).toMatch(/Nothing from the file was kept/);
		// The 40 conversations, then it stopped before the first slice of messages.
		expect(progress).toEqual([0, 40]);
		expect(await snapshot(db)).toEqual(before);

		const result = await importExport(db, data);
		expect(result.conversationsAdded + result.messagesAdded).toBe(1240);
		expect(await db.messages.count()).toBe(1200 + before.messages.length);
	});

	it('a full disk part-way leaves the database as it was', async () => {
		const db = freshDb();
		await seedRich(db);
		const before = await snapshot(db);
		let created = 0;
		db.messages.hook('creating', () => {
			if (++created > 700) throw new DOMException('full', 'QuotaExceededError');
		});
		await expectCode(importExport(db, sampleData(40, 30)), 'quota_exceeded');
		expect(await snapshot(db)).toEqual(before);
	});

	it('a failure in the last table written takes the conversations back out too', async () => {
		const db = freshDb();
		const data = {
			...sampleData(3, 4),
			knowledge: {
				memories: [
					{
						id: 'mem-1',
						text: 'The user likes tea.',
						kind: 'preference' as const,
						status: 'kept' as const,
						origin: 'explicit' as const,
						createdAt: 1,
						updatedAt: 1
					}
				],
				collections: [],
				documents: [],
				chunks: []
			}
		};
		db.memories.hook('creating', () => {
			throw new DOMException('full', 'QuotaExceededError');
		});
		await expectCode(importExport(db, data), 'quota_exceeded');
		expect(await db.conversations.count()).toBe(0);
		expect(await db.messages.count()).toBe(0);
	});

	it('reports progress from 0 to the total, a slice of 500 records at a time', async () => {
		const progress: [number, number][] = [];
		await importExport(freshDb(), sampleData(40, 30), {
			onProgress: (done, total) => progress.push([done, total])
		});
		expect(progress).toEqual([
			[0, 1240],
			[40, 1240],
			[540, 1240],
			[1040, 1240],
			[1240, 1240]
		]);
	});

	it('a stop before the import starts, or at its very end, keeps nothing', async () => {
		const stopped = new AbortController();
		stopped.abort();
		const db = freshDb();
		const progress: number[] = [];
		await expectCode(
			importExport(db, sampleData(2, 2), {
				signal: stopped.signal,
				onProgress: (done) => progress.push(done)
			}),
			'aborted'
		);
		expect(progress).toEqual([]);
		expect(await db.conversations.count()).toBe(0);

		const late = new AbortController();
		const data = { ...sampleData(2, 2), images: [] };
		await expectCode(
			importExport(db, data, {
				signal: late.signal,
				onProgress: (done, total) => {
					if (done === total) late.abort();
				}
			}),
			'aborted'
		);
		expect(await db.conversations.count()).toBe(0);
		expect(await db.messages.count()).toBe(0);
	});

	it('a failure of its own kind is named as a failed save that kept nothing', async () => {
		const db = freshDb();
		db.messages.hook('creating', () => {
			throw new Error('disk broke');
		});
		const error = await expectCode(importExport(db, sampleData(2, 2)), 'storage_failed');
		expect(error.message).toBe(
			'Hearth could not save the imported data, so nothing from the file was kept.'
		);
		expect(await db.conversations.count()).toBe(0);
	});
});

describe('exportAll of a database with nothing in it', () => {
	it('holds no settings, images or ratings, and imports as nothing', async () => {
		const data = await exportAll(freshDb());
		expect(data.settings).toBeUndefined();
		expect('images' in data).toBe(false);
		expect('quality' in data).toBe(false);
		expect(data.conversations).toEqual([]);
		const result = await importExport(freshDb(), data);
		expect(Object.values(result).every((n) => n === 0)).toBe(true);
	});
});
