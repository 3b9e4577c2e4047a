import { imageRef, type ImageRepository, type NewImage } from '$lib/storage/images-repo';
import type { StoredImage } from '$lib/types/agent-data';
import type { ImageRef } from '$lib/types/chat';
import { HearthError, toHearthError } from '$lib/types/errors';
import { admitCount, MAX_IMAGES_PER_MESSAGE } from '$lib/vision/limits';

/** One composer thumbnail; `url` is an object URL of the stored thumbnail (revoked on removal). */
export interface ImageChip extends ImageRef {
	url: string;
}

export interface PendingImagesDeps {
	repo: ImageRepository;
	/** The open conversation, created (named after the images) when the chat is new. */
	ensureConversation: (nameHint: string) => Promise<{ id: string }>;
	/** Settings.imageMaxSide, read at each add. */
	maxSide: () => number;
	/** Checks, decodes, downscales and thumbnails one file: vision/downscale.ts in the browser. */
	prepare: (file: File, maxSide: number) => Promise<NewImage>;
	onError: (e: HearthError) => void;
}

/**
 * The images waiting in the composer for the open conversation. They are stored as they are
 * added (so a reload keeps them) and handed to the message that is sent with them.
 */
export class PendingImagesState {
	chips = $state.raw<ImageChip[]>([]);
	/** Images being checked and downscaled right now. */
	busy = $state(0);
	readonly #deps: PendingImagesDeps;
	#conversationId: string | null = null;

	constructor(deps: PendingImagesDeps) {
		this.#deps = deps;
	}

	get count(): number {
		return this.chips.length;
	}

	get full(): boolean {
		return this.chips.length + this.busy >= MAX_IMAGES_PER_MESSAGE;
	}

	/** Follows the open conversation (call from an effect that reads its id). */
	async follow(conversationId: string | null): Promise<void> {
		if (conversationId === this.#conversationId) return;
		this.#conversationId = conversationId;
		this.#setChips([]);
		if (!conversationId) return;
		const rows = await this.#deps.repo.listPending(conversationId).catch(() => []);
		if (this.#conversationId !== conversationId) return;
		this.#setChips(rows.map(toChip));
	}

	/**
	 * Adds picked, pasted, dropped or captured files. Each is checked and downscaled on its own:
	 * a bad one is reported by name and the others still go in. Over the per-message limit, the
	 * extra ones are left out with a message.
	 */
	async add(files: readonly File[]): Promise<void> {
		if (files.length === 0) return;
		const { take, message } = admitCount(this.chips.length + this.busy, files.length);
		if (message) this.#deps.onError(new HearthError('content_too_large', message));
		const admitted = files.slice(0, take);
		if (admitted.length === 0) return;
		this.busy += admitted.length;
		try {
			const maxSide = this.#deps.maxSide();
			const prepared: NewImage[] = [];
			for (const file of admitted) {
				try {
					prepared.push(await this.#deps.prepare(file, maxSide));
				} catch (e) {
					this.#deps.onError(toHearthError(e));
				} finally {
					this.busy -= 1;
				}
			}
			if (prepared.length === 0) return;
			const conversation = await this.#deps.ensureConversation(
				prepared.map((p) => p.name).join(', ')
			);
			const rows = await this.#deps.repo.addPending(conversation.id, prepared);
			this.#conversationId = conversation.id;
			this.#setChips([...this.chips, ...rows.map(toChip)]);
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	async remove(id: string): Promise<void> {
		try {
			await this.#deps.repo.remove(id);
			this.#setChips(this.chips.filter((c) => c.id !== id));
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/**
	 * The composer's images as the sent message refers to them; the composer empties. The caller
	 * then stores them against the message with `repo.attach(refs.map(r => r.id), messageId)`.
	 */
	takeForSend(): ImageRef[] {
		const refs = this.chips.map((c): ImageRef => ({
			id: c.id,
			name: c.name,
			width: c.width,
			height: c.height,
			mime: c.mime,
			bytes: c.bytes
		}));
		this.#setChips([]);
		return refs;
	}

	/** Revokes every thumbnail URL (the composer went away). */
	dispose(): void {
		this.#setChips([]);
	}

	/** Swaps the chip list, revoking the URLs of chips that left it. */
	#setChips(next: ImageChip[]): void {
		for (const chip of this.chips) {
			if (!next.some((c) => c.id === chip.id)) URL.revokeObjectURL(chip.url);
		}
		this.chips = next;
	}
}

function toChip(row: StoredImage): ImageChip {
	return { ...imageRef(row), url: URL.createObjectURL(row.thumbnail) };
}
