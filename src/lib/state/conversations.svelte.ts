import type { ChatStore, HistoryHit } from '$lib/conversation/chat-store';
import type { Conversation } from '$lib/types/chat';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { ToastState } from '$lib/state/toasts.svelte';

const PAGE = 50;

/** The sidebar: conversations page by page, history search, rename/pin/delete with undo. */
export class ConversationListState {
	items = $state<Conversation[]>([]);
	total = $state(0);
	query = $state('');
	results = $state<HistoryHit[] | null>(null);
	searching = $state(false);
	#repo: ChatStore;
	#toasts: ToastState;
	#onError: (e: HearthError) => void;
	#searchTimer: ReturnType<typeof setTimeout> | null = null;
	#searchSeq = 0;
	/** Called after a conversation is removed, so the chat view can leave it. */
	onRemoved: (id: string) => void = () => {};

	constructor(repo: ChatStore, toasts: ToastState, onError: (e: HearthError) => void) {
		this.#repo = repo;
		this.#toasts = toasts;
		this.#onError = onError;
	}

	get hasMore(): boolean {
		return this.items.length < this.total;
	}

	/** Reloads what is shown (at least one page), e.g. after a conversation changed. */
	async reload(): Promise<void> {
		try {
			const [items, total] = await Promise.all([
				this.#repo.listConversations(0, Math.max(PAGE, this.items.length)),
				this.#repo.countConversations()
			]);
			this.items = items;
			this.total = total;
			if (this.query.trim()) await this.#runSearch();
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}

	async loadMore(): Promise<void> {
		if (!this.hasMore) return;
		try {
			const next = await this.#repo.listConversations(this.items.length, PAGE);
			// eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, not state
			const known = new Set(this.items.map((c) => c.id));
			this.items.push(...next.filter((c) => !known.has(c.id)));
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}

	setQuery(query: string): void {
		this.query = query;
		if (this.#searchTimer) clearTimeout(this.#searchTimer);
		if (!query.trim()) {
			this.results = null;
			this.searching = false;
			return;
		}
		this.searching = true;
		this.#searchTimer = setTimeout(() => void this.#runSearch(), 120);
	}

	async #runSearch(): Promise<void> {
		const seq = ++this.#searchSeq;
		try {
			const hits = await this.#repo.search(this.query);
			if (seq !== this.#searchSeq) return; // a newer query is on its way
			this.results = hits;
		} catch (e) {
			this.#onError(toHearthError(e));
		} finally {
			if (seq === this.#searchSeq) this.searching = false;
		}
	}

	async rename(id: string, title: string): Promise<void> {
		const clean = title.replace(/\s+/g, ' ').trim();
		if (!clean) return;
		try {
			await this.#repo.updateConversation(id, { title: clean, titleFinal: true });
			await this.reload();
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}

	async togglePin(conversation: Conversation): Promise<void> {
		try {
			await this.#repo.updateConversation(conversation.id, { pinned: conversation.pinned ? 0 : 1 });
			await this.reload();
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}

	async remove(conversation: Conversation): Promise<void> {
		try {
			const deleted = await this.#repo.deleteConversation(conversation.id);
			this.onRemoved(conversation.id);
			await this.reload();
			if (!deleted) return;
			this.#toasts.push(`Deleted “${conversation.title}”`, {
				action: {
					label: 'Undo',
					run: async () => {
						await this.#repo.restoreConversation(deleted);
						await this.reload();
					}
				}
			});
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}
}
