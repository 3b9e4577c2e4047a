import type { HearthDb } from '$lib/storage/db';
import type { Attachment } from '$lib/types/agent-data';
import { HearthError, toHearthError } from '$lib/types/errors';

/** Per file: large enough for a real CSV or log, small enough that Python's memory copes. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Files attached to conversations, kept as Blobs in IndexedDB. */
export class AttachmentRepository {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	/** Stores files for a conversation; a file over the limit is refused whole, with its name. */
	async add(conversationId: string, files: readonly File[]): Promise<Attachment[]> {
		const tooBig = files.find((f) => f.size > MAX_ATTACHMENT_BYTES);
		if (tooBig) {
			throw new HearthError(
				'content_too_large',
				`“${tooBig.name}” is ${Math.round(tooBig.size / 1048576)} MB; files up to ${MAX_ATTACHMENT_BYTES / 1048576} MB can be attached.`
			);
		}
		const rows: Attachment[] = files.map((file) => ({
			id: crypto.randomUUID(),
			conversationId,
			name: safeName(file.name),
			type: file.type,
			size: file.size,
			data: file,
			addedAt: Date.now()
		}));
		try {
			await this.#db.attachments.bulkAdd(rows);
		} catch (e) {
			throw toHearthError(e);
		}
		return rows;
	}

	list(conversationId: string): Promise<Attachment[]> {
		return this.#db.attachments.where('conversationId').equals(conversationId).sortBy('addedAt');
	}

	async remove(id: string): Promise<void> {
		await this.#db.attachments.delete(id);
	}
}

/**
 * A file name as it appears under /data: no directories, no NUL, not empty or a dot name.
 * Two files with the same name keep both; the later one gets a suffix when mounted.
 */
export function safeName(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? '';
	const clean = [...base]
		.filter((ch) => ch.charCodeAt(0) >= 0x20)
		.join('')
		.trim();
	return clean && clean !== '.' && clean !== '..' ? clean.slice(0, 200) : 'file';
}
