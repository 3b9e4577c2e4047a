import { describe, expect, it } from 'vitest';
import { AnswerWriter } from '$lib/conversation/answer-writer';
import type { MessagePatch } from '$lib/conversation/chat-store';
import { InMemoryChatStore } from '$lib/conversation/memory-chat-store';
import { HearthError } from '$lib/types/errors';

async function setup(stored: boolean) {
	const store = new InMemoryChatStore();
	const { messages } = await store.createThread({ title: 'q' }, [
		{ role: 'user', content: 'q', status: 'done' },
		{ role: 'assistant', content: '', status: 'streaming' }
	]);
	const answer = messages[1]!;
	const writes: MessagePatch[] = [];
	const update = store.updateMessage.bind(store);
	let failNext = false;
	store.updateMessage = async (id, patch) => {
		writes.push(patch);
		if (failNext) {
			failNext = false;
			throw new HearthError('quota_exceeded', 'The disk is full.');
		}
		return update(id, patch);
	};
	const errors: unknown[] = [];
	const writer = new AnswerWriter(store, answer, (e) => errors.push(e), 60_000, stored);
	return { store, answer, writes, writer, errors, failNext: () => (failNext = true) };
}

describe('AnswerWriter', () => {
	it('writes only what changed since its last write, and again after a failed one', async () => {
		const { store, answer, writes, writer, errors, failNext } = await setup(false);
		await writer.save();
		await writer.save();
		expect(writes).toHaveLength(1);
		answer.content = 'Once';
		failNext();
		await writer.save();
		expect(errors).toHaveLength(1);
		// The failed write is not taken for written: the same state is tried again.
		await writer.save();
		answer.status = 'done';
		await writer.finish();
		await writer.finish();
		expect(writes.map((w) => `${w.status}:${w.content}`)).toEqual([
			'streaming:',
			'streaming:Once',
			'streaming:Once',
			'done:Once'
		]);
		expect((await store.messagesOf(answer.conversationId))[1]).toMatchObject({
			content: 'Once',
			status: 'done'
		});
	});

	it('an answer stored as given has nothing to write until it changes', async () => {
		const { answer, writes, writer } = await setup(true);
		await writer.save();
		expect(writes).toEqual([]);
		answer.content = 'x';
		await writer.save();
		expect(writes).toHaveLength(1);
	});
});
