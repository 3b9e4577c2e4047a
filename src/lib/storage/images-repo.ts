import type { HearthDb } from '$lib/storage/db';
import type { StoredImage } from '$lib/types/agent-data';
import type { ImageRef } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import type { ChatImage } from '$lib/types/llm';
import { blobToBase64 } from '$lib/utils/base64';

/** What the composer hands over: the downscaled image and its thumbnail (vision/downscale.ts). */
export interface NewImage {
	name: string;
	mime: StoredImage['mime'];
	width: number;
	height: number;
	data: Blob;
	thumbnail: Blob;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw toHearthError(e);
	}
}

/** How a message refers to a stored image. */
export function imageRef(row: StoredImage, ocrText?: string): ImageRef {
	const ref: ImageRef = {
		id: row.id,
		name: row.name,
		width: row.width,
		height: row.height,
		mime: row.mime,
		bytes: row.data.size
	};
	return ocrText === undefined ? ref : { ...ref, ocrText };
}

/**
 * Images sent with messages, in the `images` table. A row waits with `messageId` null while it
 * sits in the composer, and gets its message's id when sent. IndexedDB does not index null, so
 * pending rows are found through their conversation.
 */
export class ImageRepository {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	addPending(conversationId: string, images: readonly NewImage[]): Promise<StoredImage[]> {
		const addedAt = Date.now();
		const rows: StoredImage[] = images.map((image, i) => ({
			id: crypto.randomUUID(),
			conversationId,
			messageId: null,
			name: image.name,
			mime: image.mime,
			width: image.width,
			height: image.height,
			data: image.data,
			thumbnail: image.thumbnail,
			// Distinct times keep a batch in the order it was added.
			addedAt: addedAt + i
		}));
		return guarded(async () => {
			await this.#db.images.bulkAdd(rows);
			return rows;
		});
	}

	/** The composer's images for a conversation (kept across a reload), oldest first. */
	listPending(conversationId: string): Promise<StoredImage[]> {
		return guarded(async () => {
			const rows = await this.#db.images.where('conversationId').equals(conversationId).toArray();
			return rows.filter((r) => r.messageId === null).sort((a, b) => a.addedAt - b.addedAt);
		});
	}

	/** Marks pending images as sent with `messageId`; images already sent keep their message. */
	attach(ids: readonly string[], messageId: string): Promise<void> {
		return guarded(async () => {
			await this.#db.transaction('rw', this.#db.images, async () => {
				const rows = await this.#db.images.bulkGet([...ids]);
				const pending = rows.filter(
					(r): r is StoredImage => r !== undefined && r.messageId === null
				);
				await this.#db.images.bulkPut(pending.map((r) => ({ ...r, messageId })));
			});
		});
	}

	listByMessage(messageId: string): Promise<StoredImage[]> {
		return guarded(async () =>
			(await this.#db.images.where('messageId').equals(messageId).toArray()).sort(
				(a, b) => a.addedAt - b.addedAt
			)
		);
	}

	/** Rows by id, in the order asked; ids whose image is gone are left out. */
	getMany(ids: readonly string[]): Promise<StoredImage[]> {
		return guarded(async () =>
			(await this.#db.images.bulkGet([...ids])).filter((r): r is StoredImage => r !== undefined)
		);
	}

	remove(id: string): Promise<void> {
		return guarded(() => this.#db.images.delete(id));
	}

	/** Deletes a conversation's images and returns them, for an undo (`restore`). */
	deleteByConversation(conversationId: string): Promise<StoredImage[]> {
		return guarded(() =>
			this.#db.transaction('rw', this.#db.images, async () => {
				const rows = await this.#db.images.where('conversationId').equals(conversationId).toArray();
				await this.#db.images.bulkDelete(rows.map((r) => r.id));
				return rows;
			})
		);
	}

	restore(rows: readonly StoredImage[]): Promise<void> {
		return guarded(async () => {
			await this.#db.images.bulkPut([...rows]);
		});
	}

	/** The images a message refers to, as engines send them; missing ones are left out. */
	readForChat(refs: readonly Pick<ImageRef, 'id'>[]): Promise<ChatImage[]> {
		return guarded(async () => {
			const rows = await this.getMany(refs.map((r) => r.id));
			return Promise.all(
				rows.map(async (row) => ({ mime: row.mime, base64: await blobToBase64(row.data) }))
			);
		});
	}
}
