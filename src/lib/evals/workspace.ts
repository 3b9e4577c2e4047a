// Where a case runs: a throwaway conversation store and memory of its own, empty at the start of
// every case and emptied after it, so an eval never writes into the person's conversations or
// memories. Each face supplies how one is made; only what the run keeps (its EvalRun) is stored.
import type { ChatStore } from '$lib/conversation/chat-store';
import { InMemoryChatStore } from '$lib/conversation/memory-chat-store';
import type { MemoryHooks } from '$lib/conversation/ports';
import type { EvalCase } from '$lib/evals/types';
import type { AnyTool } from '$lib/tools/types';

export interface EvalWorkspace {
	store: ChatStore;
	/** The workspace's memories, for each answer's prompt (memory cases recall through it). */
	memory?: MemoryHooks;
	/** remember / forget / recall_conversations over the workspace's own store. */
	memoryTools?: readonly AnyTool[];
	/** Drops everything the case stored. */
	dispose(): Promise<void>;
}

/** Opens the workspace for one case (the case says whether it needs memories). */
export type OpenWorkspace = (kase: Pick<EvalCase, 'tools'>) => Promise<EvalWorkspace>;

/**
 * A case without memory tools: its conversations in this process's memory and nowhere else, no
 * memories (an empty memory store adds nothing to the prompt either), dropped with the object.
 */
export function plainWorkspace(): EvalWorkspace {
	return { store: new InMemoryChatStore(), dispose: async () => undefined };
}
