import type { AttachmentRepository } from '$lib/storage/attachments-repo';
import type { ChatState } from '$lib/state/chat.svelte';
import { toHearthError, type HearthError } from '$lib/types/errors';

export interface AttachmentChip {
	id: string;
	name: string;
	size: number;
}

/** The files attached to the open conversation (Python reads them under /data). */
export class AttachmentsState {
	list = $state.raw<AttachmentChip[]>([]);
	readonly #repo: AttachmentRepository;
	readonly #chat: ChatState;
	readonly #onError: (e: HearthError) => void;
	#loadedFor: string | null = null;

	constructor(repo: AttachmentRepository, chat: ChatState, onError: (e: HearthError) => void) {
		this.#repo = repo;
		this.#chat = chat;
		this.#onError = onError;
	}

	/** Follows the open conversation (call from an effect that reads its id). */
	async follow(conversationId: string | null): Promise<void> {
		if (conversationId === this.#loadedFor) return;
		this.#loadedFor = conversationId;
		if (!conversationId) {
			this.list = [];
			return;
		}
		const rows = await this.#repo.list(conversationId).catch(() => []);
		if (this.#loadedFor !== conversationId) return;
		this.list = rows.map((a) => ({ id: a.id, name: a.name, size: a.size }));
	}

	/** Attaches files to the open conversation; a new chat becomes a conversation named after them. */
	async add(files: File[]): Promise<void> {
		try {
			const conversation = await this.#chat.ensureConversation(files.map((f) => f.name).join(', '));
			const added = await this.#repo.add(conversation.id, files);
			this.#loadedFor = conversation.id;
			this.list = [...this.list, ...added.map((a) => ({ id: a.id, name: a.name, size: a.size }))];
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}

	async remove(id: string): Promise<void> {
		try {
			await this.#repo.remove(id);
			this.list = this.list.filter((a) => a.id !== id);
		} catch (e) {
			this.#onError(toHearthError(e));
		}
	}
}
