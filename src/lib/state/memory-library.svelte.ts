import { memoriesToJson, memoriesToMarkdown } from '$lib/memory/export';
import type { MemoryRepository } from '$lib/memory/memory-repo';
import { toHearthError } from '$lib/types/errors';
import type { Memory } from '$lib/types/knowledge';
import { downloadText, fileDay } from '$lib/utils/download';
import { errorTitle } from '$lib/utils/error-text';

type MemoryActions = Pick<
	MemoryRepository,
	'list' | 'edit' | 'delete' | 'keep' | 'discard' | 'trust'
>;

/**
 * Memories as their screen shows them: the list, the last failure in a sentence, each action on
 * one memory (the list is read again after it, so the screen shows what was stored), and exports.
 */
export class MemoryLibraryState {
	memories = $state<Memory[]>([]);
	error = $state<string | null>(null);
	readonly #repo: MemoryActions;

	constructor(repo: MemoryActions) {
		this.#repo = repo;
	}

	/** The kept ones: what Hearth uses, and what an export holds. */
	get kept(): Memory[] {
		return this.memories.filter((m) => m.status === 'kept');
	}

	async refresh(): Promise<void> {
		// A failed read keeps what is shown rather than emptying the screen.
		this.memories = await this.#repo.list().catch(() => this.memories);
	}

	edit(id: string, text: string): Promise<void> {
		return this.#act(() => this.#repo.edit(id, { text }));
	}
	delete(id: string): Promise<void> {
		return this.#act(() => this.#repo.delete(id));
	}
	keep(id: string): Promise<void> {
		return this.#act(() => this.#repo.keep(id));
	}
	discard(id: string): Promise<void> {
		return this.#act(() => this.#repo.discard(id));
	}
	trust(id: string): Promise<void> {
		return this.#act(() => this.#repo.trust(id));
	}

	exportJson(now = Date.now()): void {
		downloadText(
			`hearth-memories-${fileDay(now)}.json`,
			memoriesToJson(this.kept, now),
			'application/json'
		);
	}

	exportMarkdown(now = Date.now()): void {
		downloadText(
			`hearth-memories-${fileDay(now)}.md`,
			memoriesToMarkdown(this.kept),
			'text/markdown'
		);
	}

	async #act(work: () => Promise<unknown>): Promise<void> {
		this.error = null;
		try {
			await work();
		} catch (e) {
			const failure = toHearthError(e);
			this.error = `${errorTitle(failure.code)}: ${failure.message}`;
		}
		await this.refresh();
	}
}
