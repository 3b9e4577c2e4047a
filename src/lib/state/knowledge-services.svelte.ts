// Knowledge and memory, made once per page (loaded after first paint): the embeddings worker and
// its model, the document store with its ingest queue and search, long-term memories, recall of
// past conversations, and the tools they give the agents.
import type { DownloadProgress } from '$lib/engine/download-progress';
import { DEFAULT_EMBED_MODEL_ID, findEmbedModel } from '$lib/knowledge/embed-catalog';
import { downloadEmbedModel, isEmbedModelDownloaded } from '$lib/knowledge/embed-download';
import { Embedder } from '$lib/knowledge/embedder';
import { ingestFile } from '$lib/knowledge/ingest/ingest';
import { IngestQueue } from '$lib/knowledge/pipeline/ingest-queue';
import { KnowledgeSearch } from '$lib/knowledge/pipeline/knowledge-search';
import { embedMissing } from '$lib/knowledge/pipeline/reembed';
import { isServedModel } from '$lib/models/hub-download';
import type { ActiveEmbedder, ChunkSource, JobProgress } from '$lib/knowledge/pipeline/types';
import { KnowledgeRepository } from '$lib/knowledge/store/knowledge-repo';
import { KnowledgeLibraryState } from '$lib/state/knowledge-library.svelte';
import { MemoryLibraryState } from '$lib/state/memory-library.svelte';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { ConversationRecall } from '$lib/memory/recall';
import { MemoryProposer } from '$lib/memory/proposer';
import { relevantMemoryBlock } from '$lib/memory/relevance';
import type { MemoryHooks } from '$lib/conversation/ports';
import type { EmbedFn, MemoryEmbedder } from '$lib/memory/vectors';
import type { NetFetch } from '$lib/net/types';
import type { HearthDb } from '$lib/storage/db';
import { localTimeZone } from '$lib/time/zones';
import { createMemoryTools } from '$lib/tools/memory-tools';
import { createSearchKnowledgeTool } from '$lib/tools/search-knowledge';
import type { AnyTool } from '$lib/tools/types';
import { HearthError, toHearthError, type SerializedError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

export type EmbedModelState =
	| { state: 'checking' }
	| { state: 'missing' }
	| { state: 'downloading'; progress?: DownloadProgress }
	| { state: 'loading' }
	| { state: 'ready'; device?: string; fallbackReason?: string }
	| { state: 'error'; error: SerializedError };

export interface KnowledgeServicesDeps {
	db: HearthDb;
	settings: () => Settings;
	net: NetFetch;
	onError: (e: HearthError) => void;
	/** True while an answer is being written (memory proposals wait for quiet). */
	busy?: () => boolean;
	/** New memory proposals are waiting for the person to keep or discard. */
	onProposed?: (count: number) => void;
}

/** Reads every file through the parsers, reporting how far it got. */
const chunkSource: ChunkSource = (file, options) =>
	ingestFile(file, {
		signal: options.signal,
		onProgress: (p) =>
			options.onProgress?.(
				p.unit === 'bytes' ? { bytesRead: p.done } : { fraction: p.total ? p.done / p.total : 0 }
			)
	});

export class KnowledgeServices {
	readonly embedder = new Embedder();
	readonly repo: KnowledgeRepository;
	readonly search: KnowledgeSearch;
	readonly queue: IngestQueue;
	readonly memories: MemoryRepository;
	readonly recall: ConversationRecall;
	/** The knowledge screen's view: collections, documents, sources, the passage viewer. */
	readonly library: KnowledgeLibraryState;
	/** The memory screen's view: the list, actions on one memory, exports. */
	readonly memoryLibrary: MemoryLibraryState;
	model = $state<EmbedModelState>({ state: 'checking' });
	/** Passages still to embed after a model change (background), or null. */
	reembedding = $state<{ done: number; total: number } | null>(null);
	jobs = $state.raw<JobProgress[]>([]);
	readonly #deps: KnowledgeServicesDeps;
	readonly #proposer: MemoryProposer;
	#active: ActiveEmbedder | undefined;
	#loading: Promise<void> | null = null;
	#download: AbortController | null = null;

	constructor(deps: KnowledgeServicesDeps) {
		this.#deps = deps;
		this.repo = new KnowledgeRepository(deps.db);
		this.search = new KnowledgeSearch(this.repo);
		this.queue = new IngestQueue({
			repo: this.repo,
			chunks: chunkSource,
			embedder: () => this.#active
		});
		this.queue.subscribe((progress) => {
			const others = this.jobs.filter((j) => j.jobId !== progress.jobId);
			this.jobs = [...others, { ...progress }];
		});
		const embedding: MemoryEmbedder = {
			get model() {
				return modelIdOf(deps.settings());
			},
			embed: this.embed
		};
		this.memories = new MemoryRepository(deps.db, embedding);
		this.#proposer = new MemoryProposer({
			memories: this.memories,
			busy: () => deps.busy?.() ?? false,
			onProposed: (proposed) => deps.onProposed?.(proposed.length)
		});
		this.recall = new ConversationRecall(deps.db, embedding);
		this.memoryLibrary = new MemoryLibraryState(this.memories);
		this.library = new KnowledgeLibraryState({
			repo: this.repo,
			queue: this.queue,
			net: deps.net,
			settings: deps.settings
		});
	}

	/** The embedding model documents, memories and conversations are embedded with. */
	get modelId(): string {
		return modelIdOf(this.#deps.settings());
	}

	/**
	 * Loads the search indexes, and the model when there is something to embed with it and it is
	 * here (never downloads by itself; a fresh install starts nothing).
	 */
	async start(): Promise<void> {
		await this.search.load().catch((e: unknown) => this.#deps.onError(toHearthError(e)));
		const [documents, memories] = await Promise.all([
			this.repo.listDocuments().catch(() => []),
			this.memories.list().catch(() => [])
		]);
		if (documents.length > 0 || memories.length > 0) {
			await this.#ensureLoaded().catch(() => undefined);
		}
	}

	/**
	 * Embeds with the chosen model, loading it first when it is downloaded (or served under
	 * /models/). Without it: HearthError('model_not_downloaded'); callers go without (memories
	 * are still kept and found by their words; documents are found by keywords).
	 */
	readonly embed: EmbedFn = async (texts, kind, signal) => {
		await this.#ensureLoaded();
		signal?.throwIfAborted();
		return this.embedder.embed(texts, { kind, signal });
	};

	/** Finds out whether the model is here and loads it (the knowledge screen was opened). */
	async checkModel(): Promise<void> {
		await this.#ensureLoaded().catch(() => undefined);
	}

	/** Downloads the chosen model (progress on `model`), then loads it. */
	async downloadModel(): Promise<void> {
		const model = findEmbedModel(this.modelId);
		if (!model || typeof caches === 'undefined') return;
		this.#download?.abort();
		const abort = new AbortController();
		this.#download = abort;
		this.model = { state: 'downloading' };
		try {
			await downloadEmbedModel(model, {
				hubUrl: this.#deps.settings().embeddingHubUrl,
				net: this.#deps.net,
				caches,
				signal: abort.signal,
				onProgress: (progress) => {
					if (this.#download === abort) this.model = { state: 'downloading', progress };
				}
			});
			await this.#ensureLoaded();
		} catch (e) {
			const error = toHearthError(e);
			this.model =
				error.code === 'aborted' ? { state: 'missing' } : { state: 'error', error: error.toJSON() };
		} finally {
			if (this.#download === abort) this.#download = null;
		}
	}

	cancelDownload(): void {
		this.#download?.abort();
	}

	/**
	 * After a backup was imported (it carries text, not vectors): its chunks join the search
	 * index, and everything without a vector is embedded once the model is ready.
	 */
	async imported(): Promise<void> {
		this.memories.reload();
		await this.search
			.load(this.#active)
			.catch((e: unknown) => this.#deps.onError(toHearthError(e)));
		if (this.#active) void this.#catchUp(this.#active);
		else await this.#ensureLoaded().catch(() => undefined);
	}

	/** After the user picks another model: nothing is mixed, missing vectors are made again. */
	async modelChanged(): Promise<void> {
		this.#active = undefined;
		await this.search.setEmbedder(undefined);
		this.model = { state: 'checking' };
		await this.#ensureLoaded().catch(() => undefined);
	}

	#ensureLoaded(): Promise<void> {
		const id = this.modelId;
		if (this.#active?.model === id) return Promise.resolve();
		this.#loading ??= this.#load(id).finally(() => {
			this.#loading = null;
		});
		return this.#loading;
	}

	async #load(id: string): Promise<void> {
		const model = findEmbedModel(id);
		try {
			if (!model) throw new HearthError('model_not_found', `No embedding model is named ${id}.`);
			if (!(await this.#available(id))) {
				this.model = { state: 'missing' };
				throw new HearthError(
					'model_not_downloaded',
					`The embedding model ${model.name} is not downloaded yet (Knowledge → Download).`
				);
			}
			this.model = { state: 'loading' };
			await this.embedder.load(id);
		} catch (e) {
			const error = toHearthError(e);
			if (error.code !== 'model_not_downloaded') {
				this.model = { state: 'error', error: error.toJSON() };
			}
			throw error;
		}
		const active: ActiveEmbedder = {
			model: id,
			embed: (texts, kind, signal) => this.embedder.embed(texts, { kind, signal })
		};
		this.#active = active;
		this.model = {
			state: 'ready',
			device: this.embedder.device,
			fallbackReason: this.embedder.fallbackReason
		};
		await this.search.setEmbedder(active);
		void this.#catchUp(active);
	}

	/**
	 * In Cache Storage (downloaded), or — for the generated test model, which is never
	 * downloaded — served by this site under /models/. Real models are not probed there: a
	 * missing file would be a 404 on every start.
	 */
	async #available(id: string): Promise<boolean> {
		const model = findEmbedModel(id);
		if (!model) return false;
		if (typeof caches !== 'undefined' && (await isEmbedModelDownloaded(model, caches))) return true;
		return model.testOnly === true && isServedModel(id);
	}

	/** Embeds what was added before the model was ready, then the conversations for recall. */
	async #catchUp(active: ActiveEmbedder): Promise<void> {
		try {
			await embedMissing(this.repo, active, {
				onProgress: (p) => (this.reembedding = p.done < p.total ? p : null)
			});
			await this.recall.embedPending();
		} catch (e) {
			const error = toHearthError(e);
			if (error.code !== 'aborted') this.#deps.onError(error);
		} finally {
			this.reembedding = null;
		}
	}

	/**
	 * The memories relevant to a message, for its system prompt. Without an embedding model the
	 * closest memory by its words stands in (memories still help before a model is downloaded).
	 */
	readonly relevantFor: MemoryHooks['relevant'] = (query, signal, earlier) =>
		relevantMemoryBlock(this.memories, query, signal, earlier);

	/** A finished exchange to look for durable facts in (read later, in batches: proposer.ts). */
	readonly proposeFrom = (input: Parameters<MemoryHooks['propose']>[0]): Promise<void> =>
		this.#proposer.propose(input);

	/** Reads the exchanges still waiting (the page is being hidden or left). */
	flushProposals(): Promise<void> {
		return this.#proposer.flush();
	}

	/** remember, forget, recall_conversations and search_knowledge, for the agents. */
	tools(): AnyTool[] {
		return [
			...createMemoryTools({
				memories: this.memories,
				recall: this.recall,
				now: () => Date.now(),
				// Read when a tool runs: the page's first time-zone lookup loads the browser's
				// time-zone data (~140 ms at 4x CPU slowdown), not worth paying at start-up.
				get timeZone() {
					return localTimeZone();
				}
			}),
			createSearchKnowledgeTool({
				search: (query, options) => this.search.search(query, options),
				listCollections: () => this.repo.listCollections()
			})
		] as unknown as AnyTool[];
	}
}

function modelIdOf(settings: Settings): string {
	return settings.embeddingModel || DEFAULT_EMBED_MODEL_ID;
}
