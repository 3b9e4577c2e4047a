import type { FolderAccess } from '$lib/files/access';
import { FolderOps } from '$lib/files/plan/entry-ops';
import { emptyTrash, listTrash, restoreFromTrash, type TrashItem } from '$lib/files/trash';
import { toHearthError } from '$lib/types/errors';
import { errorTitle } from '$lib/utils/error-text';

/**
 * One shared folder's trash at a time, as Tools and agents shows it: what is in it (where it
 * was, when it went), restoring an item, and emptying it. Each action starts from a click, so
 * the browser may ask for the folder's permission again.
 */
export class FolderTrashState {
	/** The folder whose trash is shown (null: none). */
	folderId = $state<string | null>(null);
	items = $state<TrashItem[]>([]);
	busy = $state(false);
	/** The last outcome or failure, in a sentence. */
	message = $state<string | null>(null);
	error = $state<string | null>(null);
	readonly #access: FolderAccess;

	constructor(access: FolderAccess) {
		this.#access = access;
	}

	/** Shows a folder's trash, or hides it when it is already shown. */
	async toggle(folderId: string): Promise<void> {
		if (this.folderId === folderId) {
			this.folderId = null;
			return;
		}
		this.folderId = folderId;
		this.items = [];
		await this.#act(async () => {
			const { root } = await this.#access.openById(folderId, 'read');
			this.items = await listTrash(root);
		});
	}

	restore(id: string): Promise<void> {
		return this.#act(async () => {
			const ops = await this.#ops();
			const path = await restoreFromTrash(ops, id);
			this.message = `Restored to "${path}".`;
			this.items = await listTrash(ops.root);
		});
	}

	empty(): Promise<void> {
		return this.#act(async () => {
			const ops = await this.#ops();
			const count = await emptyTrash(ops.root);
			this.message = `Deleted ${count} item${count === 1 ? '' : 's'} for good.`;
			this.items = [];
		});
	}

	async #ops(): Promise<FolderOps> {
		if (!this.folderId) throw new Error('No folder is open.');
		return new FolderOps((await this.#access.openById(this.folderId, 'readwrite')).root);
	}

	async #act(work: () => Promise<void>): Promise<void> {
		this.busy = true;
		this.error = null;
		this.message = null;
		try {
			await work();
		} catch (e) {
			const error = toHearthError(e);
			this.error = `${errorTitle(error.code)}: ${error.message}`;
		} finally {
			this.busy = false;
		}
	}
}
