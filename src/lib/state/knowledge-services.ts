// Knowledge and memory parts made once per page: the embeddings worker (started on first use),
// long-term memories and the recall of past conversations, and the tools they give the agents.
import { DEFAULT_EMBED_MODEL_ID, findEmbedModel } from '$lib/knowledge/embed-catalog';
import { isEmbedModelDownloaded } from '$lib/knowledge/embed-download';
import { Embedder } from '$lib/knowledge/embedder';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { ConversationRecall } from '$lib/memory/recall';
import type { EmbedFn, MemoryEmbedder } from '$lib/memory/vectors';
import type { HearthDb } from '$lib/storage/db';
import { localTimeZone } from '$lib/tools/datetime';
import { createMemoryTools } from '$lib/tools/memory-tools';
import type { AnyTool } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

export class KnowledgeServices {
	readonly embedder = new Embedder();
	readonly memories: MemoryRepository;
	readonly recall: ConversationRecall;
	readonly #settings: () => Settings;
	#loading: Promise<void> | null = null;
	#loadingFor = '';

	constructor(db: HearthDb, settings: () => Settings) {
		this.#settings = settings;
		const embedding: MemoryEmbedder = {
			get model() {
				return modelIdOf(settings());
			},
			embed: this.embed
		};
		this.memories = new MemoryRepository(db, embedding);
		this.recall = new ConversationRecall(db, embedding);
	}

	/** The embedding model documents, memories and conversations are embedded with. */
	get modelId(): string {
		return modelIdOf(this.#settings());
	}

	/**
	 * Embeds with the chosen model, loading it first when it is downloaded (or served under
	 * /models/). Without it: HearthError('model_not_downloaded'); callers then go without
	 * (memories are still kept and found by their words).
	 */
	readonly embed: EmbedFn = async (texts, kind, signal) => {
		await this.#ensureLoaded(signal);
		return this.embedder.embed(texts, { kind, signal });
	};

	async #ensureLoaded(signal?: AbortSignal): Promise<void> {
		const id = this.modelId;
		if (this.embedder.model?.id === id) return;
		if (!this.#loading || this.#loadingFor !== id) {
			this.#loadingFor = id;
			this.#loading = this.#load(id).finally(() => {
				this.#loading = null;
			});
		}
		await this.#loading;
		signal?.throwIfAborted();
	}

	async #load(id: string): Promise<void> {
		const model = findEmbedModel(id);
		if (!model) throw new HearthError('model_not_found', `No embedding model is named ${id}.`);
		const downloaded =
			typeof caches !== 'undefined' && (await isEmbedModelDownloaded(model, caches));
		if (!downloaded) {
			throw new HearthError(
				'model_not_downloaded',
				`The embedding model ${model.name} is not downloaded yet.`
			);
		}
		await this.embedder.load(id);
	}

	/** remember, forget and recall_conversations, for the agents. */
	tools(): AnyTool[] {
		return createMemoryTools({
			memories: this.memories,
			recall: this.recall,
			now: () => Date.now(),
			timeZone: localTimeZone()
		}) as unknown as AnyTool[];
	}
}

function modelIdOf(settings: Settings): string {
	return settings.embeddingModel || DEFAULT_EMBED_MODEL_ID;
}
