// The Node side of the browser's other tables, in the conversation store's SQLite file: the
// privacy ledger (net/ledger.ts's LedgerStore), memories (memory-repo.ts's MemoryRows) and
// recall of past conversations (recall.ts's RecallRows). Each
// call is one statement or one transaction, so what a call acknowledged survives a kill.
import type { LedgerStore } from '$lib/net/ledger';
import type { LedgerEntry } from '$lib/net/types';
import type { MemoryRows } from '$lib/memory/memory-repo';
import type { RecallRows } from '$lib/memory/recall';
import { memoryKey } from '$lib/memory/vectors';
import type { Conversation, Message } from '$lib/types/chat';
import type { Memory, StoredVector } from '$lib/types/knowledge';
import { sqliteError, type Db } from './sqlite-schema';
import { vectorFromRow, type VectorRow } from './sqlite-knowledge';

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
 * Memories in the terminal's SQLite file, behind the web app's MemoryRepository (the same
 * dedupe, provenance, embedding in the background and search): the `memories` table, and
 * their vectors in `vectors` under memory:<id>, as raw bytes.
 */
function putVector(db: Db, v: StoredVector): void {
	db.prepare(
		'INSERT OR REPLACE INTO vectors (model, key, dims, encoding, scale, data) VALUES (?, ?, ?, ?, ?, ?)'
	).run(v.model, v.key, v.dims, v.encoding, v.scale ?? null, Buffer.from(v.data));
}

function getVectors(db: Db, model: string, keys: readonly string[]) {
	const get = db.prepare('SELECT * FROM vectors WHERE model = ? AND key = ?');
	return keys.map((key) => {
		const row = get.get(model, key) as VectorRow | undefined;
		return row ? vectorFromRow(row) : undefined;
	});
}

export function sqliteMemoryRows(db: Db): MemoryRows {
	const write = (memory: Memory, insert: boolean) =>
		db
			.prepare(
				`${insert ? 'INSERT' : 'INSERT OR REPLACE'} INTO memories (id, updated_at, data) VALUES (?, ?, ?)`
			)
			.run(memory.id, memory.updatedAt, JSON.stringify(memory));
	return {
		readMemories: () =>
			guarded(() =>
				(
					db.prepare('SELECT data FROM memories ORDER BY updated_at DESC, id').all() as {
						data: string;
					}[]
				).map((r) => JSON.parse(r.data) as Memory)
			),
		addMemory: (memory) => guarded(() => void write(memory, true)),
		putMemory: (memory) => guarded(() => void write(memory, false)),
		deleteMemory: (id) =>
			guarded(() =>
				db.transaction(() => {
					db.prepare('DELETE FROM memories WHERE id = ?').run(id);
					db.prepare('DELETE FROM vectors WHERE key = ?').run(memoryKey(id));
				})()
			),
		getVectors: (model, keys) => guarded(() => getVectors(db, model, keys)),
		putVectors: (rows) =>
			guarded(() => db.transaction(() => rows.forEach((v) => putVector(db, v)))()),
		deleteVectorsOf: (key) =>
			guarded(() => void db.prepare('DELETE FROM vectors WHERE key = ?').run(key))
	};
}

/**
 * Past conversations for the web app's ConversationRecall (recall_conversations): the chat
 * store's finished messages, and their vectors in `vectors` under message:<id>.
 */
export function sqliteRecallRows(db: Db): RecallRows {
	return {
		doneMessages: () =>
			guarded(() =>
				(
					db.prepare("SELECT data FROM messages WHERE status = 'done'").all() as {
						data: string;
					}[]
				).map((r) => JSON.parse(r.data) as Message)
			),
		conversationTitles: (ids) =>
			guarded(() => {
				const get = db.prepare('SELECT data FROM conversations WHERE id = ?');
				return ids.map((id) => {
					const row = get.get(id) as { data: string } | undefined;
					return row ? (JSON.parse(row.data) as Conversation).title : undefined;
				});
			}),
		getVectors: (model, keys) => guarded(() => getVectors(db, model, keys)),
		putVectors: (rows) =>
			guarded(() => db.transaction(() => rows.forEach((v) => putVector(db, v)))()),
		pruneMessageVectors: () =>
			guarded(
				() =>
					db
						.prepare(
							"DELETE FROM vectors WHERE key LIKE 'message:%' AND substr(key, 9) NOT IN (SELECT id FROM messages)"
						)
						.run().changes
			)
	};
}
