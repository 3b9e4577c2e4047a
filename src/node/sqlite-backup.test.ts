import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import type { HearthDb } from '$lib/storage/db';
import { exportAll, importExport } from '$lib/storage/export';
import { conversation, message, sampleData, seedRich } from '$lib/storage/export-fixtures';
import { parseExport, type HearthExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { requireSharedModels, SHARED_MODELS, TEST_MODEL } from '$workers/embed-test-kit';
import { NodeEmbedder } from './node-embedder';
import { NodeKnowledge } from './node-knowledge';
import { exportBackup, importBackup, readBackupFile, type BackupStores } from './sqlite-backup';
import { SqliteChatStore } from './sqlite-chat-store';
import { SqliteKnowledgeRepository } from './sqlite-knowledge';
import { SqliteSettings } from './sqlite-settings';

let dir: string;
const opened: SqliteChatStore[] = [];

async function freshStores(name = crypto.randomUUID()): Promise<BackupStores> {
	const store = await SqliteChatStore.open(path.join(dir, `${name}.db`));
	opened.push(store);
	return { store, settings: new SqliteSettings(store.db) };
}

/** What a browser holds: every part of the format in use, and a message from the terminal. */
async function seedBrowser(db: HearthDb): Promise<void> {
	await seedRich(db);
	await db.conversations.add(
		conversation('t', {
			title: 'From the terminal',
			engine: 'llamacpp',
			pin: { engine: 'llamacpp', model: 'stories260K.gguf' },
			leafId: 't1'
		})
	);
	await db.messages.add(
		message('t1', 't', {
			role: 'assistant',
			content: 'Once upon a time',
			engine: 'llamacpp',
			model: 'stories260K.gguf'
		})
	);
	await db.memories.add({
		id: 'mem1',
		text: 'The user prefers Python.',
		kind: 'fact',
		status: 'kept',
		origin: 'explicit',
		createdAt: 1,
		updatedAt: 1
	});
	await db.collections.add({ id: 'col1', name: 'Work', createdAt: 1, folders: [] });
	await db.documents.add({
		id: 'd1',
		collectionId: 'col1',
		name: 'budget.md',
		path: 'budget.md',
		source: 'file',
		mime: 'text/markdown',
		size: 31,
		hash: 'h',
		addedAt: 1,
		updatedAt: 1,
		status: 'indexed',
		chunkCount: 1
	});
	await db.chunks.add({
		id: 'k1',
		documentId: 'd1',
		collectionId: 'col1',
		ordinal: 0,
		text: 'The Q3 budget is 40,000 euros.',
		hash: 'hk',
		startLine: 1,
		endLine: 1
	});
	const bytes = new Uint8Array(5000).map((_, i) => (i * 7) % 256);
	await db.images.add({
		id: 'img1',
		conversationId: 'a',
		messageId: 'a1',
		name: 'shot.png',
		mime: 'image/png',
		width: 2,
		height: 1,
		addedAt: 5,
		data: new Blob([bytes], { type: 'image/png' }),
		thumbnail: new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' })
	});
	await db.feedback.put({
		messageId: 't1',
		conversationId: 't',
		rating: 'up',
		at: 10,
		day: '2026-12-07',
		engine: 'llamacpp'
	});
	await db.evalSets.put({ ...CORE_SET, id: 'mine', name: 'Mine', builtIn: false });
	await db.settings.put({
		key: 'settings',
		value: { ...DEFAULT_SETTINGS, temperature: 0.3, openaiKey: 'sk-secret' }
	});
}

/** A backup with its moment of export left out, lists in id order (the order is not the data). */
function comparable(data: HearthExport) {
	const byId = <T extends { id: string }>(rows: readonly T[] = []) =>
		[...rows].sort((a, b) => a.id.localeCompare(b.id));
	return {
		conversations: byId(data.conversations),
		messages: byId(data.messages),
		settings: data.settings,
		images: byId(data.images),
		memories: byId(data.knowledge?.memories),
		collections: byId(data.knowledge?.collections),
		documents: byId(data.knowledge?.documents),
		chunks: byId(data.knowledge?.chunks),
		feedback: data.quality?.feedback,
		evalSets: byId(data.quality?.evalSets)
	};
}

const roundTrip = (data: HearthExport) => parseExport(JSON.stringify(data));

beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-backup-'));
});
afterEach(async () => {
	for (const store of opened.splice(0)) store.close();
	await rm(dir, { recursive: true, force: true });
});

describe('the web backup format in the SQLite store', () => {
	it('round-trips a browser backup: web → SQLite → export → fresh SQLite → browser, all equal', async () => {
		const browser = freshDb();
		await seedBrowser(browser);
		const fromBrowser = roundTrip(await exportAll(browser));
		expect(fromBrowser.settings?.openaiKey).toBe('');

		const first = await freshStores();
		const result = await importBackup(first, fromBrowser);
		expect(result).toMatchObject({
			conversationsAdded: 3,
			messagesAdded: 4,
			memoriesAdded: 1,
			documentsAdded: 1,
			imagesAdded: 1,
			feedbackAdded: 1,
			evalSetsAdded: 1,
			settingsApplied: true
		});
		expect(JSON.stringify(exportBackup(first))).not.toContain('sk-secret');
		const fromTerminal = roundTrip(exportBackup(first));
		expect(comparable(fromTerminal)).toEqual(comparable(fromBrowser));

		const second = await freshStores();
		await importBackup(second, fromTerminal);
		expect(comparable(roundTrip(exportBackup(second)))).toEqual(comparable(fromBrowser));

		// And back into a browser that never saw it.
		const back = freshDb();
		await importExport(back, fromTerminal);
		expect(comparable(roundTrip(await exportAll(back)))).toEqual(comparable(fromBrowser));
	});

	it('imported conversations are the terminal’s own: listed, threaded, found by search', async () => {
		const browser = freshDb();
		await seedBrowser(browser);
		const stores = await freshStores();
		await importBackup(stores, roundTrip(await exportAll(browser)));
		const list = await stores.store.listConversations(0, 10);
		expect(list.map((c) => c.id)).toEqual(['a', 't', 'b']); // pinned, then newest
		expect((await stores.store.messagesOf('a')).map((m) => m.id)).toEqual(['a1', 'a2', 'a3']);
		const hits = await stores.store.search('lifetimes borrow');
		expect(hits.map((h) => h.conversation.id)).toEqual(['a']);
		expect(stores.settings.read()?.temperature).toBe(0.3);
	});

	it('importing the same file twice adds nothing; a newer copy of a message replaces the older', async () => {
		const stores = await freshStores();
		const data = sampleData(3, 4);
		await importBackup(stores, data);
		const again = await importBackup(stores, roundTrip(data));
		expect(again).toMatchObject({
			conversationsAdded: 0,
			conversationsSkipped: 3,
			messagesAdded: 0,
			messagesUpdated: 0,
			messagesSkipped: 12
		});
		expect(await stores.store.countConversations()).toBe(3);
		expect(exportBackup(stores).messages).toHaveLength(12);

		const edited = roundTrip(data);
		edited.messages[0] = { ...edited.messages[0]!, content: 'Edited later', updatedAt: 2e12 };
		const third = await importBackup(stores, edited);
		expect(third).toMatchObject({ messagesUpdated: 1, messagesSkipped: 11 });
		expect((await stores.store.messagesOf('c0'))[0]?.content).toBe('Edited later');
		expect((await stores.store.search('edited')).map((h) => h.conversation.id)).toEqual(['c0']);
	});

	it('keeps this device’s settings; a backup’s are taken only when none are stored', async () => {
		const stores = await freshStores();
		stores.settings.write({ ...DEFAULT_SETTINGS, temperature: 1.1, openaiKey: 'sk-mine' });
		const data = { ...sampleData(1, 1), settings: { ...DEFAULT_SETTINGS, temperature: 0.2 } };
		const result = await importBackup(stores, roundTrip(data));
		expect(result.settingsApplied).toBe(false);
		expect(stores.settings.read()?.temperature).toBe(1.1);
		// The key stays on this device.
		expect(exportBackup(stores).settings).not.toHaveProperty('openaiKey');
		expect(exportBackup(stores).settings?.temperature).toBe(1.1);
	});

	it('reports progress per slice and, stopped part-way, keeps nothing', async () => {
		const stores = await freshStores();
		await importBackup(stores, sampleData(1, 2));
		const before = exportBackup(stores, 1);
		const big = sampleData(10, 150);
		const total = big.conversations.length + big.messages.length;
		const seen: number[] = [];
		await importBackup(await freshStores(), big, { onProgress: (done) => seen.push(done) });
		expect(seen[0]).toBe(0);
		expect(seen.at(-1)).toBe(total);
		expect(seen.length).toBeGreaterThan(3);
		expect([...seen].sort((a, b) => a - b)).toEqual(seen);

		const stop = new AbortController();
		const stopped = await importBackup(stores, big, {
			signal: stop.signal,
			onProgress: (done) => done >= 1000 && stop.abort()
		}).catch((e: unknown) => e);
		expect(stopped).toBeInstanceOf(HearthError);
		expect((stopped as HearthError).code).toBe('aborted');
		expect(exportBackup(stores, 1)).toEqual(before);
		// The store still takes writes: the transaction was rolled back, not left open.
		await stores.store.createConversation({ title: 'after' });
		expect(await stores.store.countConversations()).toBe(2);
	});

	it('a write failing part-way keeps nothing from the file', async () => {
		const stores = await freshStores();
		await importBackup(stores, sampleData(1, 2));
		const before = exportBackup(stores, 1);
		// A real SQLite failure on the last message, after the conversations and most messages.
		stores.store.db.exec(
			"CREATE TEMP TRIGGER poison BEFORE INSERT ON messages WHEN NEW.data LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'no room'); END"
		);
		const data = sampleData(5, 200);
		data.messages[data.messages.length - 1]!.content = 'poison';
		const error = await importBackup(stores, data).catch((e: unknown) => e);
		expect((error as HearthError).code).toBe('storage_failed');
		expect((error as HearthError).message).toMatch(/nothing from the file was kept/);
		expect(exportBackup(stores, 1)).toEqual(before);
	});
});

describe('reading a backup file', () => {
	it('reads a file; refuses a missing file, a folder and binary data before parsing', async () => {
		const good = path.join(dir, 'good.json');
		await writeFile(good, JSON.stringify(sampleData(1, 1)));
		const read: number[] = [];
		expect(
			parseExport(await readBackupFile(good, { onProgress: (n) => read.push(n) }))
		).toMatchObject({
			format: 'hearth-export'
		});
		expect(read.at(-1)).toBeGreaterThan(0);

		const refused = async (file: string) => {
			const e = await readBackupFile(file).catch((x: unknown) => x);
			expect(e).toBeInstanceOf(HearthError);
			return e as HearthError;
		};
		expect((await refused(path.join(dir, 'nope.json'))).message).toMatch(/There is no file/);
		expect((await refused(dir)).message).toMatch(/is a folder/);
		const binary = path.join(dir, 'photo.jpg');
		await writeFile(binary, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]));
		const e = await refused(binary);
		expect(e.code).toBe('import_invalid');
		expect(e.message).toMatch(/binary data, not JSON/);
	});
});

// Loading ONNX Runtime takes seconds on a loaded machine.
describe('knowledge text from a browser backup', { timeout: 60_000 }, () => {
	const knowledgeOf = (stores: BackupStores, modelsDir: string, modelId?: string) =>
		new NodeKnowledge({
			repo: new SqliteKnowledgeRepository(stores.store.db),
			embedder: new NodeEmbedder({ modelsDir, ...(modelId ? { modelId } : {}), threads: 1 }),
			cwd: dir
		});

	it('lands in the knowledge tables: found by keyword at once, embedded once a model is there', async (ctx) => {
		const browser = freshDb();
		await seedBrowser(browser);
		const stores = await freshStores();
		await importBackup(stores, roundTrip(await exportAll(browser)));
		const kept = stores.store.db
			.prepare(
				"SELECT count(*) AS n FROM kept_records WHERE kind IN ('collection', 'document', 'chunk')"
			)
			.get() as { n: number };
		expect(kept.n).toBe(0);

		const keywords = knowledgeOf(stores, path.join(dir, 'no-models'));
		const found = await keywords.search('Q3 budget');
		expect(found.passages.map((p) => [p.text, p.path])).toEqual([
			['The Q3 budget is 40,000 euros.', 'budget.md']
		]);
		expect(found.fallback).toMatch(/so this was a keyword search/);
		expect(await keywords.folders()).toEqual([
			expect.objectContaining({ name: 'Work', documents: 1, chunks: 1 })
		]);
		await keywords.dispose();

		requireSharedModels(ctx);
		const withModel = knowledgeOf(stores, SHARED_MODELS, TEST_MODEL);
		expect(await withModel.catchUp()).toBe(1);
		expect(await withModel.catchUp()).toBe(0);
		const hybrid = await withModel.search('how much is the budget for Q3?');
		expect(hybrid.mode).toBe('hybrid');
		expect(hybrid.passages[0]?.text).toBe('The Q3 budget is 40,000 euros.');
		await withModel.dispose();
		// Vectors stay on this device: the backup carries the text alone, as the browser's does.
		const again = exportBackup(stores);
		expect(JSON.stringify(again)).not.toContain('"vectors"');
		expect(comparable(roundTrip(again)).chunks).toEqual(
			comparable(roundTrip(await exportAll(browser))).chunks
		);
	});

	it('keeps what this store has: an imported document never replaces an indexed one', async () => {
		const browser = freshDb();
		await seedBrowser(browser);
		const data = roundTrip(await exportAll(browser));
		const stores = await freshStores();
		await importBackup(stores, data);
		const edited = roundTrip(await exportAll(browser));
		edited.knowledge!.chunks[0] = { ...edited.knowledge!.chunks[0]!, text: 'Rewritten.' };
		const again = await importBackup(stores, edited);
		expect(again.documentsAdded).toBe(0);
		expect(exportBackup(stores).knowledge?.chunks.map((c) => c.text)).toEqual([
			'The Q3 budget is 40,000 euros.'
		]);
	});

	it('moves rows an older store kept word for word (schema v4) into the knowledge tables on open', async () => {
		const browser = freshDb();
		await seedBrowser(browser);
		const knowledge = roundTrip(await exportAll(browser)).knowledge!;
		const file = path.join(dir, 'v4.db');
		const old = await SqliteChatStore.open(file);
		// What a v4 import left: the text in kept_records, nothing in the knowledge tables.
		const keep = old.db.prepare('INSERT INTO kept_records (kind, id, data) VALUES (?, ?, ?)');
		for (const c of knowledge.collections) keep.run('collection', c.id, JSON.stringify(c));
		for (const d of knowledge.documents) keep.run('document', d.id, JSON.stringify(d));
		for (const c of knowledge.chunks) keep.run('chunk', c.id, JSON.stringify(c));
		keep.run('feedback', 't1', JSON.stringify({ messageId: 't1' }));
		old.db.pragma('user_version = 4');
		old.close();

		const reopened = await SqliteChatStore.open(file);
		opened.push(reopened);
		expect(reopened.db.prepare('PRAGMA user_version').get()).toMatchObject({ user_version: 5 });
		const stores = { store: reopened, settings: new SqliteSettings(reopened.db) };
		const exported = exportBackup(stores).knowledge!;
		expect(exported.collections).toEqual(knowledge.collections);
		expect(exported.documents).toEqual(knowledge.documents);
		expect(exported.chunks).toEqual(knowledge.chunks);
		const left = reopened.db.prepare('SELECT kind FROM kept_records').all() as { kind: string }[];
		expect(left.map((r) => r.kind)).toEqual(['feedback']);
		const search = knowledgeOf(stores, path.join(dir, 'no-models'));
		expect((await search.search('budget')).passages).toHaveLength(1);
		await search.dispose();
	});
});
