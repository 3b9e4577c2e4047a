// Memory proposals from finished exchanges, as every face makes them: most messages say nothing
// about the person and cost nothing; the others wait in a ProposalQueue and are read in one
// model call per conversation once answering has been quiet (never while an answer is being
// written). What the model proposes is stored as `proposed` memories for the person to keep or
// discard (the web app's Memory screen, the terminal's y/N or `hearth memories`).
import type { MemoryHooks } from '$lib/conversation/ports';
import type { LlmEngine } from '$lib/engine/types';
import type { Memory } from '$lib/types/knowledge';
import type { MemoryRepository } from './memory-repo';
import { ProposalQueue, type ExchangeBatch } from './proposal-queue';
import { mightStateSomethingDurable, proposeMemories } from './proposals';

export interface MemoryProposerOptions {
	memories: MemoryRepository;
	/** True while an answer is being written: reading waits. */
	busy?: () => boolean;
	/** Proposals were stored (only those new to the store). */
	onProposed?: (proposed: Memory[]) => void;
	/** Quiet time after the last exchange before reading (the queue's default otherwise). */
	quietMs?: number;
}

export class MemoryProposer {
	readonly #options: MemoryProposerOptions;
	readonly #queue: ProposalQueue<LlmEngine>;

	constructor(options: MemoryProposerOptions) {
		this.#options = options;
		this.#queue = new ProposalQueue<LlmEngine>({
			read: (batch) => this.#read(batch),
			busy: () => options.busy?.() ?? false,
			...(options.quietMs !== undefined ? { quietMs: options.quietMs } : {})
		});
	}

	/** A finished exchange to look for durable facts in (MemoryHooks['propose']). */
	readonly propose: MemoryHooks['propose'] = async (input) => {
		if (!mightStateSomethingDurable(input.userText)) return;
		this.#queue.add(input);
	};

	/** Exchanges waiting to be read. */
	get waiting(): number {
		return this.#queue.size;
	}

	/** Reads the exchanges still waiting now (the page is left, the process ends). */
	flush(): Promise<void> {
		return this.#queue.flush();
	}

	async #read(batch: ExchangeBatch<LlmEngine>): Promise<void> {
		const { memories } = this.#options;
		const existing = await memories.list();
		const proposals = await proposeMemories({
			engine: batch.engine,
			model: batch.model,
			userText: batch.userTexts.join('\n\n'),
			answer: batch.answer,
			existing,
			similarity: (texts, signal) => memories.maxSimilarity(texts, signal)
		});
		if (proposals.length === 0) return;
		const before = new Set(existing.map((m) => m.id));
		const stored = await memories.addProposals(proposals, batch.conversationId, batch.untrusted);
		const fresh = stored.filter((m) => !before.has(m.id));
		if (fresh.length > 0) this.#options.onProposed?.(fresh);
	}
}
