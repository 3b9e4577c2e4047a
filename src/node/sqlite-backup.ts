// The web app's backup file (storage/export-schema.ts), written from and merged into the SQLite
// store, so a browser's backup imports into the terminal and back. The same rules as the
// browser's import (storage/export.ts): the file is validated whole before any write; records
// are keyed by id, so importing twice adds nothing; newer wins; settings only when none are
// stored; one transaction, so a stop or a failure part-way keeps nothing.
import { open, stat } from 'node:fs/promises';
import {
	emptyImportResult,
	IMPORT_CHUNK_SIZE,
	type ImportOptions,
	type ImportResult
} from '$lib/storage/export';
import type { ExportedImage } from '$lib/storage/export-images';
import type { KnowledgeExport } from '$lib/storage/export-knowledge';
import type { QualityExport } from '$lib/storage/export-quality';
import type { HearthExport } from '$lib/storage/export-schema';
import type { EvalSet } from '$lib/evals/types';
import type { Feedback } from '$lib/metrics/feedback';
import type { Collection, KnowledgeDocument, Memory, StoredChunk } from '$lib/types/knowledge';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import type { SqliteChatStore } from './sqlite-chat-store';
import { sqliteError, type Db } from './sqlite-schema';
import type { SqliteSettings } from './sqlite-settings';

/** Larger files are refused unread: JSON.parse holds the whole text, and more, in memory. */
export const MAX_BACKUP_BYTES = 512 * 1024 * 1024;

export interface BackupStores {
	store: SqliteChatStore;
	settings: SqliteSettings;
}

/**
 * What the terminal keeps for the browser without using it itself: answer ratings and eval
 * sets, by kind and id. (A backup's knowledge text goes into the knowledge tables, where
 * `hearth index` keeps its own and search finds both.)
 */
type KeptKind = 'feedback' | 'evalSet';

function keptRows<T>(db: Db, kind: KeptKind): T[] {
	return (
		db.prepare('SELECT data FROM kept_records WHERE kind = ? ORDER BY rowid').all(kind) as {
			data: string;
		}[]
	).map((r) => JSON.parse(r.data) as T);
}

function keptRow<T>(db: Db, kind: KeptKind, id: string): T | undefined {
	const row = db
		.prepare('SELECT data FROM kept_records WHERE kind = ? AND id = ?')
		.get(kind, id) as { data: string } | undefined;
	return row ? (JSON.parse(row.data) as T) : undefined;
}

function putKept(db: Db, kind: KeptKind, id: string, data: unknown): void {
	db.prepare('INSERT OR REPLACE INTO kept_records (kind, id, data) VALUES (?, ?, ?)').run(
		kind,
		id,
		JSON.stringify(data)
	);
}

/** Every row's `data` of a knowledge table, parsed, in the order given. */
function knowledgeRows<T>(db: Db, sql: string): T[] {
	return (db.prepare(sql).all() as { data: string }[]).map((r) => JSON.parse(r.data) as T);
}

/**
 * The knowledge base as the backup carries it: the browser's collections and documents (imported)
 * and the folders `hearth index` read, their text, never their vectors (export-knowledge.ts).
 */
function readKnowledgeText(db: Db): Omit<KnowledgeExport, 'memories'> {
	return {
		collections: knowledgeRows<Collection>(
			db,
			'SELECT data FROM knowledge_collections ORDER BY rowid'
		),
		documents: knowledgeRows<KnowledgeDocument>(
			db,
			'SELECT data FROM knowledge_documents ORDER BY rowid'
		),
		chunks: knowledgeRows<StoredChunk>(
			db,
			'SELECT data FROM knowledge_chunks ORDER BY document_id, ordinal'
		)
	};
}

function readImages(db: Db): ExportedImage[] {
	return (
		db.prepare('SELECT data, thumbnail, meta FROM images ORDER BY rowid').all() as {
			data: Buffer;
			thumbnail: Buffer;
			meta: string;
		}[]
	).map((row) => ({
		...(JSON.parse(row.meta) as Omit<ExportedImage, 'data' | 'thumbnail'>),
		data: Buffer.from(row.data).toString('base64'),
		thumbnail: Buffer.from(row.thumbnail).toString('base64')
	}));
}

function readMemories(db: Db): Memory[] {
	return (db.prepare('SELECT data FROM memories ORDER BY rowid').all() as { data: string }[]).map(
		(r) => JSON.parse(r.data) as Memory
	);
}

/** Everything in the store as one backup, read in one transaction (a consistent snapshot). */
export function exportBackup(stores: BackupStores, now = Date.now()): HearthExport {
	const db = stores.store.db;
	try {
		return db
			.transaction(() => {
				const { conversations, messages } = stores.store.exportRecords();
				const data: HearthExport = {
					format: 'hearth-export',
					version: 1,
					exportedAt: now,
					conversations,
					messages,
					knowledge: { memories: readMemories(db), ...readKnowledgeText(db) }
				};
				const settings = stores.settings.read();
				if (settings) {
					// A backup file travels (mail, cloud drives): the server API key stays on this device.
					const shareable: Partial<Settings> = { ...settings };
					delete shareable.openaiKey;
					data.settings = shareable;
				}
				const images = readImages(db);
				if (images.length > 0) data.images = images;
				const feedback = keptRows<Feedback>(db, 'feedback');
				const evalSets = keptRows<EvalSet>(db, 'evalSet');
				if (feedback.length > 0 || evalSets.length > 0) data.quality = { feedback, evalSets };
				return data;
			})
			.deferred();
	} catch (e) {
		throw sqliteError(e);
	}
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) {
		throw new HearthError('aborted', 'Import stopped. Nothing from the file was kept.');
	}
}

/** Lets the event loop run between slices: progress is drawn and Ctrl-C is heard. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

function writeImages(db: Db, images: readonly ExportedImage[]): number {
	let added = 0;
	const insert = db.prepare(
		'INSERT OR IGNORE INTO images (id, conversation_id, data, thumbnail, meta) VALUES (?, ?, ?, ?, ?)'
	);
	for (const { data, thumbnail, ...meta } of images) {
		const { changes } = insert.run(
			meta.id,
			meta.conversationId,
			Buffer.from(data, 'base64'),
			Buffer.from(thumbnail, 'base64'),
			JSON.stringify(meta)
		);
		added += changes;
	}
	return added;
}

/**
 * As the browser's writeKnowledge: what this device has stays as it is (it may be edited); a new
 * document comes with its chunks, into the knowledge tables, so keyword search finds it at once
 * and its passages are embedded when a model is there (the next `hearth index`, or import's own
 * catch-up).
 */
function writeKnowledge(
	db: Db,
	data: KnowledgeExport
): Pick<ImportResult, 'memoriesAdded' | 'documentsAdded'> {
	let memoriesAdded = 0;
	const memory = db.prepare(
		'INSERT OR IGNORE INTO memories (id, updated_at, data) VALUES (?, ?, ?)'
	);
	for (const m of data.memories) {
		memoriesAdded += memory.run(m.id, m.updatedAt, JSON.stringify(m)).changes;
	}
	const hasCollection = db.prepare('SELECT 1 FROM knowledge_collections WHERE id = ?');
	const hasDocument = db.prepare('SELECT 1 FROM knowledge_documents WHERE id = ?');
	const putCollection = db.prepare(
		'INSERT INTO knowledge_collections (id, name, data) VALUES (?, ?, ?)'
	);
	const putDocument = db.prepare(
		'INSERT INTO knowledge_documents (id, collection_id, path, data) VALUES (?, ?, ?, ?)'
	);
	const putChunk = db.prepare(
		'INSERT OR REPLACE INTO knowledge_chunks (id, document_id, collection_id, ordinal, hash, data) VALUES (?, ?, ?, ?, ?, ?)'
	);
	const addCollection = (c: Collection) => {
		if (!hasCollection.get(c.id)) putCollection.run(c.id, c.name, JSON.stringify(c));
	};
	const chunksOf = new Map<string, StoredChunk[]>();
	for (const c of data.chunks)
		chunksOf.set(c.documentId, [...(chunksOf.get(c.documentId) ?? []), c]);
	const collections = new Map(data.collections.map((c) => [c.id, c]));
	let documentsAdded = 0;
	for (const doc of data.documents) {
		if (hasDocument.get(doc.id)) continue;
		const named = collections.get(doc.collectionId);
		addCollection({
			id: doc.collectionId,
			name: named?.name ?? 'Imported documents',
			createdAt: named?.createdAt ?? Date.now()
		});
		// Chunks first, then the row that makes them searchable (sqlite-knowledge.ts's invariant).
		for (const c of chunksOf.get(doc.id) ?? []) {
			putChunk.run(c.id, c.documentId, c.collectionId, c.ordinal, c.hash, JSON.stringify(c));
		}
		putDocument.run(doc.id, doc.collectionId, doc.path, JSON.stringify(doc));
		documentsAdded++;
	}
	for (const c of collections.values()) addCollection(c);
	return { memoriesAdded, documentsAdded };
}

/** As the browser's writeQuality: the newer verdict wins; an eval set this device has stays. */
function writeQuality(
	db: Db,
	data: QualityExport
): Pick<ImportResult, 'feedbackAdded' | 'evalSetsAdded'> {
	let feedbackAdded = 0;
	for (const f of data.feedback) {
		const local = keptRow<Feedback>(db, 'feedback', f.messageId);
		if (local && local.at >= f.at) continue;
		putKept(db, 'feedback', f.messageId, f);
		feedbackAdded++;
	}
	let evalSetsAdded = 0;
	for (const set of data.evalSets) {
		if (keptRow(db, 'evalSet', set.id)) continue;
		putKept(db, 'evalSet', set.id, { ...set, builtIn: false });
		evalSetsAdded++;
	}
	return { feedbackAdded, evalSetsAdded };
}

/**
 * Merges a parsed backup (storage/export-schema.ts parseExport) into the store. Progress counts
 * conversations and messages, every IMPORT_CHUNK_SIZE records; between slices the event loop
 * runs, so a stop is heard. Nothing else may write through this connection meanwhile (the
 * terminal's import runs alone): the transaction spans those pauses.
 */
export async function importBackup(
	stores: BackupStores,
	data: HearthExport,
	options: ImportOptions = {}
): Promise<ImportResult & { settingsApplied: boolean }> {
	const { signal, onProgress } = options;
	const db = stores.store.db;
	const total = data.conversations.length + data.messages.length;
	const counts = { ...emptyImportResult(), settingsApplied: false };
	throwIfAborted(signal);
	onProgress?.(0, total);
	try {
		db.exec('BEGIN IMMEDIATE');
	} catch (e) {
		throw sqliteError(e);
	}
	try {
		if (data.settings) {
			counts.settingsApplied = stores.settings.addIfNone(data.settings as Settings);
		}
		let done = 0;
		const slices = async <T>(
			rows: readonly T[],
			merge: (slice: readonly T[]) => { added: number; updated: number; skipped: number },
			kind: 'conversations' | 'messages'
		) => {
			for (let i = 0; i < rows.length; i += IMPORT_CHUNK_SIZE) {
				throwIfAborted(signal);
				const slice = rows.slice(i, i + IMPORT_CHUNK_SIZE);
				const merged = merge(slice);
				counts[`${kind}Added`] += merged.added;
				counts[`${kind}Updated`] += merged.updated;
				counts[`${kind}Skipped`] += merged.skipped;
				done += slice.length;
				onProgress?.(done, total);
				await breathe();
			}
		};
		await slices(data.conversations, (s) => stores.store.mergeConversations(s), 'conversations');
		await slices(data.messages, (s) => stores.store.mergeMessages(s), 'messages');
		throwIfAborted(signal);
		if (data.images?.length) counts.imagesAdded = writeImages(db, data.images);
		if (data.knowledge) Object.assign(counts, writeKnowledge(db, data.knowledge));
		if (data.quality) Object.assign(counts, writeQuality(db, data.quality));
		throwIfAborted(signal);
		db.exec('COMMIT');
	} catch (e) {
		try {
			db.exec('ROLLBACK');
		} catch {
			// SQLite already rolled back (a full disk does): nothing was kept either way.
		}
		const error = e instanceof HearthError ? e : sqliteError(e);
		if (error.code !== 'unknown') throw error;
		throw new HearthError(
			'storage_failed',
			'Hearth could not save the imported data, so nothing from the file was kept.',
			{ cause: e }
		);
	}
	return counts;
}

/**
 * Reads a backup file's text, refusing what cannot be one before reading it all: a folder, a
 * file over MAX_BACKUP_BYTES, binary bytes (a NUL) at its start. `onProgress` gets bytes read.
 */
export async function readBackupFile(
	file: string,
	options: { onProgress?: (read: number, total: number) => void; signal?: AbortSignal } = {}
): Promise<string> {
	let size: number;
	try {
		const info = await stat(file);
		if (info.isDirectory()) {
			throw new HearthError('import_invalid', `${file} is a folder, not a Hearth export file.`);
		}
		size = info.size;
	} catch (e) {
		if (e instanceof HearthError) throw e;
		const code = (e as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			throw new HearthError('import_invalid', `There is no file ${file}.`, { cause: e });
		}
		throw new HearthError('storage_unavailable', `Hearth could not read ${file}: ${String(e)}`, {
			cause: e
		});
	}
	if (size > MAX_BACKUP_BYTES) {
		throw new HearthError(
			'content_too_large',
			`${file} is ${Math.round(size / 2 ** 20)} MB; Hearth imports backups up to ${MAX_BACKUP_BYTES / 2 ** 20} MB.`
		);
	}
	const handle = await open(file, 'r');
	try {
		const bytes = Buffer.alloc(size);
		let read = 0;
		const step = 4 * 1024 * 1024;
		while (read < size) {
			throwIfAborted(options.signal);
			const { bytesRead } = await handle.read(bytes, read, Math.min(step, size - read), read);
			if (bytesRead === 0) break;
			if (read === 0 && bytes.subarray(0, Math.min(bytesRead, 65_536)).includes(0)) {
				throw new HearthError(
					'import_invalid',
					`${file} is not a Hearth export: it holds binary data, not JSON text.`
				);
			}
			read += bytesRead;
			options.onProgress?.(read, size);
		}
		return bytes.subarray(0, read).toString('utf8');
	} catch (e) {
		throw e instanceof HearthError ? e : toHearthError(e);
	} finally {
		await handle.close();
	}
}
