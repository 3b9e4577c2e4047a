import type { ChatStore } from '$lib/conversation/chat-store';
import type { HearthDb } from '$lib/storage/db';
import { toHearthError, type HearthError } from '$lib/types/errors';
import { errorTitle } from '$lib/utils/error-text';
import { downloadText, fileDay } from '$lib/utils/download';
import { importSummary } from '$lib/storage/import-summary';

// Settings → Data: the backup file out and in, and deleting every conversation. The backup format
// (its schemas) loads when first used: it is not part of the first paint.

export interface BackupDeps {
	db: HearthDb;
	store: ChatStore;
	onError: (e: HearthError) => void;
	/** The conversations changed under the open screens (reload the list, reopen the chat). */
	onConversationsChanged: () => Promise<void>;
	/** Memories or documents arrived without vectors: they are embedded on this device. */
	onKnowledgeImported: () => void;
}

/** How the last import or delete went, shown in the Settings dialog until dismissed. */
export interface BackupOutcome {
	kind: 'done' | 'error';
	text: string;
}

export class BackupState {
	/** The import running now (with its progress), or null. */
	busy = $state<{ label: string; fraction?: number } | null>(null);
	/** Shown where the action was taken (Settings → Data), not in a toast behind the dialog. */
	outcome = $state<BackupOutcome | null>(null);
	#abort: AbortController | null = null;
	readonly #deps: BackupDeps;

	constructor(deps: BackupDeps) {
		this.#deps = deps;
	}

	/** Downloads everything (conversations, settings, memories, knowledge text) as one file. */
	async exportAll(): Promise<void> {
		try {
			const { exportAll } = await import('$lib/storage/export');
			const data = await exportAll(this.#deps.db);
			downloadText(`hearth-export-${fileDay()}.json`, JSON.stringify(data), 'application/json');
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Merges a backup file into this device's data, with progress; cancel() stops it. */
	async importFile(file: File): Promise<void> {
		if (this.busy) return;
		const abort = new AbortController();
		this.#abort = abort;
		this.busy = { label: `Importing ${file.name}…`, fraction: 0 };
		this.outcome = null;
		try {
			const [{ parseExport }, { importExport }] = await Promise.all([
				import('$lib/storage/export-schema'),
				import('$lib/storage/export')
			]);
			const data = parseExport(await file.text());
			const result = await importExport(this.#deps.db, data, {
				signal: abort.signal,
				onProgress: (done, total) => {
					this.busy = { label: `Importing ${file.name}…`, fraction: total ? done / total : 1 };
				}
			});
			this.outcome = { kind: 'done', text: importSummary(result) };
			if (result.memoriesAdded || result.documentsAdded) this.#deps.onKnowledgeImported();
		} catch (e) {
			// The first problem in the file is named; nothing was written.
			const error = toHearthError(e);
			this.outcome = {
				kind: 'error',
				text: `${errorTitle(error.code)}: ${error.message}`
			};
		} finally {
			this.busy = null;
			this.#abort = null;
			await this.#deps.onConversationsChanged();
		}
	}

	dismissOutcome(): void {
		this.outcome = null;
	}

	cancel(): void {
		this.#abort?.abort();
	}

	/** Deletes every conversation (with its attachments and images). */
	async clearAll(): Promise<void> {
		try {
			await this.#deps.store.clearAll();
			await this.#deps.onConversationsChanged();
			this.outcome = { kind: 'done', text: 'All conversations deleted.' };
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}
}
