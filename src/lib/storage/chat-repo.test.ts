import { beforeEach, describe, expect, it } from 'vitest';
import { ChatRepository } from '$lib/storage/chat-repo';
import type { HearthDb } from '$lib/storage/db';
import { searchHistory } from '$lib/storage/search';
import { freshDb } from '$lib/storage/test-db';
import { HearthError } from '$lib/types/errors';

let db: HearthDb;
let repo: ChatRepository;

beforeEach(async () => {
	db = freshDb();
	repo = new ChatRepository(db);
});

async function conversationWith(title: string, ...texts: string[]) {
	const c = await repo.createConversation({ title });
	let parentId: string | null = null;
	for (const [i, content] of texts.entries()) {
		const m = await repo.addMessage({
			conversationId: c.id,
			parentId,
			role: i % 2 === 0 ? 'user' : 'assistant',
			content,
			status: 'done'
		});
		parentId = m.id;
	}
	return c;
}

describe('ChatRepository', () => {
	it('lists pinned conversations first, then newest first, page by page', async () => {
		const a = await conversationWith('alpha');
		const b = await conversationWith('beta');
		const c = await conversationWith('gamma');
		await repo.updateConversation(a.id, { pinned: 1 });
		await repo.updateConversation(b.id, {}, true);
		const page1 = await repo.listConversations(0, 2);
		const page2 = await repo.listConversations(2, 2);
		expect([...page1, ...page2].map((x) => x.title)).toEqual(['alpha', 'beta', 'gamma']);
		expect(c.pinned).toBe(0);
	});

	it('adds messages in order and moves the leaf', async () => {
		const c = await conversationWith('t', 'hi', 'hello', 'how are you');
		const messages = await repo.messagesOf(c.id);
		expect(messages.map((m) => m.content)).toEqual(['hi', 'hello', 'how are you']);
		expect((await repo.getConversation(c.id))?.leafId).toBe(messages[2]?.id);
		expect(messages[1]?.parentId).toBe(messages[0]?.id);
	});

	it('deletes a conversation with its messages and can restore it (undo)', async () => {
		const c = await conversationWith('to delete', 'one', 'two');
		const deleted = await repo.deleteConversation(c.id);
		expect(deleted?.messages).toHaveLength(2);
		expect(await repo.getConversation(c.id)).toBeUndefined();
		expect(await repo.messagesOf(c.id)).toEqual([]);
		await repo.restoreConversation(deleted!);
		expect((await repo.messagesOf(c.id)).map((m) => m.content)).toEqual(['one', 'two']);
	});

	it('marks cut-off streaming answers interrupted, keeping their text, except active ones', async () => {
		const c = await conversationWith('t', 'q');
		const partial = await repo.addMessage({
			conversationId: c.id,
			parentId: null,
			role: 'assistant',
			content: 'half an ans',
			status: 'streaming',
			toolCalls: [
				{ id: 'a', name: 'web_search', args: {}, status: 'done', startedAt: 1 },
				{ id: 'b', name: 'write_file', args: {}, status: 'awaiting', startedAt: 2 }
			]
		});
		const live = await repo.addMessage({
			conversationId: c.id,
			parentId: null,
			role: 'assistant',
			content: 'still going',
			status: 'streaming'
		});
		expect(await repo.markInterrupted(new Set([live.id]))).toBe(1);
		const byId = new Map((await repo.messagesOf(c.id)).map((m) => [m.id, m]));
		expect(byId.get(partial.id)).toMatchObject({ status: 'interrupted', content: 'half an ans' });
		// A call left waiting for a yes can never run now.
		expect(byId.get(partial.id)?.toolCalls?.map((c) => c.status)).toEqual(['done', 'cancelled']);
		expect(byId.get(live.id)?.status).toBe('streaming');
	});

	it('reports a full disk as quota_exceeded and keeps what was saved', async () => {
		const c = await conversationWith('t', 'saved before');
		db.messages.hook('creating', () => {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		});
		const attempt = repo.addMessage({
			conversationId: c.id,
			parentId: null,
			role: 'user',
			content: 'x',
			status: 'done'
		});
		await expect(attempt).rejects.toBeInstanceOf(HearthError);
		await expect(attempt).rejects.toMatchObject({ code: 'quota_exceeded' });
		expect((await repo.messagesOf(c.id)).map((m) => m.content)).toEqual(['saved before']);
	});
});

describe('searchHistory', () => {
	it('finds messages and titles by word prefixes, all words required, newest first', async () => {
		const old = await conversationWith(
			'Trip planning',
			'Where should we go in Lisbon?',
			'Try Alfama.'
		);
		await conversationWith('Bread', 'My sourdough starter smells like acetone');
		const recent = await conversationWith('Lisbon again', 'Lisbon trams are lovely');
		const hits = await searchHistory(db, 'lisb');
		expect(hits.map((h) => h.conversation.id)).toEqual([recent.id, old.id]);
		const both = await searchHistory(db, 'SOURDOUGH acet');
		expect(both).toHaveLength(1);
		expect(both[0]?.snippet).toContain('sourdough starter');
		expect(await searchHistory(db, 'sourdough lisbon')).toEqual([]);
		expect(await searchHistory(db, '   ')).toEqual([]);
	});

	it('stays correct with thousands of conversations', async () => {
		const rows = Array.from({ length: 2000 }, (_, i) => ({
			id: `c${i}`,
			title: `Conversation ${i}`,
			titleWords: ['conversation', String(i)],
			createdAt: i,
			updatedAt: i,
			pinned: 0 as const,
			mode: 'chat' as const,
			leafId: null
		}));
		await db.conversations.bulkAdd(rows);
		await db.messages.bulkAdd(
			rows.map((r, i) => ({
				id: `m${i}`,
				conversationId: r.id,
				parentId: null,
				role: 'user' as const,
				content: i === 1234 ? 'the zanzibar itinerary' : 'the usual text',
				words: i === 1234 ? ['the', 'zanzibar', 'itinerary'] : ['the', 'usual', 'text'],
				status: 'done' as const,
				createdAt: i,
				updatedAt: i
			}))
		);
		const hits = await searchHistory(db, 'the zanzibar');
		expect(hits.map((h) => h.messageId)).toEqual(['m1234']);
		expect(await searchHistory(db, 'usual', 10)).toHaveLength(10);
	});
});
