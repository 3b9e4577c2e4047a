// recall_conversations in the terminal: the web app's ConversationRecall and tool over the
// SQLite chat store (sqliteRecallRows), with the real test embedder (bow-embedder, one ONNX
// thread) and with no embedding model at all (then by the words).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConversationRecall } from '$lib/memory/recall';
import { createMemoryTools } from '$lib/tools/memory-tools';
import { MemoryRepository } from '$lib/memory/memory-repo';
import type { ToolContext } from '$lib/tools/types';
import { requireSharedModels, SHARED_MODELS, TEST_MODEL } from '$workers/embed-test-kit';
import { NodeEmbedder } from './node-embedder';
import { SqliteChatStore } from './sqlite-chat-store';
import { sqliteMemoryRows, sqliteRecallRows } from './sqlite-stores';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let dir: string;
let store: SqliteChatStore;
const embedder = new NodeEmbedder({ modelsDir: SHARED_MODELS, modelId: TEST_MODEL, threads: 1 });
const memoryEmbedder = { model: TEST_MODEL, embed: embedder.embed };

async function conversation(title: string, texts: string[]): Promise<string> {
	const c = await store.createConversation({ title });
	let parentId: string | null = null;
	for (const [i, content] of texts.entries()) {
		const m = await store.addMessage({
			conversationId: c.id,
			parentId,
			role: i % 2 === 0 ? 'user' : 'assistant',
			content,
			status: 'done'
		});
		parentId = m.id;
	}
	return c.id;
}

let budget = '';
let trip = '';

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-recall-'));
	store = await SqliteChatStore.open(path.join(dir, 'hearth.db'));
	budget = await conversation('Q3 budget', [
		'What did the meeting notes say about the Q3 budget?',
		'<think>let me look</think>The Q3 budget was cut by ten percent for marketing.'
	]);
	trip = await conversation('Trip to Porto', [
		'Plan a weekend trip to Porto with trains.',
		'Take the Alfa Pendular train to Porto on Saturday morning.'
	]);
	// Half-written answers are not recalled.
	await store.addMessage({
		conversationId: trip,
		parentId: null,
		role: 'assistant',
		content: 'half written budget answer',
		status: 'streaming'
	});
});

afterAll(async () => {
	store?.close();
	await embedder.dispose();
	await rm(dir, { recursive: true, force: true });
});

describe('ConversationRecall over SQLite', () => {
	it('finds past messages by meaning, keeps their vectors on disk, and prunes deleted ones', async (ctx) => {
		requireSharedModels(ctx);
		const recall = new ConversationRecall(sqliteRecallRows(store.db), memoryEmbedder);
		const hits = await recall.recall('budget for marketing', { k: 2 });
		expect(hits[0]).toMatchObject({
			conversationId: budget,
			conversationTitle: 'Q3 budget',
			role: 'assistant',
			snippet: 'The Q3 budget was cut by ten percent for marketing.'
		});
		expect(hits.map((h) => h.snippet)).not.toContain('half written budget answer');
		const stored = () =>
			(
				store.db
					.prepare("SELECT key FROM vectors WHERE key LIKE 'message:%' ORDER BY key")
					.all() as { key: string }[]
			).map((r) => r.key);
		expect(stored()).toHaveLength(4);

		// A later question embeds nothing again but the question itself.
		let embedded = 0;
		const counting = new ConversationRecall(sqliteRecallRows(store.db), {
			model: TEST_MODEL,
			embed: async (texts, kind, signal) => {
				embedded += texts.length;
				return embedder.embed(texts, kind, signal);
			}
		});
		const porto = await counting.recall('train to Porto', { k: 1, excludeConversationId: budget });
		expect(porto[0]?.conversationId).toBe(trip);
		expect(embedded).toBe(1);

		const deleted = await store.deleteConversation(trip);
		expect(await recall.prune()).toBe(2);
		expect(stored()).toHaveLength(2);
		await store.restoreConversation(deleted!);
	});

	it('without an embedding model, finds them by their words', async () => {
		const none = new NodeEmbedder({ modelsDir: path.join(dir, 'no-models') });
		const recall = new ConversationRecall(sqliteRecallRows(store.db), {
			model: none.model.id,
			embed: none.embed
		});
		const hits = await recall.recall('Porto trains', { k: 3 });
		expect(hits.map((h) => h.conversationTitle)).toEqual(['Trip to Porto', 'Trip to Porto']);
		expect(await recall.recall('quantum chromodynamics')).toEqual([]);
	});

	it('is what recall_conversations answers from, with the day and a link to the message', async () => {
		const none = new NodeEmbedder({ modelsDir: path.join(dir, 'no-models') });
		const recall = new ConversationRecall(sqliteRecallRows(store.db), {
			model: none.model.id,
			embed: none.embed
		});
		const memories = new MemoryRepository(sqliteMemoryRows(store.db), memoryEmbedder);
		const [, , tool] = createMemoryTools({ memories, recall, now: Date.now, timeZone: 'UTC' });
		const ctx = {
			signal: new AbortController().signal,
			conversationId: 'elsewhere'
		} as unknown as ToolContext;
		const result = await tool.run({ query: 'the marketing budget' }, ctx);
		expect(result.content).toMatch(
			/^Past conversations:\n\[1\] "Q3 budget", .* you answered: The Q3/
		);
		expect(result.untrusted).toBe(true);
		expect(result.sources?.[0]?.url).toMatch(new RegExp(`^hearth-chat:${budget}#`));
	});
});
