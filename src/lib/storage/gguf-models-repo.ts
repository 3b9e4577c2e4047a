import type { HearthDb } from '$lib/storage/db';
import { toHearthError } from '$lib/types/errors';
import type { GgufModelRecord } from '$lib/types/gguf';

// The GGUF models the user added (by Hugging Face name, or picked from this device). File handles
// are stored as they are: IndexedDB keeps FileSystemFileHandle objects, so a picked file is found
// again after a reload without being copied.

export class GgufModelsRepository {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	async list(): Promise<GgufModelRecord[]> {
		try {
			return await this.#db.ggufModels.orderBy('addedAt').toArray();
		} catch (e) {
			throw toHearthError(e);
		}
	}

	async put(record: GgufModelRecord): Promise<void> {
		try {
			await this.#db.ggufModels.put(record);
		} catch (e) {
			throw toHearthError(e);
		}
	}

	async delete(id: string): Promise<void> {
		try {
			await this.#db.ggufModels.delete(id);
		} catch (e) {
			throw toHearthError(e);
		}
	}
}
