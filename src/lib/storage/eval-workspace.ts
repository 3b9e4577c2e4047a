// The browser's (and Node's) eval workspace. A case with memory tools gets a database of its own
// in memory (fake-indexeddb, loaded only then) with the real conversation store, memory
// repository and memory tools over it: recall reads the conversations from the same tables the
// memories live in. Every other case gets the plain in-memory conversation store, which costs
// next to nothing per turn. Neither ever opens the person's database; both go after each case.
import type { EvalCase } from '$lib/evals/types';
import { plainWorkspace, type EvalWorkspace } from '$lib/evals/workspace';
import { EVAL_NOW, usesMemory } from '$lib/evals/tool-names';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { ConversationRecall } from '$lib/memory/recall';
import { relevantMemoryBlock } from '$lib/memory/relevance';
import type { EmbedFn, MemoryEmbedder } from '$lib/memory/vectors';
import { ChatRepository } from '$lib/storage/chat-repo';
import { createDb, type HearthDb } from '$lib/storage/db';
import { createMemoryTools } from '$lib/tools/memory-tools';
import type { AnyTool } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

export interface ScratchOptions {
	/** The person's embedding model, when it is loaded (memories are then found by meaning). */
	embed?: { model: string; embed: EmbedFn };
}

const noEmbedding: EmbedFn = async () => {
	throw new HearthError('model_not_downloaded', 'No embedding model in this eval: words only.');
};

// Emptied databases waiting for the next case: opening a fresh one (its whole schema, every
// store and index created) costs more than the case's own writes, so a run reuses a few.
const idle: HearthDb[] = [];
const MAX_IDLE = 2;

async function scratchDb(): Promise<HearthDb> {
	const reused = idle.pop();
	if (reused) return reused;
	const { IDBFactory, IDBKeyRange } = await import('fake-indexeddb');
	const db = createDb(`hearth-eval-${crypto.randomUUID()}`, {
		indexedDB: new IDBFactory(),
		IDBKeyRange
	});
	await db.open();
	return db;
}

/** Empties every table (nothing of a case reaches the next) and keeps the database for reuse. */
async function release(db: HearthDb): Promise<void> {
	if (idle.length >= MAX_IDLE) {
		db.close();
		return;
	}
	try {
		await db.transaction('rw', db.tables, () => Promise.all(db.tables.map((t) => t.clear())));
		idle.push(db);
	} catch {
		db.close();
	}
}

export async function openScratchWorkspace(
	kase: Pick<EvalCase, 'tools'>,
	options: ScratchOptions = {}
): Promise<EvalWorkspace> {
	if (!usesMemory(kase.tools)) return plainWorkspace();
	const db = await scratchDb();
	const embedder: MemoryEmbedder = options.embed ?? { model: 'none', embed: noEmbedding };
	const memories = new MemoryRepository(db, embedder);
	const recall = new ConversationRecall(db, embedder);
	const memoryTools = createMemoryTools({
		memories,
		recall,
		now: () => EVAL_NOW,
		timeZone: 'UTC'
	}) as unknown as AnyTool[];
	return {
		store: new ChatRepository(db),
		memory: {
			relevant: (query, signal, earlier) => relevantMemoryBlock(memories, query, signal, earlier),
			propose: async () => undefined
		},
		memoryTools,
		dispose: () => release(db)
	};
}
