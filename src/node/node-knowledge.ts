// Knowledge in the terminal: `hearth index <folder>` and the search_knowledge tool, on the web
// app's own pipeline (ingestFile's parsers and chunking, the IngestQueue with its incremental
// folder re-index, KnowledgeSearch's BM25 + embeddings fused by reciprocal rank) over the SQLite
// store and transformers.js in-process. One collection per indexed folder, named by its absolute
// path, so a citation can say where the file is: `[1] docs/notes.md:12`.
import path from 'node:path';
import { ingestFile } from '$lib/knowledge/ingest/ingest';
import type { IngestLimits } from '$lib/knowledge/ingest/ingest';
import type { PdfjsLib } from '$lib/knowledge/ingest/parse-pdf';
import { IngestQueue } from '$lib/knowledge/pipeline/ingest-queue';
import {
	KnowledgeSearch,
	type KnowledgeQuery,
	type KnowledgeSearchResult,
	type Passage
} from '$lib/knowledge/pipeline/knowledge-search';
import { embedMissing } from '$lib/knowledge/pipeline/reembed';
import type { ChunkSource, JobProgress } from '$lib/knowledge/pipeline/types';
import type { HtmlParser } from '$lib/net/readable';
import { createSearchKnowledgeTool } from '$lib/tools/search-knowledge';
import type { AnyTool } from '$lib/tools/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { Collection } from '$lib/types/knowledge';
import { nodeFolder } from './files/node-handles';
import type { NodeEmbedder } from './node-embedder';
import type { SqliteKnowledgeRepository } from './sqlite-knowledge';

export interface NodeKnowledgeOptions {
	repo: SqliteKnowledgeRepository;
	embedder: NodeEmbedder;
	/** Citations are shown relative to this folder when the file is inside it. */
	cwd: string;
	/** Lower limits for tests; the web app's by default. */
	limits?: Partial<IngestLimits>;
}

export interface IndexOutcome extends JobProgress {
	/** The folder as indexed (absolute). */
	folder: string;
	/** Why the index is keyword-only (no embedding model), when it is. */
	keywordOnly?: string;
	/** Passages embedded after the walk (kept from an earlier keyword-only index). */
	caughtUp: number;
}

export interface IndexCallbacks {
	signal?: AbortSignal;
	onProgress?: (progress: JobProgress) => void;
	/** Embedding passages indexed earlier without a model. */
	onCatchUp?: (progress: { done: number; total: number }) => void;
}

/** jsdom builds the Document Readability reads; loaded only when an HTML file comes up. */
let htmlParser: Promise<HtmlParser> | undefined;
function loadHtmlParser(): Promise<HtmlParser> {
	htmlParser ??= import('jsdom').then(
		({ JSDOM }) =>
			(html: string, url: string) =>
				new JSDOM(html, { url }).window.document
	);
	return htmlParser;
}

/** pdfjs's legacy build runs in Node with its fake worker (same build as the browser's). */
const loadPdfjs = async (): Promise<PdfjsLib> => import('pdfjs-dist/legacy/build/pdf.mjs');

const HTML_NAME = /\.(?:x?html?|xht)$/i;

function nodeChunkSource(limits: Partial<IngestLimits> | undefined): ChunkSource {
	return async function* (file, options) {
		const parser = HTML_NAME.test(file.name) ? await loadHtmlParser() : undefined;
		yield* ingestFile(file, {
			signal: options.signal,
			loadPdfjs,
			...(parser ? { htmlParser: parser } : {}),
			...(limits ? { limits } : {}),
			onProgress: (p) =>
				options.onProgress?.(
					p.unit === 'bytes' ? { bytesRead: p.done } : { fraction: p.total ? p.done / p.total : 0 }
				)
		});
	};
}

export class NodeKnowledge {
	readonly repo: SqliteKnowledgeRepository;
	readonly embedder: NodeEmbedder;
	readonly #search: KnowledgeSearch;
	readonly #queue: IngestQueue;
	readonly #cwd: string;
	#loaded: Promise<void> | undefined;
	/** Why the last embedding attempt failed; search then runs on keywords. */
	#embedFailure: string | undefined;

	constructor(options: NodeKnowledgeOptions) {
		this.repo = options.repo;
		this.embedder = options.embedder;
		this.#cwd = options.cwd;
		this.#search = new KnowledgeSearch(this.repo);
		this.#queue = new IngestQueue({
			repo: this.repo,
			chunks: nodeChunkSource(options.limits),
			// Asked when a file is read: the model is loaded (and tried) the first time a passage
			// needs it, so a re-index that finds nothing new never loads it.
			embedder: async () => {
				await this.#probeModel();
				return this.#embedFailure ? undefined : this.embedder.active();
			}
		});
	}

	/** Why embeddings are not in use (no model files, or the model failed), or undefined. */
	get keywordOnly(): string | undefined {
		return this.embedder.unavailable ?? this.#embedFailure;
	}

	#probe: Promise<void> | undefined;

	/**
	 * Loads the model once with one passage, before its first real use: a model that cannot run
	 * is found before any file depends on it (that file, and the rest, are keyword-only).
	 */
	#probeModel(): Promise<void> {
		if (this.embedder.unavailable || this.#embedFailure) return Promise.resolve();
		this.#probe ??= this.embedder.embed(['Hearth'], 'passage').then(
			() => undefined,
			(e: unknown) => {
				this.#embedFailure = toHearthError(e).message;
			}
		);
		return this.#probe;
	}

	/**
	 * Indexes `folder`: new and changed files are read, unchanged ones (same size and time, or
	 * same content) skipped, files gone from it removed. A file that cannot be read is listed
	 * with its reason while the rest go on. Cancel with `signal`: what was committed stays.
	 */
	async indexFolder(folder: string, callbacks: IndexCallbacks = {}): Promise<IndexOutcome> {
		const absolute = path.resolve(this.#cwd, folder);
		let root;
		try {
			root = await nodeFolder(absolute);
		} catch (e) {
			const name = (e as { name?: string }).name;
			if (name === 'NotFoundError') {
				throw new HearthError('file_not_found', `There is no folder at ${absolute}.`);
			}
			if (name === 'TypeMismatchError') {
				throw new HearthError('not_supported', `${absolute} is a file; index the folder it is in.`);
			}
			throw new HearthError('permission_denied', `${absolute} cannot be read: ${String(e)}`);
		}
		const collection =
			(await this.repo.collectionNamed(absolute)) ?? (await this.repo.createCollection(absolute));
		const job = this.#queue.enqueue(collection.id, { kind: 'folder', root });
		const stop = () => job.cancel();
		callbacks.signal?.addEventListener('abort', stop, { once: true });
		const unsubscribe = this.#queue.subscribe((p) => {
			if (p.jobId === job.id) callbacks.onProgress?.(p);
		});
		let result: JobProgress;
		try {
			if (callbacks.signal?.aborted) job.cancel();
			result = await job.done;
		} finally {
			unsubscribe();
			callbacks.signal?.removeEventListener('abort', stop);
		}
		let caughtUp = 0;
		if (result.state === 'done') {
			// Passages indexed before the model was here get their vectors now.
			const caught = await this.catchUp({
				signal: callbacks.signal,
				onProgress: callbacks.onCatchUp
			});
			if (caught === 'cancelled') result = { ...result, state: 'cancelled' };
			else caughtUp = caught;
		}
		return { ...result, folder: absolute, keywordOnly: this.keywordOnly, caughtUp };
	}

	/**
	 * Embeds every passage that has no vector under the model (indexed before the model was
	 * here, or imported from a backup); how many, 0 without a usable model (keywordOnly says
	 * why), 'cancelled' when stopped (what was embedded stays).
	 */
	async catchUp(
		options: { signal?: AbortSignal; onProgress?: IndexCallbacks['onCatchUp'] } = {}
	): Promise<number | 'cancelled'> {
		const active = this.#embedFailure ? undefined : this.embedder.active();
		if (!active) return 0;
		try {
			return await embedMissing(this.repo, active, options);
		} catch (e) {
			const error = toHearthError(e);
			if (error.code === 'aborted') return 'cancelled';
			this.#embedFailure = error.message;
			return 0;
		}
	}

	/** The indexed folders with their counts. */
	async folders(): Promise<(Collection & { documents: number; failed: number; chunks: number })[]> {
		const counts = await this.repo.counts();
		return (await this.repo.listCollections()).map((c) => ({
			...c,
			...(counts.get(c.id) ?? { documents: 0, failed: 0, chunks: 0 })
		}));
	}

	/** Forgets an indexed folder (its passages and vectors); false when it was not indexed. */
	async removeFolder(folder: string): Promise<boolean> {
		const collection = await this.repo.collectionNamed(path.resolve(this.#cwd, folder));
		if (!collection) return false;
		await this.repo.deleteCollection(collection.id);
		return true;
	}

	/** Keyword + embedding search (keyword only, saying why, without a usable model). */
	async search(query: string, options: KnowledgeQuery = {}): Promise<KnowledgeSearchResult> {
		this.#loaded ??= (async () => {
			await this.#probeModel();
			await this.#search.load(this.#embedFailure ? undefined : this.embedder.active());
		})();
		await this.#loaded.catch((e: unknown) => {
			this.#loaded = undefined;
			throw e;
		});
		const result = await this.#search.search(query, options);
		const why = this.keywordOnly;
		if (result.mode === 'lexical' && why && options.mode !== 'lexical') {
			return { ...result, fallback: `${capitalize(why)}, so this was a keyword search.` };
		}
		return result;
	}

	/** `docs/notes.md:12` (relative to the working folder when inside it), `paper.pdf (page 3)`. */
	async citation(p: Passage): Promise<string> {
		const collections = await this.#collections();
		const folder = collections.get(p.collectionId)?.name;
		const file = folder ? path.join(path.dirname(folder), p.path) : p.path;
		const relative = path.relative(this.#cwd, file);
		const shown =
			relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
		if (p.startLine !== undefined) return `${shown}:${p.startLine}`;
		if (p.page !== undefined) return `${shown} (page ${p.page})`;
		return shown;
	}

	#collectionCache: Map<string, Collection> | undefined;

	async #collections(): Promise<Map<string, Collection>> {
		this.#collectionCache ??= new Map((await this.repo.listCollections()).map((c) => [c.id, c]));
		return this.#collectionCache;
	}

	/** search_knowledge over the indexed folders; passages are titled by their citation. */
	tool(): AnyTool {
		this.#collectionCache = undefined;
		return createSearchKnowledgeTool({
			search: async (query, options) => {
				this.#collectionCache = undefined;
				const result = await this.search(query, options);
				const titles = await Promise.all(result.passages.map((p) => this.citation(p)));
				return {
					...result,
					passages: result.passages.map((p, i) => ({ ...p, citation: titles[i] }))
				};
			},
			listCollections: () => this.repo.listCollections()
		}) as unknown as AnyTool;
	}

	async dispose(): Promise<void> {
		this.#search.dispose();
		await this.embedder.dispose();
	}
}

function capitalize(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
