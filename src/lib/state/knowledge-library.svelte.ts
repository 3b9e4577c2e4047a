import type { DirHandle, FileHandle } from '$lib/files/handles';
import type { IngestInput } from '$lib/knowledge/pipeline/types';
import { planReindex } from '$lib/knowledge/pipeline/reindex';
import type { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import type { IngestQueue } from '$lib/knowledge/pipeline/ingest-queue';
import type { NetFetch } from '$lib/net/types';
import type { KnowledgeDocument, StoredChunk } from '$lib/types/knowledge';
import { toHearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { errorTitle } from '$lib/utils/error-text';

export interface KnowledgeLibraryDeps {
	repo: KnowledgeRepository;
	queue: IngestQueue;
	net: NetFetch;
	settings: () => Settings;
}

/** One collection with its totals, as the knowledge screen lists it. */
export interface CollectionTotals {
	id: string;
	name: string;
	documents: number;
	chunks: number;
	/** Bytes it takes in storage: text and vectors. */
	bytes: number;
}

/** A passage opened from a citation or a search hit, with its document's chunks. */
export interface OpenPassage {
	name: string;
	path: string;
	chunks: StoredChunk[];
	cited: string;
}

/**
 * The knowledge base as its screen shows it: collections with their totals, the selected one's
 * documents, adding sources (files, a folder, pasted text, a web page), re-indexing, and the
 * passage viewer that citations open.
 */
export class KnowledgeLibraryState {
	collections = $state<CollectionTotals[]>([]);
	selected = $state<string | null>(null);
	documents = $state<KnowledgeDocument[]>([]);
	/** The last failure, in a sentence (cleared by the next action). */
	error = $state<string | null>(null);
	passage = $state<OpenPassage | null>(null);
	readonly #deps: KnowledgeLibraryDeps;

	constructor(deps: KnowledgeLibraryDeps) {
		this.#deps = deps;
	}

	/** Re-reads collections and documents when the store changes; returns the unsubscribe. */
	watch(): () => void {
		return this.#deps.repo.subscribe(() => void this.refresh());
	}

	async refresh(): Promise<void> {
		const { repo } = this.#deps;
		try {
			const [list, storage] = await Promise.all([repo.listCollections(), repo.storage()]);
			this.collections = list.map((c) => {
				const s = storage.find((x) => x.collectionId === c.id);
				return {
					id: c.id,
					name: c.name,
					documents: s?.documents ?? 0,
					chunks: s?.chunks ?? 0,
					bytes: (s?.textBytes ?? 0) + (s?.vectorBytes ?? 0)
				};
			});
			if (!this.selected || !list.some((c) => c.id === this.selected)) {
				this.selected = list[0]?.id ?? null;
			}
			this.documents = this.selected ? await repo.listDocuments(this.selected) : [];
		} catch (e) {
			this.#say(e);
		}
	}

	select(id: string): Promise<void> {
		this.selected = id;
		return this.refresh();
	}

	createCollection(name: string): Promise<void> {
		return this.#act(async () => {
			this.selected = (await this.#deps.repo.createCollection(name)).id;
		});
	}

	renameCollection(id: string, name: string): Promise<void> {
		return this.#act(() => this.#deps.repo.renameCollection(id, name));
	}

	deleteCollection(id: string): Promise<void> {
		return this.#act(() => this.#deps.repo.deleteCollection(id));
	}

	deleteDocument(id: string): Promise<void> {
		return this.#act(() => this.#deps.repo.deleteDocument(id));
	}

	/** Files dropped or chosen; with handles (file access), they can be re-read later. */
	addFiles(files: File[], handles?: FileHandle[]): Promise<void> {
		return this.#add(handles ? { kind: 'files', files, handles } : { kind: 'files', files });
	}

	/** A folder picked with file access: kept on the collection, so re-index works later too. */
	addFolder(root: DirHandle): Promise<void> {
		return this.#act(async () => {
			const collectionId = await this.#target();
			await this.#deps.repo.rememberFolder(collectionId, root);
			this.#deps.queue.enqueue(collectionId, { kind: 'folder', root });
		});
	}

	pasteText(name: string, text: string): Promise<void> {
		return this.#add({ kind: 'text', name, text });
	}

	addUrl(url: string): Promise<void> {
		return this.#act(() => this.#fetchPage(url));
	}

	/** Reads a document's source again: its file or folder handle, or its web page. */
	reindex(documentId: string): Promise<void> {
		return this.#act(async () => {
			const { repo, queue } = this.#deps;
			const doc = await repo.getDocument(documentId);
			if (!doc) return;
			const plan = await planReindex(doc, await repo.getCollection(doc.collectionId));
			if (plan.kind === 'refetch') await this.#fetchPage(plan.url, doc.collectionId);
			else queue.enqueue(doc.collectionId, plan.input);
		});
	}

	/** Opens the viewer on a cited chunk; false when the document is gone. */
	async openPassage(documentId: string, chunkId: string): Promise<boolean> {
		const { repo } = this.#deps;
		const doc = await repo.getDocument(documentId);
		if (!doc) return false;
		this.passage = {
			name: doc.name,
			// A pasted text's stored path is an internal key (paste:<hash>), not a place to show.
			path: doc.source === 'paste' ? '' : doc.path,
			chunks: await repo.chunksOf(documentId),
			cited: chunkId
		};
		return true;
	}

	closePassage(): void {
		this.passage = null;
	}

	#add(input: IngestInput): Promise<void> {
		return this.#act(async () => {
			this.#deps.queue.enqueue(await this.#target(), input);
		});
	}

	/** The page is read through the same tool (and ledger) the agents use. */
	async #fetchPage(url: string, into?: string): Promise<void> {
		const collectionId = into ?? (await this.#target());
		const { fetchPageTool } = await import('$lib/tools/fetch-page');
		const page = await fetchPageTool.run(
			{ url },
			{
				signal: AbortSignal.timeout(fetchPageTool.timeoutMs),
				net: this.#deps.net,
				settings: $state.snapshot(this.#deps.settings()),
				onOutput: () => {},
				onProgress: () => {},
				ask: async () => false,
				attachments: []
			}
		);
		this.#deps.queue.enqueue(collectionId, {
			kind: 'url',
			url,
			title: page.sources?.[0]?.title,
			text: page.content
		});
	}

	/** The selected collection, made ("My documents") when there is none yet. */
	async #target(): Promise<string> {
		if (this.selected) return this.selected;
		const created = await this.#deps.repo.createCollection('My documents');
		this.selected = created.id;
		return created.id;
	}

	async #act(work: () => Promise<unknown>): Promise<void> {
		this.error = null;
		try {
			await work();
		} catch (e) {
			this.#say(e);
		}
		await this.refresh();
	}

	#say(e: unknown): void {
		const failure = toHearthError(e);
		this.error = `${errorTitle(failure.code)}: ${failure.message}`;
	}
}
