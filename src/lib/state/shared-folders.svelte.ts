import {
	canGrantFolders,
	folderPermission,
	grantFolder,
	hasScratch,
	listFolders,
	reauthorizeFolder,
	removeFolder,
	setFolderWritable,
	SCRATCH_FOLDER,
	type FolderEnv,
	type FolderPermission
} from '$lib/files/folders';
import type { HearthDb } from '$lib/storage/db';
import type { GrantedFolder } from '$lib/types/agent-data';
import { toHearthError } from '$lib/types/errors';
import { errorTitle } from '$lib/utils/error-text';

export interface FolderRow {
	folder: GrantedFolder;
	/** The browser's current answer for the folder's mode (read, or readwrite when writable). */
	permission: FolderPermission;
}

/**
 * The folders shared with the files tools, as Tools and agents shows them: each with the
 * browser's current permission, and granting, removing, making writable and asking again.
 */
export class SharedFoldersState {
	rows = $state<FolderRow[]>([]);
	/** The last failure, in a sentence (cleared by the next action). */
	error = $state<string | null>(null);
	readonly canGrant: boolean;
	/** The private scratch space is offered (where folders cannot be shared). */
	readonly scratch: boolean;
	readonly #db: HearthDb;
	readonly #env: FolderEnv;

	constructor(db: HearthDb, env: FolderEnv) {
		this.#db = db;
		this.#env = env;
		this.canGrant = canGrantFolders(env);
		this.scratch = hasScratch(env);
	}

	async load(): Promise<void> {
		try {
			const rows = await listFolders(this.#db);
			const shown = this.scratch ? [...rows, SCRATCH_FOLDER] : rows;
			this.rows = await Promise.all(
				shown.map(async (folder) => ({
					folder,
					permission: await folderPermission(folder, folder.writable ? 'readwrite' : 'read')
				}))
			);
		} catch (e) {
			this.error = sentence(e);
		}
	}

	grant(): Promise<void> {
		return this.#act(() => grantFolder(this.#db, this.#env));
	}

	remove(id: string): Promise<void> {
		return this.#act(() => removeFolder(this.#db, id));
	}

	setWritable(id: string, writable: boolean): Promise<void> {
		return this.#act(async () => {
			const row = this.rows.find((f) => f.folder.id === id);
			// Asked in this click, while the browser still counts it as the person's action.
			if (writable && row) await reauthorizeFolder(row.folder, 'readwrite');
			await setFolderWritable(this.#db, id, writable);
		});
	}

	/** Asks the browser again for a folder whose permission lapsed. */
	reauthorize(id: string): Promise<void> {
		return this.#act(async () => {
			const row = this.rows.find((f) => f.folder.id === id);
			if (row) await reauthorizeFolder(row.folder, row.folder.writable ? 'readwrite' : 'read');
		});
	}

	async #act(work: () => Promise<unknown>): Promise<void> {
		this.error = null;
		try {
			await work();
		} catch (e) {
			this.error = sentence(e);
		}
		await this.load();
	}
}

function sentence(e: unknown): string {
	const error = toHearthError(e);
	return `${errorTitle(error.code)}: ${error.message}`;
}
