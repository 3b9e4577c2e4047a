import { describe, expect, it } from 'vitest';
import { freshDb } from '$lib/storage/test-db';
import type { HearthDb } from '$lib/storage/db';
import type { Message } from '$lib/types/chat';
import { ConversationRecall, recallText } from './recall';
import { testEmbedder } from './test-embed';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 2, 12, 15);

async function seed(db: HearthDb) {
	const conv = (id: string, title: string) =>
		db.conversations.put({
			id,
			title,
			createdAt: 0,
			updatedAt: 0,
			pinned: 0,
			mode: 'chat',
			leafId: null
		});
	await conv('c-budget', 'Q3 budget');
	await conv('c-trip', 'Trip to Porto');
	let n = 0;
	const msg = (
		conversationId: string,
		role: Message['role'],
		content: string,
		createdAt: number,
		status: Message['status'] = 'done'
	) =>
		db.messages.put({
			id: `msg${++n}`,
			conversationId,
			parentId: null,
			role,
			content,
			status,
			createdAt,
			updatedAt: createdAt
		});
	await msg('c-budget', 'user', 'What did the meeting notes say about the Q3 budget?', NOW - DAY);
	await msg(
		'c-budget',
		'assistant',
		'<think>let me look</think>The Q3 budget was cut by ten percent for marketing.',
		NOW - DAY + 1000
	);
	await msg('c-trip', 'user', 'Plan a weekend trip to Porto with trains.', NOW - 3 * DAY);
	await msg(
		'c-trip',
		'assistant',
		'Take the Alfa Pendular train to Porto on Saturday morning.',
		NOW - 3 * DAY + 1000
	);
	await msg('c-trip', 'assistant', 'half written budget answer', NOW - 3 * DAY + 2000, 'streaming');
	await msg('c-trip', 'system', 'You are Hearth. The budget is secret.', NOW - 3 * DAY);
}

describe('ConversationRecall', () => {
	it('embeds finished user and assistant text without reasoning, in resumable batches', async () => {
		const db = freshDb();
		await seed(db);
		const embedder = testEmbedder();
		const recall = new ConversationRecall(db, embedder, { batchSize: 2 });
		embedder.failAfter = 1; // the second batch fails: the first is kept
		await expect(recall.embedPending()).rejects.toMatchObject({ code: 'no_model' });
		expect(await db.vectors.count()).toBe(2);
		embedder.failAfter = Infinity;
		const progress: number[] = [];
		expect(await recall.embedPending({ onProgress: (p) => progress.push(p.remaining) })).toEqual({
			embedded: 2,
			remaining: 0
		});
		expect(progress).toEqual([0]);
		expect(await recall.embedPending()).toEqual({ embedded: 0, remaining: 0 });
		const texts = embedder.calls.flat();
		expect(texts).toHaveLength(4);
		expect(texts).toContain('The Q3 budget was cut by ten percent for marketing.');
		expect(texts.join(' ')).not.toMatch(/let me look|half written|secret/);
	});

	it('stops between batches when asked, and the next run finishes the rest', async () => {
		const db = freshDb();
		await seed(db);
		const embedder = testEmbedder();
		const recall = new ConversationRecall(db, embedder, { batchSize: 1 });
		const stop = new AbortController();
		const first = await recall.embedPending({
			signal: stop.signal,
			onProgress: (p) => p.embedded === 3 && stop.abort()
		});
		expect(first).toEqual({ embedded: 3, remaining: 1 });
		expect(await recall.embedPending()).toEqual({ embedded: 1, remaining: 0 });
		expect(embedder.calls).toHaveLength(4);
	});

	it('finds by meaning across all time, best first, with titles and snippets', async () => {
		const db = freshDb();
		await seed(db);
		const recall = new ConversationRecall(db, testEmbedder(), { snippetChars: 30 });
		await recall.embedPending();
		const hits = await recall.recall('train to Porto', { k: 2 });
		expect(hits.map((h) => h.messageId)).toEqual(['msg3', 'msg4']);
		expect(hits[0]).toMatchObject({
			conversationId: 'c-trip',
			conversationTitle: 'Trip to Porto',
			role: 'user',
			createdAt: NOW - 3 * DAY,
			snippet: 'Plan a weekend trip to Porto…'
		});
	});

	it('limits to a time span, embedding that span on the spot', async () => {
		const db = freshDb();
		await seed(db);
		const embedder = testEmbedder();
		const recall = new ConversationRecall(db, embedder);
		const yesterday = { from: NOW - DAY - 1000, to: NOW - DAY + 5000 };
		const hits = await recall.recall('Porto budget', yesterday);
		expect(hits.map((h) => h.conversationId)).toEqual(['c-budget', 'c-budget']);
		expect(hits[0]?.messageId).toBe('msg1');
		// Only yesterday's two messages (and the query) were embedded.
		expect(embedder.calls.flat()).toHaveLength(3);
		expect(await recall.recall('budget', { from: NOW, to: NOW + DAY })).toEqual([]);
	});

	it('a bare time question lists that span newest first, with no embedding model needed', async () => {
		const db = freshDb();
		await seed(db);
		const embedder = testEmbedder();
		embedder.failAfter = 0;
		const recall = new ConversationRecall(db, embedder);
		const hits = await recall.recall('', { from: NOW - 4 * DAY, to: NOW, k: 3 });
		expect(hits.map((h) => h.messageId)).toEqual(['msg2', 'msg1', 'msg4']);
	});

	it('leaves out the conversation being asked in, and prunes vectors of deleted messages', async () => {
		const db = freshDb();
		await seed(db);
		const recall = new ConversationRecall(db, testEmbedder());
		await recall.embedPending();
		const hits = await recall.recall('budget', { excludeConversationId: 'c-budget' });
		expect(hits).not.toHaveLength(0);
		expect(hits.every((h) => h.conversationId !== 'c-budget')).toBe(true);
		await db.messages.bulkDelete(['msg1', 'msg2']);
		expect(await recall.prune()).toBe(2);
		expect(await db.vectors.count()).toBe(2);
	});

	it('recallText strips reasoning and ignores unfinished and system messages', () => {
		expect(
			recallText({ role: 'assistant', status: 'done', content: '<think>x</think>\nHi  there' })
		).toBe('Hi there');
		expect(recallText({ role: 'assistant', status: 'error', content: 'Hi' })).toBe('');
		expect(recallText({ role: 'system', status: 'done', content: 'Hi' })).toBe('');
	});
});
