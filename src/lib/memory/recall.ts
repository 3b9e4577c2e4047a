// Recall of past conversations: finished messages are embedded in the background, and a question
// combines a time span with semantic search over them.
import type { HearthDb } from '$lib/storage/db';
import type { Message } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import type { StoredVector } from '$lib/types/knowledge';
import { stripReasoning } from '$lib/utils/reasoning';
import { wordOverlap } from './text';
import {
	dot,
	fromStoredVector,
	messageKey,
	toStoredVector,
	unit,
	type MemoryEmbedder
} from './vectors';

export interface RecallHit {
	conversationId: string;
	conversationTitle: string;
	messageId: string;
	role: 'user' | 'assistant';
	snippet: string;
	/** When the message was written, epoch ms. */
	createdAt: number;
	score: number;
}

export interface RecallOptions {
	/** Inclusive, epoch ms. */
	from?: number;
	/** Exclusive, epoch ms. */
	to?: number;
	k?: number;
	minScore?: number;
	/** Leave out the conversation the question is asked in (it would find the question itself). */
	excludeConversationId?: string;
	signal?: AbortSignal;
}

export interface EmbedProgress {
	embedded: number;
	remaining: number;
}

export interface ConversationRecallOptions {
	/** Messages per embed call: one call's work is kept even if a later one is stopped. */
	batchSize?: number;
	/** Characters of a message that are embedded (models read ~512 tokens at most anyway). */
	maxChars?: number;
	snippetChars?: number;
	/** A query embeds this many missing messages on the spot at most (the newest). */
	maxInlineEmbeds?: number;
}

/** Text worth embedding: the answer without its reasoning; '' for nothing to recall. */
export function recallText(message: Pick<Message, 'role' | 'content' | 'status'>): string {
	if (message.status !== 'done') return '';
	if (message.role !== 'user' && message.role !== 'assistant') return '';
	return stripReasoning(message.content).replace(/\s+/g, ' ').trim();
}

function snippetOf(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * Where recall reads conversations and keeps their vectors: Dexie in the browser
 * (dexieRecallRows), SQLite in the terminal (src/node/sqlite-stores.ts). Vectors are `vectors`
 * rows keyed message:<id>.
 */
export interface RecallRows {
	/** Every message whose status is 'done', in any order. */
	doneMessages(): Promise<Message[]>;
	/** Each conversation's title, or undefined for one that is gone; in the order asked. */
	conversationTitles(ids: readonly string[]): Promise<(string | undefined)[]>;
	getVectors(model: string, keys: readonly string[]): Promise<(StoredVector | undefined)[]>;
	putVectors(rows: readonly StoredVector[]): Promise<void>;
	/** Deletes message vectors whose message no longer exists; how many went. */
	pruneMessageVectors(): Promise<number>;
}

/** The browser's conversations and vectors: the Dexie tables the chat store writes. */
export function dexieRecallRows(db: HearthDb): RecallRows {
	return {
		doneMessages: () => db.messages.where('status').equals('done').toArray(),
		conversationTitles: async (ids) =>
			(await db.conversations.bulkGet([...ids])).map((c) => c?.title),
		getVectors: (model, keys) =>
			db.vectors.bulkGet(keys.map((key) => [model, key] as [string, string])),
		putVectors: async (rows) => void (await db.vectors.bulkPut([...rows])),
		pruneMessageVectors: async () => {
			const ids = new Set(await db.messages.toCollection().primaryKeys());
			return db.vectors
				.where('key')
				.startsWith('message:')
				.filter((row) => !ids.has(row.key.slice('message:'.length)))
				.delete();
		}
	};
}

function isRows(store: HearthDb | RecallRows): store is RecallRows {
	return typeof (store as Partial<RecallRows>).doneMessages === 'function';
}

export class ConversationRecall {
	readonly #rows: RecallRows;
	readonly #embedder: MemoryEmbedder;
	readonly #options: Required<ConversationRecallOptions>;

	/** A Dexie database (the browser's tables), or any other RecallRows (the terminal's SQLite). */
	constructor(
		store: HearthDb | RecallRows,
		embedder: MemoryEmbedder,
		options: ConversationRecallOptions = {}
	) {
		this.#rows = isRows(store) ? store : dexieRecallRows(store);
		this.#embedder = embedder;
		this.#options = {
			batchSize: options.batchSize ?? 32,
			maxChars: options.maxChars ?? 2000,
			snippetChars: options.snippetChars ?? 240,
			maxInlineEmbeds: options.maxInlineEmbeds ?? 256
		};
	}

	/**
	 * Embeds finished messages that have no vector under the current model yet, oldest first,
	 * storing each batch as it completes: stopping (or closing the page) loses at most one batch,
	 * and the next run picks up where this one stopped.
	 */
	async embedPending(
		options: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void; limit?: number } = {}
	): Promise<EmbedProgress> {
		const candidates = await this.#finished();
		const missing = await this.#missing(candidates);
		const todo = missing.slice(0, options.limit ?? missing.length);
		let embedded = 0;
		for (let i = 0; i < todo.length; i += this.#options.batchSize) {
			if (options.signal?.aborted) break;
			await this.#embedBatch(todo.slice(i, i + this.#options.batchSize), options.signal);
			embedded += Math.min(this.#options.batchSize, todo.length - i);
			options.onProgress?.({ embedded, remaining: missing.length - embedded });
		}
		return { embedded, remaining: missing.length - embedded };
	}

	/**
	 * Messages about `query`, best first, limited to [from, to) when given. Up to maxInlineEmbeds
	 * messages the background job has not embedded yet are embedded first.
	 */
	async recall(query: string, options: RecallOptions = {}): Promise<RecallHit[]> {
		const { from = -Infinity, to = Infinity, k = 5, minScore = -Infinity, signal } = options;
		const inSpan = (await this.#finished()).filter(
			(m) =>
				m.createdAt >= from &&
				m.createdAt < to &&
				m.conversationId !== options.excludeConversationId
		);
		if (inSpan.length === 0) return [];
		const topic = query.trim();
		// A bare time question ("what did we discuss yesterday?") has no topic: newest first.
		if (topic === '') {
			return this.#hits(
				[...inSpan]
					.reverse()
					.slice(0, k)
					.map((m) => ({ m, score: 0 }))
			);
		}
		let scored: { m: Message; score: number }[];
		try {
			scored = await this.#byMeaning(topic, inSpan, signal);
		} catch (e) {
			// No embedding model on this device (the terminal without its files): by the words.
			if (toHearthError(e).code !== 'model_not_downloaded') throw toHearthError(e);
			scored = inSpan
				.map((m) => ({ m, score: wordOverlap(topic, recallText(m)) }))
				.filter((x) => x.score > 0);
		}
		return this.#hits(
			scored
				.filter((x) => x.score >= minScore)
				.sort((a, b) => b.score - a.score || b.m.createdAt - a.m.createdAt)
				.slice(0, k)
		);
	}

	/** Every message in `inSpan` that has a vector, scored by cosine against the topic. */
	async #byMeaning(
		topic: string,
		inSpan: readonly Message[],
		signal?: AbortSignal
	): Promise<{ m: Message; score: number }[]> {
		// Messages the background job has not reached yet (newest first, bounded) are embedded now.
		const missing = (await this.#missing(inSpan)).slice(-this.#options.maxInlineEmbeds);
		for (let i = 0; i < missing.length; i += this.#options.batchSize) {
			await this.#embedBatch(missing.slice(i, i + this.#options.batchSize), signal);
		}
		const model = this.#embedder.model;
		const rows = await this.#guarded(() =>
			this.#rows.getVectors(
				model,
				inSpan.map((m) => messageKey(m.id))
			)
		);
		const q = await this.#embedder.embed([topic], 'query', signal);
		const qv = q[0] ? unit(q[0]) : new Float32Array(0);
		return inSpan.flatMap((m, i) => {
			const row = rows[i];
			return row ? [{ m, score: dot(qv, fromStoredVector(row)) }] : [];
		});
	}

	async #hits(scored: readonly { m: Message; score: number }[]): Promise<RecallHit[]> {
		const titles = await this.#titles(scored.map((x) => x.m.conversationId));
		return scored.map(({ m, score }) => ({
			conversationId: m.conversationId,
			conversationTitle: titles.get(m.conversationId) ?? 'Untitled conversation',
			messageId: m.id,
			role: m.role as 'user' | 'assistant',
			snippet: snippetOf(recallText(m), this.#options.snippetChars),
			createdAt: m.createdAt,
			score
		}));
	}

	/** Drops vectors of messages that no longer exist (deleted conversations). */
	async prune(): Promise<number> {
		return this.#guarded(() => this.#rows.pruneMessageVectors());
	}

	async #finished(): Promise<Message[]> {
		const done = await this.#guarded(() => this.#rows.doneMessages());
		return done.filter((m) => recallText(m) !== '').sort((a, b) => a.createdAt - b.createdAt);
	}

	async #missing(messages: readonly Message[]): Promise<Message[]> {
		const model = this.#embedder.model;
		const rows = await this.#guarded(() =>
			this.#rows.getVectors(
				model,
				messages.map((m) => messageKey(m.id))
			)
		);
		return messages.filter((_, i) => rows[i] === undefined);
	}

	async #embedBatch(batch: readonly Message[], signal?: AbortSignal): Promise<void> {
		if (batch.length === 0) return;
		const model = this.#embedder.model;
		const texts = batch.map((m) => recallText(m).slice(0, this.#options.maxChars));
		const vectors = await this.#embedder.embed(texts, 'passage', signal);
		const rows = batch.map((m, i) =>
			toStoredVector(model, messageKey(m.id), vectors[i] ?? new Float32Array(0))
		);
		await this.#guarded(() => this.#rows.putVectors(rows));
	}

	async #titles(ids: readonly string[]): Promise<Map<string, string>> {
		const unique = [...new Set(ids)];
		const titles = await this.#guarded(() => this.#rows.conversationTitles(unique));
		return new Map(unique.map((id, i) => [id, titles[i] ?? 'Untitled conversation']));
	}

	async #guarded<T>(work: () => Promise<T>): Promise<T> {
		try {
			return await work();
		} catch (e) {
			throw toHearthError(e);
		}
	}
}
