import { describe, expect, it } from 'vitest';
import { ProposalQueue, type ExchangeBatch } from '$lib/memory/proposal-queue';

const exchange = (conversationId: string, userText: string) => ({
	conversationId,
	engine: 'engine',
	model: 'm',
	userText,
	answer: `answer to ${userText}`
});

async function until(check: () => boolean, ms = 2000): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 5));
	}
}

describe('ProposalQueue', () => {
	it('reads several exchanges of a conversation in one call, after a quiet spell', async () => {
		const read: ExchangeBatch<string>[] = [];
		const queue = new ProposalQueue<string>({ read: async (b) => void read.push(b), quietMs: 30 });
		queue.add(exchange('a', 'I live in Porto'));
		queue.add(exchange('a', 'I work as a nurse'));
		queue.add(exchange('b', 'My cat is called Miso'));
		expect(read).toHaveLength(0);
		await until(() => read.length === 2);
		expect(read.map((b) => [b.conversationId, b.userTexts])).toEqual([
			['a', ['I live in Porto', 'I work as a nurse']],
			['b', ['My cat is called Miso']]
		]);
		expect(read[0]?.answer).toBe('answer to I work as a nurse');
		expect(queue.size).toBe(0);
	});

	it('waits while an answer is being written', async () => {
		let busy = true;
		const read: ExchangeBatch<string>[] = [];
		const queue = new ProposalQueue<string>({
			read: async (b) => void read.push(b),
			quietMs: 20,
			busy: () => busy
		});
		queue.add(exchange('a', 'I prefer tea'));
		await new Promise((r) => setTimeout(r, 80));
		expect(read).toHaveLength(0);
		busy = false;
		await until(() => read.length === 1);
	});

	it('reads a full batch at once, and flush reads what is left', async () => {
		const read: ExchangeBatch<string>[] = [];
		const queue = new ProposalQueue<string>({
			read: async (b) => void read.push(b),
			quietMs: 60_000,
			maxBatch: 2
		});
		queue.add(exchange('a', 'one'));
		queue.add(exchange('a', 'two'));
		await until(() => read.length === 1);
		queue.add(exchange('a', 'three'));
		expect(queue.size).toBe(1);
		await queue.flush();
		expect(read.map((b) => b.userTexts)).toEqual([['one', 'two'], ['three']]);
	});

	it('a failed read loses nothing else', async () => {
		const read: string[] = [];
		const queue = new ProposalQueue<string>({
			read: async (b) => {
				if (b.conversationId === 'a') throw new Error('model gone');
				read.push(b.conversationId);
			},
			quietMs: 60_000
		});
		queue.add(exchange('a', 'x'));
		queue.add(exchange('b', 'y'));
		await queue.flush();
		expect(read).toEqual(['b']);
	});

	it('a batch carries the untrusted origins of every exchange in it', async () => {
		const read: ExchangeBatch<string>[] = [];
		const queue = new ProposalQueue<string>({
			read: async (b) => void read.push(b),
			quietMs: 60_000
		});
		queue.add({ ...exchange('a', 'I live in Porto'), untrusted: ['fetch_page https://a.example'] });
		queue.add(exchange('a', 'I work as a nurse'));
		queue.add({
			...exchange('a', 'I like tea'),
			untrusted: ['ocr photo.png', 'fetch_page https://a.example']
		});
		queue.add(exchange('b', 'I have a cat'));
		await queue.flush();
		expect(read.map((b) => [b.conversationId, b.untrusted])).toEqual([
			['a', ['fetch_page https://a.example', 'ocr photo.png']],
			['b', undefined]
		]);
	});
});
