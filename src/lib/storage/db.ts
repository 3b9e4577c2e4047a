import Dexie, { type EntityTable, type Table } from 'dexie';
import type { Conversation, Message } from '$lib/types/chat';
import type { GgufModelRecord } from '$lib/types/gguf';
import type { Settings } from '$lib/types/settings';
import { indexWords } from '$lib/utils/words';
import type { LedgerEntry } from '$lib/net/types';
import type { Attachment, GrantedFolder, Reminder, StoredImage } from '$lib/types/agent-data';
import type { EvalRun, EvalSet } from '$lib/evals/types';
import type { Feedback } from '$lib/metrics/feedback';
import type { AnswerMetric, DayRollup } from '$lib/metrics/types';
import type { JournalEntry } from '$lib/types/file-plan';
import type {
	Collection,
	KnowledgeDocument,
	Memory,
	StoredChunk,
	StoredVector
} from '$lib/types/knowledge';

export interface SettingsRow {
	key: 'settings';
	value: Settings;
}

export type HearthDb = Dexie & {
	conversations: EntityTable<Conversation, 'id'>;
	messages: EntityTable<Message, 'id'>;
	settings: EntityTable<SettingsRow, 'key'>;
	ledger: EntityTable<LedgerEntry, 'id'>;
	reminders: EntityTable<Reminder, 'id'>;
	folders: EntityTable<GrantedFolder, 'id'>;
	attachments: EntityTable<Attachment, 'id'>;
	collections: EntityTable<Collection, 'id'>;
	documents: EntityTable<KnowledgeDocument, 'id'>;
	chunks: EntityTable<StoredChunk, 'id'>;
	vectors: Table<StoredVector, [string, string]>;
	memories: EntityTable<Memory, 'id'>;
	images: EntityTable<StoredImage, 'id'>;
	ggufModels: EntityTable<GgufModelRecord, 'id'>;
	metrics: EntityTable<AnswerMetric, 'id'>;
	metricDays: EntityTable<DayRollup, 'key'>;
	feedback: EntityTable<Feedback, 'messageId'>;
	evalSets: EntityTable<EvalSet, 'id'>;
	evalRuns: EntityTable<EvalRun, 'id'>;
	filePlans: EntityTable<JournalEntry, 'id'>;
};

export const DB_NAME = 'hearth';

/** Optional IndexedDB implementation (tests, or the in-memory fallback when the browser has none). */
export interface IdbImpl {
	indexedDB: IDBFactory;
	IDBKeyRange: typeof IDBKeyRange;
}

/** v1: conversations, messages (a tree through parentId), settings. Exported for the upgrade test. */
export const SCHEMA_V1 = {
	conversations: 'id, updatedAt, [pinned+updatedAt]',
	messages: 'id, conversationId, [conversationId+createdAt], status',
	settings: 'key'
} as const;

/**
 * Schema versions are only ever added, never edited once shipped; each upgrade has a test that
 * opens the previous version's data and checks it survived (db.test.ts).
 */
export function declareSchema(db: Dexie): void {
	db.version(1).stores(SCHEMA_V1);
	// v2: word indexes for history search; backfills words for everything stored by v1.
	db.version(2)
		.stores({
			conversations: 'id, updatedAt, [pinned+updatedAt], *titleWords',
			messages: 'id, conversationId, [conversationId+createdAt], status, *words'
		})
		.upgrade(async (tx) => {
			await tx
				.table<Conversation, string>('conversations')
				.toCollection()
				.modify((c) => {
					c.titleWords = indexWords(c.title);
				});
			await tx
				.table<Message, string>('messages')
				.toCollection()
				.modify((m) => {
					m.words = indexWords(m.content);
				});
		});
	// v3: the privacy ledger, reminders, folders the user granted to the files tool, and files
	// attached to conversations.
	db.version(3).stores({
		ledger: '++id, at',
		reminders: 'id, dueAt, status',
		folders: 'id',
		attachments: 'id, conversationId'
	});
	// v4: the knowledge base (collections, documents, chunks, embeddings as bytes) and memories.
	db.version(4).stores({
		collections: 'id, name',
		documents: 'id, collectionId, hash, [collectionId+path], updatedAt',
		chunks: 'id, documentId, collectionId, hash',
		vectors: '[model+key], key, model',
		memories: 'id, status, updatedAt'
	});
	// v5: images sent with messages (voice and vision issue).
	db.version(5).stores({
		images: 'id, conversationId, messageId'
	});
	// v6: GGUF models added by Hugging Face repository and file name, or picked from this device
	// (llama.cpp in the browser issue). Catalog models need no row: Cache Storage says what is in.
	db.version(6).stores({
		ggufModels: 'id, addedAt'
	});
	// v7 was never used (taken by work that needed no table).
	// v8: the journal of applied file plans, for undo (files issue).
	db.version(8).stores({
		filePlans: 'id, folderId, appliedAt'
	});
	// v9: local usage metrics (raw rows by time, daily rollups), answer feedback, the person's
	// eval sets and eval runs (evals and metrics issue).
	db.version(9).stores({
		metrics: 'id, at',
		metricDays: 'key, day',
		feedback: 'messageId, conversationId, day',
		evalSets: 'id',
		evalRuns: 'id, startedAt, setId'
	});
}

export function createDb(name = DB_NAME, impl?: IdbImpl): HearthDb {
	const db = new Dexie(
		name,
		impl ? { indexedDB: impl.indexedDB, IDBKeyRange: impl.IDBKeyRange } : {}
	);
	declareSchema(db);
	return db as HearthDb;
}
