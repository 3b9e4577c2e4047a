// The ingest queue: one job at a time (files, a folder, pasted text or a page's text), each file
// parsed as a stream and embedded in batches as its chunks arrive, so memory stays bounded by
// one batch whatever the file's size. Queries never wait on this queue: it holds no lock, and the
// embedder lets query batches jump ahead of passage batches.
import { HearthError, toHearthError } from '$lib/types/errors';
import type { ErrorCode } from '$lib/types/errors';
import type { ChunkData, KnowledgeDocument, StoredChunk, StoredVector } from '$lib/types/knowledge';
import { hashBlob } from '$lib/knowledge/store/hash';
import type { KnowledgeStore } from '$lib/knowledge/store/knowledge-store';
import { encodeVector, rekeyVector } from '$lib/knowledge/store/vector-codec';
import type { VectorEncoding } from '$lib/knowledge/store/vector-codec';
import { labelOf, planItems, type Item } from './ingest-plan';
import { MovingRate } from './rate';
import type { ActiveEmbedder, ChunkSource, FileError, IngestInput, JobProgress } from './types';

export interface IngestQueueOptions {
	repo: KnowledgeStore;
	chunks: ChunkSource;
	/**
	 * The embedding model to use now; undefined stores chunks for lexical search only. Asked
	 * only when a file is read, so a model that loads on demand (the terminal's) is not loaded
	 * by a walk that finds nothing new.
	 */
	embedder: () => ActiveEmbedder | undefined | Promise<ActiveEmbedder | undefined>;
	/** Chunks per embedding call and per write: the most a file holds in memory at once. */
	batchSize?: number;
	encoding?: VectorEncoding;
	now?: () => number;
}

export interface IngestJob {
	readonly id: string;
	/** Settles with the final progress (state done, cancelled or failed); never rejects. */
	readonly done: Promise<JobProgress>;
	cancel(): void;
	progress(): JobProgress;
}

/** Errors that will hit every following file too: the job stops instead of listing each. */
const FATAL: ReadonlySet<ErrorCode> = new Set([
	'quota_exceeded',
	'storage_unavailable',
	'permission_denied'
]);

/** The parser said the file itself is the problem: remembered, so an unchanged file is not retried. */
const FILE_FAULTS: ReadonlySet<ErrorCode> = new Set([
	'content_unreadable',
	'content_too_large',
	'not_supported'
]);

interface RunningJob {
	progress: JobProgress;
	input: IngestInput;
	controller: AbortController;
	rate: MovingRate;
	resolve: (p: JobProgress) => void;
}

export class IngestQueue {
	readonly #repo: KnowledgeStore;
	readonly #chunks: ChunkSource;
	readonly #embedder: IngestQueueOptions['embedder'];
	readonly #batchSize: number;
	readonly #encoding: VectorEncoding;
	readonly #now: () => number;
	readonly #listeners = new Set<(progress: JobProgress) => void>();
	readonly #jobs = new Map<string, RunningJob>();
	#tail: Promise<void> = Promise.resolve();

	constructor(options: IngestQueueOptions) {
		this.#repo = options.repo;
		this.#chunks = options.chunks;
		this.#embedder = options.embedder;
		this.#batchSize = Math.max(1, options.batchSize ?? 32);
		this.#encoding = options.encoding ?? 'f32';
		this.#now = options.now ?? Date.now;
	}

	/** Progress of every job not yet finished, in order. */
	get jobs(): JobProgress[] {
		return [...this.#jobs.values()].map((j) => snapshot(j.progress));
	}

	subscribe(listener: (progress: JobProgress) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	enqueue(collectionId: string, input: IngestInput): IngestJob {
		const id = this.#repo.newId();
		const controller = new AbortController();
		let resolve!: (p: JobProgress) => void;
		const done = new Promise<JobProgress>((r) => (resolve = r));
		const job: RunningJob = {
			input,
			controller,
			rate: new MovingRate(),
			resolve,
			progress: {
				jobId: id,
				collectionId,
				label: labelOf(input),
				state: 'queued',
				filesTotal: input.kind === 'files' ? input.files.length : input.kind === 'folder' ? 0 : 1,
				filesDone: 0,
				filesSkipped: 0,
				filesIndexed: 0,
				filesRemoved: 0,
				chunks: 0,
				embedded: 0,
				bytesTotal: 0,
				bytesDone: 0,
				errors: []
			}
		};
		this.#jobs.set(id, job);
		this.#emit(job);
		this.#tail = this.#tail.then(() => this.#run(job));
		return {
			id,
			done,
			cancel: () => controller.abort(),
			progress: () => snapshot(job.progress)
		};
	}

	cancel(jobId: string): void {
		this.#jobs.get(jobId)?.controller.abort();
	}

	#emit(job: RunningJob): void {
		const p = job.progress;
		p.etaSeconds = p.state === 'running' ? job.rate.eta(p.bytesTotal - p.bytesDone) : undefined;
		const copy = snapshot(p);
		for (const listener of this.#listeners) listener(copy);
	}

	/** Adds bytes to the job's total done and updates the moving rate. */
	#advance(job: RunningJob, bytes: number): void {
		job.progress.bytesDone = Math.min(job.progress.bytesTotal, job.progress.bytesDone + bytes);
		job.rate.update(job.progress.bytesDone, this.#now());
	}

	async #run(job: RunningJob): Promise<void> {
		const p = job.progress;
		const signal = job.controller.signal;
		try {
			signal.throwIfAborted();
			p.state = 'running';
			this.#emit(job);
			await this.#repo.removeOrphans();
			const items = await planItems(job.input, signal);
			p.filesTotal = items.length;
			p.bytesTotal = items.reduce((n, item) => n + item.size, 0);
			job.rate.update(0, this.#now());
			this.#emit(job);
			const seen = new Set<string>();
			for (const item of items) {
				signal.throwIfAborted();
				seen.add(item.path);
				await this.#ingestItem(job, item);
				p.filesDone++;
				p.current = undefined;
				this.#emit(job);
			}
			if (job.input.kind === 'folder') {
				await this.#removeVanished(job, `${job.input.root.name}/`, seen);
			}
			p.state = 'done';
		} catch (e) {
			const error = toHearthError(e);
			if (error.code === 'aborted' || signal.aborted) p.state = 'cancelled';
			else {
				p.state = 'failed';
				p.error = error.toJSON();
			}
		} finally {
			p.current = undefined;
			this.#emit(job);
			this.#jobs.delete(p.jobId);
			job.resolve(snapshot(p));
		}
	}

	async #ingestItem(job: RunningJob, item: Item): Promise<void> {
		const p = job.progress;
		const signal = job.controller.signal;
		p.current = item.path;
		this.#emit(job);
		const existing = await this.#repo.findDocumentByPath(p.collectionId, item.path);
		const skip = (doc: KnowledgeDocument) => {
			p.filesSkipped++;
			if (doc.status === 'error' && doc.error) p.errors.push({ path: item.path, error: doc.error });
			this.#advance(job, item.size);
		};
		// Folders: an unchanged size and time means an unchanged file, without reading it.
		if (
			existing &&
			item.source === 'folder' &&
			existing.size === item.size &&
			existing.modifiedAt === item.modifiedAt
		) {
			return skip(existing);
		}
		let file: File;
		let hash: string;
		try {
			file = await item.file();
			hash = item.hash ?? (await hashBlob(file, signal));
		} catch (e) {
			return this.#fileFailed(job, item, e, existing, undefined);
		}
		if (existing && existing.hash === hash && existing.size === file.size) {
			if (existing.modifiedAt !== item.modifiedAt) {
				await this.#repo.touchDocument(existing.id, { modifiedAt: item.modifiedAt });
			}
			return skip(existing);
		}
		const documentId = this.#repo.newId();
		const bytesBefore = p.bytesDone;
		let parsing = true;
		let count = 0;
		try {
			const embedder = await this.#embedder();
			let batch: ChunkData[] = [];
			const source = this.#chunks(file, {
				signal,
				onProgress: ({ bytesRead, fraction }) => {
					const read = bytesRead ?? (fraction !== undefined ? fraction * file.size : undefined);
					if (read === undefined) return;
					const target = bytesBefore + Math.min(read, item.size);
					if (target > p.bytesDone) this.#advance(job, target - p.bytesDone);
				}
			});
			for await (const chunk of source) {
				signal.throwIfAborted();
				batch.push(chunk);
				if (batch.length < this.#batchSize) continue;
				parsing = false;
				count += await this.#writeBatch(job, documentId, batch, embedder);
				parsing = true;
				batch = [];
			}
			parsing = false;
			if (batch.length) count += await this.#writeBatch(job, documentId, batch, embedder);
			signal.throwIfAborted();
			await this.#repo.commitDocument(
				this.#document(documentId, p.collectionId, item, { file, hash }, existing, {
					status: 'indexed',
					chunkCount: count
				}),
				existing?.id
			);
			p.filesIndexed++;
			this.#advance(job, Math.max(0, bytesBefore + item.size - p.bytesDone));
		} catch (e) {
			await this.#repo.discardUncommitted(documentId);
			p.chunks -= count;
			await this.#fileFailed(job, item, e, existing, parsing ? { hash, file } : undefined);
		}
	}

	/**
	 * Records a file's failure and goes on, unless it is a cancel or a failure every other file
	 * would hit too. A parser fault is stored as an `error` document so the knowledge screen shows
	 * it and an unchanged file is not parsed again.
	 */
	async #fileFailed(
		job: RunningJob,
		item: Item,
		e: unknown,
		existing: KnowledgeDocument | undefined,
		parsed: { hash: string; file: File } | undefined
	): Promise<void> {
		const error = toHearthError(e);
		if (error.code === 'aborted' || job.controller.signal.aborted) throw error;
		if (FATAL.has(error.code)) throw error;
		const entry: FileError = { path: item.path, error: error.toJSON() };
		job.progress.errors.push(entry);
		this.#advance(job, item.size);
		if (!parsed || !FILE_FAULTS.has(error.code)) return;
		const id = this.#repo.newId();
		await this.#repo.commitDocument(
			this.#document(id, job.progress.collectionId, item, parsed, existing, {
				status: 'error',
				error: entry.error,
				chunkCount: 0
			}),
			existing?.id
		);
	}

	/** The stored record of a file read as `read`, replacing `existing` (keeping when it was added). */
	#document(
		id: string,
		collectionId: string,
		item: Item,
		read: { file: File; hash: string },
		existing: KnowledgeDocument | undefined,
		outcome: Pick<KnowledgeDocument, 'status' | 'error' | 'chunkCount'>
	): KnowledgeDocument {
		const now = this.#repo.now();
		return {
			id,
			collectionId,
			name: item.name,
			path: item.path,
			source: item.source,
			mime: read.file.type || 'application/octet-stream',
			size: read.file.size,
			hash: read.hash,
			modifiedAt: item.modifiedAt,
			addedAt: existing?.addedAt ?? now,
			updatedAt: now,
			...outcome,
			...(item.handle ? { handle: item.handle } : {})
		};
	}

	/** Embeds (reusing vectors of identical passages) and stores one batch; returns its size. */
	async #writeBatch(
		job: RunningJob,
		documentId: string,
		batch: readonly ChunkData[],
		embedder: ActiveEmbedder | undefined
	): Promise<number> {
		const p = job.progress;
		const signal = job.controller.signal;
		const chunks: StoredChunk[] = batch.map((c) => ({
			...c,
			id: `${documentId}:${c.ordinal}`,
			documentId,
			collectionId: p.collectionId
		}));
		const vectors: StoredVector[] = [];
		if (embedder) {
			const reuse = await this.#repo.vectorsByChunkHash(
				embedder.model,
				chunks.map((c) => c.hash)
			);
			// Each distinct new text once, even when it repeats within the batch.
			const toEmbed = new Map<string, string>();
			for (const c of chunks) if (!reuse.has(c.hash)) toEmbed.set(c.hash, c.text);
			const fresh = new Map<string, Float32Array>();
			if (toEmbed.size) {
				const texts = [...toEmbed.values()];
				const out = await embedder.embed(texts, 'passage', signal);
				if (out.length !== texts.length) {
					throw new HearthError(
						'engine_malformed',
						`The embedding model returned ${out.length} vectors for ${texts.length} passages.`
					);
				}
				[...toEmbed.keys()].forEach((hash, i) => fresh.set(hash, out[i] as Float32Array));
				p.embedded += texts.length;
			}
			for (const c of chunks) {
				const reused = reuse.get(c.hash);
				const vector = fresh.get(c.hash);
				if (reused) vectors.push(rekeyVector(reused, c.id));
				else if (vector) vectors.push(encodeVector(embedder.model, c.id, vector, this.#encoding));
			}
		}
		signal.throwIfAborted();
		await this.#repo.putChunks(chunks, vectors);
		p.chunks += chunks.length;
		this.#emit(job);
		return chunks.length;
	}

	/** After a full folder walk: documents whose file is gone are removed. */
	async #removeVanished(job: RunningJob, prefix: string, seen: ReadonlySet<string>) {
		const docs = await this.#repo.listDocuments(job.progress.collectionId);
		for (const doc of docs) {
			if (doc.source !== 'folder' || !doc.path.startsWith(prefix) || seen.has(doc.path)) continue;
			job.controller.signal.throwIfAborted();
			await this.#repo.deleteDocument(doc.id);
			job.progress.filesRemoved++;
		}
	}
}

function snapshot(p: JobProgress): JobProgress {
	return { ...p, errors: [...p.errors] };
}
