// The Node side of the browser's other tables, in the conversation store's SQLite file: the
// privacy ledger (net/ledger.ts's LedgerStore) and memories. Each call is one statement, so
// what a call acknowledged survives the process being killed.
import type { LedgerStore } from '$lib/net/ledger';
import type { LedgerEntry } from '$lib/net/types';
import { normalizeText, wordOverlap } from '$lib/memory/text';
import { MAX_MEMORY_CHARS } from '$lib/memory/memory-repo';
import { HearthError } from '$lib/types/errors';
import type { Memory } from '$lib/types/knowledge';
import { sqliteError, type Db } from './sqlite-schema';

function guarded<T>(work: () => T): Promise<T> {
	try {
		return Promise.resolve(work());
	} catch (e) {
		return Promise.reject(sqliteError(e));
	}
}

export function sqliteLedgerStore(db: Db): LedgerStore {
	const read = (id: number) =>
		db.prepare('SELECT data FROM ledger WHERE id = ?').get(id) as { data: string } | undefined;
	return {
		count: () =>
			guarded(() => (db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n),
		oldestIds: (n) =>
			guarded(() =>
				(db.prepare('SELECT id FROM ledger ORDER BY id LIMIT ?').all(n) as { id: number }[]).map(
					(r) => r.id
				)
			),
		add: (entry) =>
			guarded(() => {
				const { lastInsertRowid } = db
					.prepare('INSERT INTO ledger (at, data) VALUES (?, ?)')
					.run(entry.at, JSON.stringify(entry));
				return Number(lastInsertRowid);
			}),
		update: (id, patch) =>
			guarded(() => {
				const row = read(id);
				if (!row) return;
				const next = { ...(JSON.parse(row.data) as LedgerEntry), ...patch };
				db.prepare('UPDATE ledger SET data = ? WHERE id = ?').run(JSON.stringify(next), id);
			}),
		bulkDelete: (ids) =>
			guarded(() => {
				const remove = db.prepare('DELETE FROM ledger WHERE id = ?');
				for (const id of ids) remove.run(id);
			})
	};
}

/** The newest ledger entries, newest first, with their ids. */
export function readLedger(db: Db, limit = 50): LedgerEntry[] {
	return (
		db.prepare('SELECT id, data FROM ledger ORDER BY id DESC LIMIT ?').all(limit) as {
			id: number;
			data: string;
		}[]
	).map((r) => ({ ...(JSON.parse(r.data) as LedgerEntry), id: r.id }));
}

/**
 * Memories in the terminal: kept, listed, forgotten and matched to a message by shared words
 * (the browser adds embeddings; the terminal has no embedding model loaded per prompt).
 */
export class SqliteMemories {
	readonly #db: Db;
	readonly #now: () => number;

	constructor(db: Db, now: () => number = Date.now) {
		this.#db = db;
		this.#now = now;
	}

	list(): Promise<Memory[]> {
		return guarded(() =>
			(
				this.#db.prepare('SELECT data FROM memories ORDER BY updated_at DESC, id').all() as {
					data: string;
				}[]
			).map((r) => JSON.parse(r.data) as Memory)
		);
	}

	async add(text: string, init: Partial<Pick<Memory, 'conversationId' | 'untrusted'>> = {}) {
		const clean = text.replace(/\s+/g, ' ').trim();
		if (!clean) throw new HearthError('tool_invalid_args', 'A memory needs some text.');
		if (clean.length > MAX_MEMORY_CHARS) {
			throw new HearthError(
				'tool_invalid_args',
				`Keep a memory under ${MAX_MEMORY_CHARS} characters; this one has ${clean.length}.`
			);
		}
		const same = (await this.list()).find((m) => normalizeText(m.text) === normalizeText(clean));
		if (same) return same;
		const now = this.#now();
		const memory: Memory = {
			id: crypto.randomUUID(),
			text: clean,
			kind: 'fact',
			status: 'kept',
			origin: 'explicit',
			createdAt: now,
			updatedAt: now,
			...init
		};
		await this.put(memory);
		return memory;
	}

	/** Writes a memory as it is (an import keeps ids and times). */
	put(memory: Memory): Promise<void> {
		return guarded(() => {
			this.#db
				.prepare('INSERT OR REPLACE INTO memories (id, updated_at, data) VALUES (?, ?, ?)')
				.run(memory.id, memory.updatedAt, JSON.stringify(memory));
		});
	}

	/** Forgets the memories whose text contains `words` (or whose id is `words`); returns them. */
	async forget(words: string): Promise<Memory[]> {
		const wanted = normalizeText(words);
		if (!wanted) return [];
		const gone = (await this.list()).filter(
			(m) => m.id === words.trim() || normalizeText(m.text).includes(wanted)
		);
		await guarded(() => {
			const remove = this.#db.prepare('DELETE FROM memories WHERE id = ?');
			for (const m of gone) remove.run(m.id);
		});
		return gone;
	}

	/** Kept memories sharing words with `query`, best first. */
	async relevant(query: string, limit = 5): Promise<Memory[]> {
		return (await this.list())
			.filter((m) => m.status === 'kept')
			.map((m) => ({ m, score: wordOverlap(query, m.text) }))
			.filter((s) => s.score > 0)
			.sort((a, b) => b.score - a.score)
			.slice(0, limit)
			.map((s) => s.m);
	}
}
