import { describe, expect, it } from 'vitest';
import { InMemoryChatStore } from '$lib/conversation/memory-chat-store';
import { describeChatStoreContract } from '$lib/storage/chat-store-contract';

describeChatStoreContract('InMemoryChatStore', async () => ({
	store: new InMemoryChatStore(),
	close: async () => undefined
}));

describe('InMemoryChatStore', () => {
	it('hands out copies: changing a returned record changes nothing stored', async () => {
		const store = new InMemoryChatStore();
		const c = await store.createConversation({ title: 'Kept' });
		c.title = 'changed';
		const m = await store.addMessage({
			conversationId: c.id,
			parentId: null,
			role: 'user',
			content: 'hello there',
			status: 'done',
			toolCalls: [{ id: 't', name: 'calculator', args: { x: 1 }, status: 'done', startedAt: 1 }]
		});
		(m.toolCalls![0]!.args as { x: number }).x = 2;
		const [listed] = await store.messagesOf(c.id);
		listed!.content = 'changed';
		expect((await store.getConversation(c.id))?.title).toBe('Kept');
		expect(await store.messagesOf(c.id)).toMatchObject([
			{ content: 'hello there', toolCalls: [{ args: { x: 1 } }] }
		]);
	});

	it('removes a field a patch sets to undefined, as the databases do', async () => {
		const store = new InMemoryChatStore();
		const c = await store.createConversation({ title: 't', model: 'm' });
		await store.updateConversation(c.id, { model: undefined });
		expect(await store.getConversation(c.id)).not.toHaveProperty('model');
	});
});
