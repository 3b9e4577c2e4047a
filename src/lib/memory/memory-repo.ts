import type { HearthDb } from '$lib/storage/db';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { Memory, MemoryKind, StoredVector } from '$lib/types/knowledge';
import { normalizeText, wordOverlap } from './text';
import {
	dot,
	fromStoredVector,
	memoryKey,
	toStoredVector,
	unit,
	type MemoryEmbedder
} from './vectors';

export interface NewMemory {
	text: string;
	kind?: MemoryKind;
	origin?: Memory['origin'];
	status?: Memory['status'];
	conversationId?: string;
	/** Memory['untrusted']: where the untrusted text in the conversation came from. */
	untrusted?: readonly string[];
}

export interface ScoredMemory {
	memory: Memory;
	/** Cosine similarity to the query (text matching adds to it in `find`). */
	score: number;
}

export interface MemorySearchOptions {
	/** Which memories count; kept ones by default (proposals are not the user's word yet). */
	status?: Memory['status'] | 'any';
	limit?: number;
	minScore?: number;
	signal?: AbortSignal;
}

/**
 * Where memories and their vectors are kept: Dexie in the browser (dexieMemoryRows), SQLite in
 * the terminal (src/node/sqlite-memories.ts). Vectors are `vectors` rows keyed memory:<id>.
 */
export interface MemoryRows {
	readMemories(): Promise<Memory[]>;
	addMemory(memory: Memory): Promise<void>;
	putMemory(memory: Memory): Promise<void>;
	/** Deletes the memory and its vectors (every model) together. */
	deleteMemory(id: string): Promise<void>;
	getVectors(model: string, keys: readonly string[]): Promise<(StoredVector | undefined)[]>;
	putVectors(rows: readonly StoredVector[]): Promise<void>;
	/** Deletes every model's vector stored under `key`. */
	deleteVectorsOf(key: string): Promise<void>;
}

/** The browser's memories: the Dexie tables the rest of the app (export, import) reads too. */
export function dexieMemoryRows(db: HearthDb): MemoryRows {
	return {
		readMemories: () => db.memories.toArray(),
		addMemory: async (memory) => void (await db.memories.add(memory)),
		putMemory: async (memory) => void (await db.memories.put(memory)),
		deleteMemory: (id) =>
			db.transaction('rw', db.memories, db.vectors, async () => {
				await db.memories.delete(id);
				await db.vectors.where('key').equals(memoryKey(id)).delete();
			}),
		getVectors: (model, keys) =>
			db.vectors.bulkGet(keys.map((key) => [model, key] as [string, string])),
		putVectors: async (rows) => void (await db.vectors.bulkPut([...rows])),
		deleteVectorsOf: async (key) => void (await db.vectors.where('key').equals(key).delete())
	};
}

function isRows(store: HearthDb | MemoryRows): store is MemoryRows {
	return typeof (store as Partial<MemoryRows>).readMemories === 'function';
}

export interface MemoryRepositoryOptions {
	now?: () => number;
	newId?: () => string;
}

/** Longest memory: a sentence or two, not a document. */
export const MAX_MEMORY_CHARS = 500;

async function guarded<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw toHearthError(e);
	}
}

function cleanText(text: string): string {
	const t = text.replace(/\s+/g, ' ').trim();
	if (t === '') throw new HearthError('tool_invalid_args', 'A memory needs some text.');
	if (t.length > MAX_MEMORY_CHARS) {
		throw new HearthError(
			'tool_invalid_args',
			`Keep a memory under ${MAX_MEMORY_CHARS} characters; this one has ${t.length}.`
		);
	}
	return t;
}

/**
 * Long-term memories and their embeddings. The only code that writes the `memories` table and
 * `memory:` rows of `vectors`. Embedding is best effort on writes (the embedding model may not be
 * loaded yet): a memory without a vector gets one the next time a search needs it.
 */
export class MemoryRepository {
	readonly #rows: MemoryRows;
	readonly #embedder: MemoryEmbedder;
	readonly #now: () => number;
	readonly #newId: () => string;
	/** Every memory, kept in step with each write: synchronous readers (a tool's describe) use it. */
	#cache: Map<string, Memory> | undefined;

	/** A Dexie database (the browser's tables), or any other MemoryRows (the terminal's SQLite). */
	constructor(
		store: HearthDb | MemoryRows,
		embedder: MemoryEmbedder,
		options: MemoryRepositoryOptions = {}
	) {
		this.#rows = isRows(store) ? store : dexieMemoryRows(store);
		this.#embedder = embedder;
		this.#now = options.now ?? Date.now;
		this.#newId = options.newId ?? (() => crypto.randomUUID());
	}

	/** Newest first; only one status when given. */
	async list(status?: Memory['status']): Promise<Memory[]> {
		const all = [...(await this.#all()).values()];
		return all
			.filter((m) => status === undefined || m.status === status)
			.sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
	}

	/** The memories as of the last read or write, without waiting; [] before the first. */
	peek(): Memory[] {
		return [...(this.#cache?.values() ?? [])];
	}

	async get(id: string): Promise<Memory | undefined> {
		return (await this.#all()).get(id);
	}

	/** A memory with the same normalised text, if there is one. */
	async findSameText(text: string): Promise<Memory | undefined> {
		const wanted = normalizeText(text);
		return [...(await this.#all()).values()].find((m) => normalizeText(m.text) === wanted);
	}

	/**
	 * Adds a memory (kept and explicit unless told otherwise). The same text said again is not
	 * stored twice: the existing memory is returned, kept if it was only proposed. It is stored
	 * at once and embedded in the background ("Remembered" must not wait for a model to load);
	 * `embedded()` waits for that, and a search embeds whatever is still missing.
	 */
	async add(init: NewMemory): Promise<Memory> {
		const text = cleanText(init.text);
		const status = init.status ?? 'kept';
		const same = await this.findSameText(text);
		if (same) return same.status === 'proposed' && status === 'kept' ? this.keep(same.id) : same;
		const now = this.#now();
		const memory: Memory = {
			id: this.#newId(),
			text,
			kind: init.kind ?? 'fact',
			status,
			origin: init.origin ?? 'explicit',
			createdAt: now,
			updatedAt: now,
			...(init.conversationId ? { conversationId: init.conversationId } : {}),
			...(init.untrusted?.length ? { untrusted: [...init.untrusted] } : {})
		};
		await guarded(() => this.#rows.addMemory(memory));
		this.#cache?.set(memory.id, memory);
		this.#background(this.#tryEmbed([memory]));
		return memory;
	}

	/** Reads the table afresh next time (after an import wrote to it directly). */
	reload(): void {
		this.#cache = undefined;
	}

	readonly #pending = new Set<Promise<void>>();

	#background(work: Promise<void>): void {
		this.#pending.add(work);
		void work.finally(() => this.#pending.delete(work));
	}

	/** Resolves when background embedding of added memories has finished (tests, shutdown). */
	async embedded(): Promise<void> {
		while (this.#pending.size > 0) await Promise.all([...this.#pending]);
	}

	/**
	 * Stores proposals from a conversation for the user to keep or discard; `untrusted` is where
	 * the untrusted text that conversation held came from (Memory['untrusted']).
	 */
	async addProposals(
		proposals: readonly { text: string; kind: MemoryKind }[],
		conversationId?: string,
		untrusted?: readonly string[]
	): Promise<Memory[]> {
		const stored: Memory[] = [];
		for (const p of proposals) {
			const memory = await this.add({
				...p,
				status: 'proposed',
				origin: 'proposed',
				conversationId,
				untrusted
			});
			if (!stored.some((m) => m.id === memory.id)) stored.push(memory);
		}
		return stored;
	}

	/** Changes text and/or kind; a new text is embedded again and is the user's own words. */
	async edit(
		id: string,
		changes: { text?: string; kind?: MemoryKind },
		signal?: AbortSignal
	): Promise<Memory> {
		const current = await this.#require(id);
		const text = changes.text === undefined ? current.text : cleanText(changes.text);
		const memory: Memory = {
			...current,
			text,
			kind: changes.kind ?? current.kind,
			updatedAt: this.#now()
		};
		if (text !== current.text) delete memory.untrusted;
		await guarded(() => this.#rows.putMemory(memory));
		this.#cache?.set(id, memory);
		if (text !== current.text) {
			// Vectors of every model describe the old text: drop them all, then embed the new one.
			await guarded(() => this.#rows.deleteVectorsOf(memoryKey(id)));
			await this.#tryEmbed([memory], signal);
		}
		return memory;
	}

	/** Deletes a memory and its vectors; returns it (for an undo), or undefined if it was gone. */
	async delete(id: string): Promise<Memory | undefined> {
		const current = await this.get(id);
		if (!current) return undefined;
		await guarded(() => this.#rows.deleteMemory(id));
		this.#cache?.delete(id);
		return current;
	}

	/**
	 * The user vouches for a memory written after untrusted text ("Mark as mine"): from now on it
	 * joins prompts as their own word.
	 */
	async trust(id: string): Promise<Memory> {
		const current = await this.#require(id);
		if (!current.untrusted) return current;
		const memory: Memory = { ...current, updatedAt: this.#now() };
		delete memory.untrusted;
		await guarded(() => this.#rows.putMemory(memory));
		this.#cache?.set(id, memory);
		return memory;
	}

	/** The user keeps a proposal: it becomes a memory used in answers. */
	async keep(id: string): Promise<Memory> {
		const current = await this.#require(id);
		if (current.status === 'kept') return current;
		const memory: Memory = { ...current, status: 'kept', updatedAt: this.#now() };
		await guarded(() => this.#rows.putMemory(memory));
		this.#cache?.set(id, memory);
		return memory;
	}

	/** The user discards a proposal. Kept memories are not discarded by mistake: use delete. */
	async discard(id: string): Promise<void> {
		const current = await this.#require(id);
		if (current.status !== 'proposed') {
			throw new HearthError(
				'unknown',
				'Only a proposed memory can be discarded; delete it instead.'
			);
		}
		await this.delete(id);
	}

	/**
	 * Unit vectors for these memories under the current model, embedding the missing ones now
	 * (memories written while no model was loaded, or after a model change).
	 */
	async vectorsFor(
		memories: readonly Memory[],
		signal?: AbortSignal
	): Promise<Map<string, Float32Array>> {
		const model = this.#embedder.model;
		const rows = await guarded(() =>
			this.#rows.getVectors(
				model,
				memories.map((m) => memoryKey(m.id))
			)
		);
		const out = new Map<string, Float32Array>();
		const missing: Memory[] = [];
		memories.forEach((m, i) => {
			const row = rows[i];
			if (row) out.set(m.id, fromStoredVector(row));
			else missing.push(m);
		});
		if (missing.length > 0) {
			for (const [id, v] of await this.#embedAndStore(missing, signal)) out.set(id, v);
		}
		return out;
	}

	/** Memories by similarity to `query`, best first. */
	async search(query: string, options: MemorySearchOptions = {}): Promise<ScoredMemory[]> {
		const { status = 'kept', limit = 5, minScore = -Infinity, signal } = options;
		const pool = (await this.list()).filter((m) => status === 'any' || m.status === status);
		if (pool.length === 0 || query.trim() === '') return [];
		const [q] = await this.#embedder.embed([query], 'query', signal);
		if (!q) return [];
		const qv = unit(q);
		const vectors = await this.vectorsFor(pool, signal);
		return pool
			.map((memory) => {
				const v = vectors.get(memory.id);
				return { memory, score: v ? dot(qv, v) : -Infinity };
			})
			.filter((s) => s.score >= minScore)
			.sort((a, b) => b.score - a.score)
			.slice(0, limit);
	}

	/**
	 * The memory `what` most likely means ("forget that I like Python"): similarity plus shared
	 * words, so an exact phrase wins over a merely related memory. Undefined when nothing is close.
	 */
	async find(what: string, signal?: AbortSignal): Promise<ScoredMemory | undefined> {
		const pool = await this.list();
		if (pool.length === 0) return undefined;
		let similar = new Map<string, number>();
		try {
			const scored = await this.search(what, { status: 'any', limit: pool.length, signal });
			similar = new Map(scored.map((s) => [s.memory.id, s.score]));
		} catch (e) {
			// Without an embedding model, words alone still find "my address" in "My address is…".
			if (toHearthError(e).code === 'aborted') throw e;
		}
		const best = pool
			.map((memory) => {
				const words = wordOverlap(what, memory.text);
				const sim = similar.get(memory.id) ?? 0;
				return { memory, score: sim + words, words, sim };
			})
			.sort((a, b) => b.score - a.score)[0];
		if (!best || (best.words === 0 && best.sim < FIND_MIN_SIMILARITY)) return undefined;
		return { memory: best.memory, score: best.score };
	}

	/** For each text, its highest similarity to any stored memory (proposal dedupe). */
	async maxSimilarity(texts: string[], signal?: AbortSignal): Promise<number[]> {
		const pool = await this.list();
		if (pool.length === 0 || texts.length === 0) return texts.map(() => 0);
		const [queries, vectors] = await Promise.all([
			this.#embedder.embed(texts, 'passage', signal),
			this.vectorsFor(pool, signal)
		]);
		return queries.map((q) => {
			const qv = unit(q);
			let best = 0;
			for (const v of vectors.values()) best = Math.max(best, dot(qv, v));
			return best;
		});
	}

	async #all(): Promise<Map<string, Memory>> {
		if (!this.#cache) {
			const rows = await guarded(() => this.#rows.readMemories());
			this.#cache = new Map(rows.map((m) => [m.id, m]));
		}
		return this.#cache;
	}

	async #require(id: string): Promise<Memory> {
		const memory = await this.get(id);
		if (!memory) throw new HearthError('unknown', 'That memory no longer exists.');
		return memory;
	}

	async #embedAndStore(
		memories: readonly Memory[],
		signal?: AbortSignal
	): Promise<Map<string, Float32Array>> {
		const model = this.#embedder.model;
		const vectors = await this.#embedder.embed(
			memories.map((m) => m.text),
			'passage',
			signal
		);
		const rows = memories.map((m, i) =>
			toStoredVector(model, memoryKey(m.id), vectors[i] ?? new Float32Array(0))
		);
		await guarded(() => this.#rows.putVectors(rows));
		return new Map(memories.map((m, i) => [m.id, fromStoredVector(rows[i]!)]));
	}

	async #tryEmbed(memories: readonly Memory[], signal?: AbortSignal): Promise<void> {
		try {
			await this.#embedAndStore(memories, signal);
		} catch {
			// The memory is saved either way (no model loaded, or stopped): a search embeds it later.
		}
	}
}

/** Below this, a memory sharing no words with the request is not what the user meant. */
export const FIND_MIN_SIMILARITY = 0.5;
