import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { freshDb } from '$lib/storage/test-db';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { ConversationRecall } from '$lib/memory/recall';
import { testEmbedder } from '$lib/memory/test-embed';
import { createMemoryTools, memoryNamedBy } from '$lib/tools/memory-tools';
import type { ToolContext } from '$lib/tools/types';

const NOW = Date.UTC(2025, 2, 12, 15);
const DAY = 86_400_000;

function context(answers: boolean[] = []) {
	const asked: string[] = [];
	const ctx = {
		conversationId: 'c-now',
		signal: new AbortController().signal,
		ask: async (q: string) => {
			asked.push(q);
			return answers.shift() ?? false;
		}
	} as unknown as ToolContext;
	return { ctx, asked };
}

async function setup() {
	const db = freshDb();
	const embedder = testEmbedder();
	const memories = new MemoryRepository(db, embedder);
	const recall = new ConversationRecall(db, embedder);
	const [remember, forget, recallTool] = createMemoryTools({
		memories,
		recall,
		now: () => NOW,
		timeZone: 'UTC'
	});
	return { db, memories, remember, forget, recallTool };
}

describe('memory tools', () => {
	it('remember stores an explicit kept memory without asking, once', async () => {
		const { memories, remember } = await setup();
		expect(remember.sideEffect).toBe(false);
		const { ctx } = context();
		const args = v.parse(remember.schema, {
			text: ' The user prefers Python. ',
			kind: 'preference'
		});
		expect((await remember.run(args, ctx)).content).toBe('Remembered: "The user prefers Python.".');
		expect((await remember.run(args, ctx)).content).toBe(
			'Already remembered: "The user prefers Python.".'
		);
		expect(await memories.list()).toEqual([
			expect.objectContaining({
				text: 'The user prefers Python.',
				kind: 'preference',
				origin: 'explicit',
				status: 'kept',
				conversationId: 'c-now'
			})
		]);
		expect(v.safeParse(remember.schema, { text: '' }).success).toBe(false);
	});

	it('forget names the memory it will delete, and deletes exactly that one', async () => {
		const { memories, forget } = await setup();
		await memories.add({ text: 'The user prefers Python for scripts.' });
		await memories.add({ text: 'The user prefers dark mode.' });
		await memories.add({ text: 'The user lives in Lisbon.' });
		expect(forget.sideEffect).toBe(true);
		const args = { what: 'that I prefer Python' };
		expect(forget.describe(args)).toBe('Forget the memory "The user prefers Python for scripts.".');
		const { ctx, asked } = context();
		expect((await forget.run(args, ctx)).content).toBe(
			'Forgot "The user prefers Python for scripts.".'
		);
		expect(asked).toEqual([]); // the confirmation already named it
		expect((await memories.list()).map((m) => m.text).sort()).toEqual([
			'The user lives in Lisbon.',
			'The user prefers dark mode.'
		]);
	});

	it('when words do not settle it, forget finds by meaning and asks about that exact memory', async () => {
		const { memories, forget } = await setup();
		await memories.add({ text: 'The user prefers dark mode.' });
		await memories.add({ text: 'The user lives in Lisbon, Portugal.' });
		// One of four words matches: not decisive by words, but closest by meaning.
		const args = { what: 'where my home is, the city and country: Portugal' };
		expect(memoryNamedBy(args.what, memories.peek())).toBeUndefined();
		expect(forget.describe(args)).toMatch(/ask you before forgetting/);
		const declined = context([false]);
		expect((await forget.run(args, declined.ctx)).content).toMatch(
			/chose to keep "The user lives in Lisbon, Portugal."/
		);
		expect(declined.asked).toEqual(['Forget the memory "The user lives in Lisbon, Portugal."?']);
		expect(await memories.list()).toHaveLength(2);
		const yes = context([true]);
		expect((await forget.run(args, yes.ctx)).content).toBe(
			'Forgot "The user lives in Lisbon, Portugal.".'
		);
		expect((await memories.list()).map((m) => m.text)).toEqual(['The user prefers dark mode.']);
	});

	it('forget with nothing close deletes nothing', async () => {
		const { memories, forget } = await setup();
		await memories.add({ text: 'The user prefers dark mode.' });
		const { ctx, asked } = context([true]);
		expect((await forget.run({ what: 'my football club' }, ctx)).content).toMatch(
			/No saved memory matches/
		);
		expect(asked).toEqual([]);
		expect(await memories.list()).toHaveLength(1);
	});

	it('memoryNamedBy refuses a tie', () => {
		const m = (id: string, text: string) => ({
			id,
			text,
			kind: 'fact' as const,
			status: 'kept' as const,
			origin: 'explicit' as const,
			createdAt: 0,
			updatedAt: 0
		});
		const list = [m('a', 'The user prefers Python.'), m('b', 'The user prefers Python 3.12.')];
		expect(memoryNamedBy('python', list)).toBeUndefined();
		expect(memoryNamedBy('python 3.12', list)?.id).toBe('b');
	});

	it('recall_conversations applies the time phrase and cites the conversations', async () => {
		const { db, recallTool } = await setup();
		await db.conversations.bulkPut([
			{
				id: 'c-old',
				title: 'Q3 budget',
				createdAt: 0,
				updatedAt: 0,
				pinned: 0,
				mode: 'chat',
				leafId: null
			},
			{
				id: 'c-now',
				title: 'Today',
				createdAt: 0,
				updatedAt: 0,
				pinned: 0,
				mode: 'chat',
				leafId: null
			}
		]);
		const msg = (id: string, conversationId: string, content: string, createdAt: number) => ({
			id,
			conversationId,
			parentId: null,
			role: 'user' as const,
			content,
			status: 'done' as const,
			createdAt,
			updatedAt: createdAt
		});
		await db.messages.bulkPut([
			msg('m1', 'c-old', 'The Q3 budget is cut for marketing.', NOW - DAY),
			msg('m2', 'c-old', 'The Q3 budget for hiring grows.', NOW - 5 * DAY),
			msg('m3', 'c-now', 'What did we discuss about the budget yesterday?', NOW)
		]);
		expect(recallTool.sideEffect).toBe(false);
		const result = await recallTool.run({ query: 'the budget yesterday' }, context().ctx);
		// Recalled text is not this turn's user speaking (issue 15): it reaches the model fenced.
		expect(result.untrusted).toBe(true);
		expect(result.content).toBe(
			'Past conversations yesterday:\n[1] "Q3 budget", Tue, 11 Mar 2025, the user said: The Q3 budget is cut for marketing.'
		);
		expect(result.sources).toEqual([
			{ title: 'Q3 budget (Tue, 11 Mar 2025)', url: 'hearth-chat:c-old#m1' }
		]);
		const all = await recallTool.run({ query: 'budget' }, context().ctx);
		expect(all.sources?.map((s) => s.url)).toEqual([
			'hearth-chat:c-old#m1',
			'hearth-chat:c-old#m2'
		]);
		const none = await recallTool.run({ query: 'budget last month' }, context().ctx);
		expect(none.content).toBe('No past conversations found last month.');
	});
});
