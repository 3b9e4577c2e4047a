import type Database from 'libsql';
import { HearthError, toHearthError } from '$lib/types/errors';

// The conversation store's tables and how SQLite's failures become Hearth's coded errors.

export type Db = InstanceType<typeof Database>;

/** Schema versions are only ever added (PRAGMA user_version), like the Dexie schema. */
export const MIGRATIONS: string[] = [
	`
	CREATE TABLE conversations (
		id TEXT PRIMARY KEY,
		pinned INTEGER NOT NULL,
		updated_at INTEGER NOT NULL,
		data TEXT NOT NULL
	);
	CREATE INDEX conversations_order ON conversations (pinned, updated_at, id);
	CREATE TABLE messages (
		id TEXT PRIMARY KEY,
		conversation_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		status TEXT NOT NULL,
		data TEXT NOT NULL
	);
	CREATE INDEX messages_thread ON messages (conversation_id, created_at, id);
	CREATE INDEX messages_status ON messages (status);
	CREATE TABLE attachments (
		id TEXT PRIMARY KEY,
		conversation_id TEXT NOT NULL,
		data BLOB NOT NULL,
		meta TEXT NOT NULL
	);
	CREATE INDEX attachments_conversation ON attachments (conversation_id);
	CREATE TABLE images (
		id TEXT PRIMARY KEY,
		conversation_id TEXT NOT NULL,
		data BLOB NOT NULL,
		thumbnail BLOB NOT NULL,
		meta TEXT NOT NULL
	);
	CREATE INDEX images_conversation ON images (conversation_id);
	-- The words of utils/words.indexWords, space-separated: the tokenizer keeps ' - _ inside a
	-- word and does not fold accents, so a prefix query matches exactly what IndexedDB's does.
	CREATE VIRTUAL TABLE message_words USING fts5 (
		words, tokenize = "unicode61 remove_diacritics 0 tokenchars '''-_'", prefix = '2 3'
	);
	CREATE VIRTUAL TABLE title_words USING fts5 (
		words, tokenize = "unicode61 remove_diacritics 0 tokenchars '''-_'", prefix = '2 3'
	);
	`,
	// v2: what the terminal and the API keep beside conversations, as the browser keeps them in
	// Dexie: the privacy ledger, memories, reminders, and downloaded models.
	`
	CREATE TABLE ledger (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		at INTEGER NOT NULL,
		data TEXT NOT NULL
	);
	CREATE TABLE memories (
		id TEXT PRIMARY KEY,
		updated_at INTEGER NOT NULL,
		data TEXT NOT NULL
	);
	CREATE TABLE reminders (
		id TEXT PRIMARY KEY,
		due_at INTEGER NOT NULL,
		data TEXT NOT NULL
	);
	`,
	// v3: settings (key 'settings': the web app's Settings, as its Dexie row), the reminders' status as a column (the scheduler asks by it), and
	// the parts of a backup the terminal keeps for the browser without using them itself (answer
	// ratings, eval sets, knowledge text), so a browser backup survives a trip through here.
	`
	CREATE TABLE settings (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	ALTER TABLE reminders ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled';
	CREATE INDEX reminders_due ON reminders (status, due_at);
	CREATE TABLE kept_records (
		kind TEXT NOT NULL,
		id TEXT NOT NULL,
		data TEXT NOT NULL,
		PRIMARY KEY (kind, id)
	);
	`,
	// v4: the knowledge base (hearth index) and embeddings, as the browser keeps them in Dexie:
	// collections, documents, chunks, and vectors keyed (model, key) where key is a chunk id or
	// memory:<id>. Vectors are raw bytes, never JSON.
	`
	CREATE TABLE knowledge_collections (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		data TEXT NOT NULL
	);
	CREATE TABLE knowledge_documents (
		id TEXT PRIMARY KEY,
		collection_id TEXT NOT NULL,
		path TEXT NOT NULL,
		data TEXT NOT NULL
	);
	CREATE INDEX knowledge_documents_path ON knowledge_documents (collection_id, path);
	CREATE TABLE knowledge_chunks (
		id TEXT PRIMARY KEY,
		document_id TEXT NOT NULL,
		collection_id TEXT NOT NULL,
		ordinal INTEGER NOT NULL,
		hash TEXT NOT NULL,
		data TEXT NOT NULL
	);
	CREATE INDEX knowledge_chunks_document ON knowledge_chunks (document_id, ordinal);
	CREATE INDEX knowledge_chunks_hash ON knowledge_chunks (hash);
	CREATE INDEX knowledge_chunks_collection ON knowledge_chunks (collection_id);
	CREATE TABLE vectors (
		model TEXT NOT NULL,
		key TEXT NOT NULL,
		dims INTEGER NOT NULL,
		encoding TEXT NOT NULL,
		scale REAL,
		data BLOB NOT NULL,
		PRIMARY KEY (model, key)
	);
	CREATE INDEX vectors_key ON vectors (key);
	`,
	// v5: knowledge text a browser backup brought, kept word for word in kept_records until now,
	// moves into the knowledge tables (search finds it; the next index or import embeds it).
	// A document this store already has keeps its own rows.
	`
	INSERT OR IGNORE INTO knowledge_collections (id, name, data)
		SELECT id, json_extract(data, '$.name'), data FROM kept_records WHERE kind = 'collection';
	INSERT OR IGNORE INTO knowledge_chunks (id, document_id, collection_id, ordinal, hash, data)
		SELECT c.id, json_extract(c.data, '$.documentId'), json_extract(c.data, '$.collectionId'),
			json_extract(c.data, '$.ordinal'), json_extract(c.data, '$.hash'), c.data
		FROM kept_records c
		WHERE c.kind = 'chunk' AND json_extract(c.data, '$.documentId') NOT IN (
			SELECT id FROM knowledge_documents
		);
	INSERT OR IGNORE INTO knowledge_documents (id, collection_id, path, data)
		SELECT id, json_extract(data, '$.collectionId'), json_extract(data, '$.path'), data
		FROM kept_records WHERE kind = 'document';
	DELETE FROM kept_records WHERE kind IN ('collection', 'document', 'chunk');
	`
];

export function sqliteError(e: unknown): HearthError {
	const code = (e as { code?: unknown }).code;
	if (code === 'SQLITE_FULL') {
		return new HearthError('quota_exceeded', 'The disk is full: Hearth could not save.', {
			cause: e
		});
	}
	if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
		return new HearthError(
			'storage_failed',
			'Another Hearth process is writing the conversation store; try again in a moment.',
			{ cause: e }
		);
	}
	if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
		return new HearthError(
			'storage_unavailable',
			'The conversation store is damaged or not a Hearth database.',
			{ cause: e }
		);
	}
	return toHearthError(e);
}

/** Brings a database to the newest schema, one added version at a time. */
export function migrate(db: Db): void {
	const version = (db.prepare('PRAGMA user_version').get() as { user_version: number })
		.user_version;
	if (version > MIGRATIONS.length) {
		throw new HearthError(
			'storage_unavailable',
			`The conversation store was written by a newer Hearth (schema ${version}); update Hearth to open it.`
		);
	}
	for (let v = version; v < MIGRATIONS.length; v++) {
		db.transaction(() => {
			db.exec(MIGRATIONS[v]!);
			db.pragma(`user_version = ${v + 1}`);
		}).immediate();
	}
}
