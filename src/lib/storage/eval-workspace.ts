// The browser's (and Node's) eval workspace: a database of its own in memory (fake-indexeddb,
// loaded only when an eval runs) with the real conversation store, memory repository and memory
// tools over it. It never opens the person's database and is dropped after each case.
import type { EvalWorkspace } from '$lib/evals/workspace';
import { EVAL_NOW } from '$lib/evals/tool-names';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { ConversationRecall } from '$lib/memory/recall';
import { relevantMemoryBlock } from '$lib/memory/relevance';
import type { EmbedFn, MemoryEmbedder } from '$lib/memory/vectors';
import { ChatRepository } from '$lib/storage/chat-repo';
import { createDb } from '$lib/storage/db';
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

export async function openScratchWorkspace(options: ScratchOptions = {}): Promise<EvalWorkspace> {
	const { IDBFactory, IDBKeyRange } = await import('fake-indexeddb');
	const db = createDb(`hearth-eval-${crypto.randomUUID()}`, {
		indexedDB: new IDBFactory(),
		IDBKeyRange
	});
	await db.open();
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
			relevant: (query, signal) => relevantMemoryBlock(memories, query, signal),
			propose: async () => undefined
		},
		memoryTools,
		dispose: async () => db.close()
	};
}
