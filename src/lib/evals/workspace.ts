// Where a case runs: a throwaway conversation store and memory of its own, empty at the start of
// every case and emptied after it, so an eval never writes into the person's conversations or
// memories. Each face supplies how one is made (the browser: an in-memory database).
import type { ChatStore } from '$lib/conversation/chat-store';
import type { MemoryHooks } from '$lib/conversation/ports';
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

export type OpenWorkspace = () => Promise<EvalWorkspace>;
