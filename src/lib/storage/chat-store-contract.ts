import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStore, NewMessage } from '$lib/conversation/chat-store';
import type { Conversation } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';

// The behaviour every conversation store must show, whatever keeps the data (Dexie in the
// browser, SQLite on disk for the terminal and the API). Test-only: imported by *.test.ts files.

export interface ChatStoreContext {
	store: ChatStore;
	close(): Promise<void>;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

export function describeChatStoreContract(
	name: string,
	setup: () => Promise<ChatStoreContext>
): void {
	describe(`${name} satisfies the ChatStore contract`, () => {
		let ctx: ChatStoreContext;
		let store: ChatStore;

		beforeEach(async () => {
			ctx = await setup();
			store = ctx.store;
		});
		afterEach(async () => {
			await ctx?.close();
		});

		async function conversationWith(title: string, ...texts: string[]): Promise<Conversation> {
			const c = await store.createConversation({ title });
			let parentId: string | null = null;
			for (const [i, content] of texts.entries()) {
				await tick();
				const m = await store.addMessage({
					conversationId: c.id,
					parentId,
					role: i % 2 === 0 ? 'user' : 'assistant',
					content,
					status: 'done'
				});
				parentId = m.id;
			}
			return (await store.getConversation(c.id))!;
		}

		it('creates a conversation with its defaults and reads it back', async () => {
			const c = await store.createConversation({
				title: 'Trip to Lisbon',
				model: 'm',
				engine: 'ollama'
			});
			expect(c).toMatchObject({
				title: 'Trip to Lisbon',
				titleWords: ['trip', 'to', 'lisbon'],
				pinned: 0,
				mode: 'chat',
				model: 'm',
				engine: 'ollama',
				leafId: null
			});
			expect(c.createdAt).toBe(c.updatedAt);
			expect(await store.getConversation(c.id)).toEqual(c);
			expect(await store.getConversation('nope')).toBeUndefined();
			expect(await store.countConversations()).toBe(1);
			const pinned = await store.createConversation({
				title: 'Pinned at birth',
				pin: { engine: 'llamacpp', model: 'x.gguf' },
				options: { temperature: 0 }
			});
			expect(await store.getConversation(pinned.id)).toMatchObject({
				pin: { engine: 'llamacpp', model: 'x.gguf' },
				options: { temperature: 0 }
			});
		});

		it('lists pinned conversations first, then newest first, page by page', async () => {
			const a = await conversationWith('alpha');
			await tick();
			const b = await conversationWith('beta');
			await tick();
			await conversationWith('gamma');
			await store.updateConversation(a.id, { pinned: 1 });
			await tick();
			await store.updateConversation(b.id, {}, true);
			const page1 = await store.listConversations(0, 2);
			const page2 = await store.listConversations(2, 2);
			expect([...page1, ...page2].map((x) => x.title)).toEqual(['alpha', 'beta', 'gamma']);
			expect(await store.listConversations(3, 10)).toEqual([]);
			expect(await store.countConversations()).toBe(3);
		});

		it('adds messages in order, moves the leaf, and keeps branches', async () => {
			const c = await conversationWith('t', 'hi', 'hello', 'how are you');
			const messages = await store.messagesOf(c.id);
			expect(messages.map((m) => m.content)).toEqual(['hi', 'hello', 'how are you']);
			expect(c.leafId).toBe(messages[2]?.id);
			expect(messages[1]?.parentId).toBe(messages[0]?.id);
			expect(messages[0]).toMatchObject({ role: 'user', status: 'done', words: ['hi'] });
			// A regenerated answer is a sibling: both stay; the leaf moves to the new one.
			await tick();
			const regenerated = await store.addMessage({
				conversationId: c.id,
				parentId: messages[0]!.id,
				role: 'assistant',
				content: 'hey there',
				status: 'done',
				model: 'qwen',
				usage: { promptTokens: 3, completionTokens: 2 },
				toolCalls: [
					{ id: 'k', name: 'calculator', args: { expression: '1+1' }, status: 'done', startedAt: 5 }
				]
			});
			const after = await store.messagesOf(c.id);
			expect(after).toHaveLength(4);
			expect(after.at(-1)).toEqual(regenerated);
			expect((await store.getConversation(c.id))?.leafId).toBe(regenerated.id);
			expect((await store.getConversation(c.id))!.updatedAt).toBeGreaterThanOrEqual(c.updatedAt);
		});

		it('creates a conversation with its first branch at once, or nothing of it', async () => {
			const { conversation, messages } = await store.createThread({ title: 'Ferry times' }, [
				{ role: 'user', content: 'When does the ferry leave?', status: 'done' },
				{ role: 'assistant', content: 'At noon.', status: 'done' },
				{ role: 'user', content: 'And the last one?', status: 'done' },
				{ role: 'assistant', content: '', status: 'streaming' }
			]);
			expect(await store.getConversation(conversation.id)).toEqual(conversation);
			expect(conversation.leafId).toBe(messages[3]!.id);
			expect(await store.messagesOf(conversation.id)).toEqual(messages);
			expect(messages.map((m) => m.parentId)).toEqual([
				null,
				messages[0]!.id,
				messages[1]!.id,
				messages[2]!.id
			]);
			expect(messages[0]).toMatchObject({
				conversationId: conversation.id,
				words: ['when', 'does', 'the', 'ferry', 'leave']
			});
			expect((await store.search('ferry')).map((h) => h.conversation.id)).toEqual([
				conversation.id
			]);
			// A clash part-way keeps nothing: no conversation, no first message.
			await expect(
				store.createThread({ title: 'Clash' }, [
					{ role: 'user', content: 'fresh', status: 'done' },
					{ id: messages[0]!.id, role: 'assistant', content: 'taken', status: 'done' }
				])
			).rejects.toBeInstanceOf(HearthError);
			expect(await store.countConversations()).toBe(1);
			expect(await store.search('fresh')).toEqual([]);
		});

		it('keeps a given id and time, and refuses a second message with the same id', async () => {
			const c = await store.createConversation({ title: 't' });
			const init: NewMessage = {
				id: 'fixed-id',
				createdAt: 1234,
				conversationId: c.id,
				parentId: null,
				role: 'user',
				content: 'first',
				status: 'done'
			};
			const m = await store.addMessage(init);
			expect(m).toMatchObject({ id: 'fixed-id', createdAt: 1234 });
			await expect(store.addMessage({ ...init, content: 'second' })).rejects.toBeInstanceOf(
				HearthError
			);
			expect((await store.messagesOf(c.id)).map((x) => x.content)).toEqual(['first']);
		});

		it('updates a message (streamed text) and its search words', async () => {
			const c = await conversationWith('t', 'question');
			// A later millisecond than the question: same-millisecond messages order by id.
			await tick();
			const answer = await store.addMessage({
				conversationId: c.id,
				parentId: null,
				role: 'assistant',
				content: 'Thinking about zebras',
				status: 'streaming'
			});
			await tick();
			await store.updateMessage(answer.id, {
				content: 'Giraffes are tall',
				status: 'done',
				timings: { totalMs: 5 }
			});
			const [, stored] = await store.messagesOf(c.id);
			expect(stored).toMatchObject({
				content: 'Giraffes are tall',
				status: 'done',
				timings: { totalMs: 5 }
			});
			expect(stored!.words).toEqual(['giraffes', 'are', 'tall']);
			expect(stored!.updatedAt).toBeGreaterThan(answer.updatedAt);
			expect(await store.search('zebra')).toEqual([]);
			expect((await store.search('giraf')).map((h) => h.messageId)).toEqual([answer.id]);
			// An unknown id changes nothing and does not fail.
			await store.updateMessage('missing', { content: 'x' });
			expect(await store.messagesOf(c.id)).toHaveLength(2);
		});

		it('updates a conversation: title words, pin, options, summary, touch', async () => {
			const c = await conversationWith('old title', 'hi');
			await tick();
			await store.updateConversation(c.id, {
				title: 'New name',
				titleFinal: true,
				pin: { engine: 'openai', model: 'gpt' },
				options: { temperature: 0.3, stop: ['END'] },
				summary: { text: 'Said hi.', throughId: c.leafId!, coversCount: 1 }
			});
			const updated = await store.getConversation(c.id);
			expect(updated).toMatchObject({
				title: 'New name',
				titleWords: ['new', 'name'],
				titleFinal: true,
				options: { temperature: 0.3, stop: ['END'] }
			});
			expect(updated?.updatedAt).toBe(c.updatedAt);
			await store.updateConversation(c.id, {}, true);
			expect((await store.getConversation(c.id))!.updatedAt).toBeGreaterThan(c.updatedAt);
			expect((await store.search('new nam')).map((h) => h.snippet)).toEqual(['New name']);
		});

		it('marks cut-off streaming answers interrupted, keeping their text, except active ones', async () => {
			const c = await conversationWith('t', 'q');
			const partial = await store.addMessage({
				conversationId: c.id,
				parentId: null,
				role: 'assistant',
				content: 'half an ans',
				status: 'streaming',
				toolCalls: [
					{ id: 'a', name: 'web_search', args: {}, status: 'done', startedAt: 1 },
					{ id: 'b', name: 'run_command', args: {}, status: 'awaiting', startedAt: 2 },
					{ id: 'c', name: 'run_command', args: {}, status: 'running', startedAt: 3 }
				]
			});
			const live = await store.addMessage({
				conversationId: c.id,
				parentId: null,
				role: 'assistant',
				content: 'still going',
				status: 'streaming'
			});
			expect(await store.markInterrupted(new Set([live.id]))).toBe(1);
			const byId = new Map((await store.messagesOf(c.id)).map((m) => [m.id, m]));
			expect(byId.get(partial.id)).toMatchObject({ status: 'interrupted', content: 'half an ans' });
			expect(byId.get(partial.id)?.toolCalls?.map((t) => t.status)).toEqual([
				'done',
				'cancelled',
				'cancelled'
			]);
			expect(byId.get(live.id)?.status).toBe('streaming');
			expect(await store.markInterrupted()).toBe(1);
			expect(await store.markInterrupted()).toBe(0);
		});

		it('deletes a conversation with its messages and restores it (undo)', async () => {
			const c = await conversationWith('to delete', 'one', 'two');
			const kept = await conversationWith('kept', 'three');
			const deleted = await store.deleteConversation(c.id);
			expect(deleted?.conversation).toEqual(c);
			// In no particular order (Dexie returns them by id).
			expect(deleted?.messages.map((m) => m.content).sort()).toEqual(['one', 'two']);
			expect(deleted?.attachments).toEqual([]);
			expect(deleted?.images).toEqual([]);
			expect(await store.getConversation(c.id)).toBeUndefined();
			expect(await store.messagesOf(c.id)).toEqual([]);
			expect(await store.search('one')).toEqual([]);
			expect(await store.deleteConversation('missing')).toBeUndefined();
			await store.restoreConversation(deleted!);
			expect(await store.getConversation(c.id)).toEqual(c);
			expect((await store.messagesOf(c.id)).map((m) => m.content)).toEqual(['one', 'two']);
			expect((await store.search('two')).map((h) => h.conversation.id)).toEqual([c.id]);
			expect(await store.messagesOf(kept.id)).toHaveLength(1);
		});

		it('clears everything', async () => {
			await conversationWith('a', 'x');
			await conversationWith('b', 'y');
			await store.clearAll();
			expect(await store.countConversations()).toBe(0);
			expect(await store.listConversations(0, 10)).toEqual([]);
			expect(await store.search('x')).toEqual([]);
		});

		it('keeps a 1 MB paste and unusual text intact', async () => {
			const big = 'lorem ipsum '.repeat(90_000);
			const odd = 'naïve café — 日本語 🔥 \u0000 "quotes" \'single\' <b>html</b> \\ back\nslash';
			const c = await conversationWith('big', big, odd);
			const [first, second] = await store.messagesOf(c.id);
			expect(first?.content).toBe(big);
			expect(second?.content).toBe(odd);
			expect((await store.search('日本語')).map((h) => h.messageId)).toEqual([second!.id]);
		});

		it('searches titles and text by word prefixes, every word required, newest first', async () => {
			const old = await conversationWith(
				'Trip planning',
				'Where should we go in Lisbon?',
				'Try Alfama.'
			);
			await tick();
			await conversationWith('Bread', 'My sourdough starter smells like acetone');
			await tick();
			const recent = await conversationWith('Lisbon again', 'Lisbon trams are well-known');
			expect((await store.search('lisb')).map((h) => h.conversation.id)).toEqual([
				recent.id,
				old.id
			]);
			const both = await store.search('SOURDOUGH acet');
			expect(both).toHaveLength(1);
			expect(both[0]?.snippet).toContain('sourdough starter');
			expect(both[0]?.messageId).toBeDefined();
			expect(await store.search('sourdough lisbon')).toEqual([]);
			expect(await store.search('   ')).toEqual([]);
			expect(await store.search('"; DROP TABLE x; --')).toEqual([]);
			expect((await store.search('well-kn')).map((h) => h.conversation.id)).toEqual([recent.id]);
			// A title hit shows the title.
			expect((await store.search('planning')).map((h) => h.snippet)).toEqual(['Trip planning']);
			expect(await store.search('lisbon', 1)).toHaveLength(1);
		});
	});
}
