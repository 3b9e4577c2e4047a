import type { HearthDb } from '$lib/storage/db';
import type { HearthExport } from '$lib/storage/export-schema';
import { knowledgeTables, readKnowledge, writeKnowledge } from '$lib/storage/export-knowledge';
import { encodeImages, writeImages } from '$lib/storage/export-images';
import { qualityTables, readQuality, writeQuality } from '$lib/storage/export-quality';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError, toHearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import { indexWords } from '$lib/utils/words';

export interface ImportResult {
	conversationsAdded: number;
	conversationsUpdated: number;
	conversationsSkipped: number;
	messagesAdded: number;
	messagesUpdated: number;
	messagesSkipped: number;
	memoriesAdded: number;
	documentsAdded: number;
	imagesAdded: number;
	feedbackAdded: number;
	evalSetsAdded: number;
}

/** Nothing imported yet: every count at 0. */
export function emptyImportResult(): ImportResult {
	return {
		conversationsAdded: 0,
		conversationsUpdated: 0,
		conversationsSkipped: 0,
		messagesAdded: 0,
		messagesUpdated: 0,
		messagesSkipped: 0,
		memoriesAdded: 0,
		documentsAdded: 0,
		imagesAdded: 0,
		feedbackAdded: 0,
		evalSetsAdded: 0
	};
}

export interface ImportOptions {
	/** Stops the import; nothing from the file is kept. */
	signal?: AbortSignal;
	/** Called with 0 before the first write and after every slice of records. */
	onProgress?: (done: number, total: number) => void;
}

/** Records written between progress reports (and abort checks). */
export const IMPORT_CHUNK_SIZE = 500;

// ---------------------------------------------------------------------------------------------
// Export

function stripConversation(c: Conversation): Conversation {
	const out = { ...c };
	delete out.titleWords;
	return out;
}

function stripMessage(m: Message): Message {
	const out = { ...m };
	delete out.words;
	return out;
}

export async function exportAll(db: HearthDb): Promise<HearthExport> {
	// One read-only transaction, so the snapshot never mixes states from before and after a write.
	const tables = [
		db.conversations,
		db.messages,
		db.settings,
		db.images,
		...knowledgeTables(db),
		...qualityTables(db)
	];
	const { data, imageRows } = await db.transaction('r', tables, async () => {
		const [conversations, messages, settingsRow, knowledge, imageRows, quality] = await Promise.all(
			[
				db.conversations.toArray(),
				db.messages.toArray(),
				db.settings.get('settings'),
				readKnowledge(db),
				db.images.toArray(),
				readQuality(db)
			]
		);
		const data: HearthExport = {
			format: 'hearth-export',
			version: 1,
			exportedAt: Date.now(),
			conversations: conversations.map(stripConversation),
			messages: messages.map(stripMessage),
			knowledge
		};
		if (quality) data.quality = quality;
		if (settingsRow) {
			// A backup file travels (mail, cloud drives): the server API key stays on this device.
			const shareable: Partial<Settings> = { ...settingsRow.value };
			delete shareable.openaiKey;
			data.settings = shareable;
		}
		return { data, imageRows };
	});
	if (imageRows.length > 0) data.images = await encodeImages(imageRows);
	return data;
}

// ---------------------------------------------------------------------------------------------
// Import

function storageError(e: unknown): HearthError {
	const err = toHearthError(e);
	if (err.code !== 'unknown') return err;
	return new HearthError(
		'storage_failed',
		'Hearth could not save the imported data, so nothing from the file was kept.',
		{ cause: e }
	);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) {
		throw new HearthError('aborted', 'Import stopped. Nothing from the file was kept.');
	}
}

/** Keeps the incoming rows that are new or newer than the local copy (same index), counted. */
function newerOnly<T extends { updatedAt: number }>(
	incoming: readonly T[],
	local: (T | undefined)[],
	toRow: (row: T) => T
): { writes: T[]; added: number; updated: number; skipped: number } {
	const out = { writes: [] as T[], added: 0, updated: 0, skipped: 0 };
	incoming.forEach((row, i) => {
		const existing = local[i];
		if (existing && existing.updatedAt >= row.updatedAt) {
			out.skipped++;
			return;
		}
		if (existing) out.updated++;
		else out.added++;
		out.writes.push(toRow(row));
	});
	return out;
}

/** Merges one slice of rows into `table` (inside the import's transaction): newer wins. */
async function mergeSlice<T extends { id: string; updatedAt: number }>(
	table: HearthDb['conversations'] | HearthDb['messages'],
	rows: readonly T[],
	toRow: (row: T) => T
): Promise<{ added: number; updated: number; skipped: number }> {
	const typed = table as unknown as {
		bulkGet(keys: string[]): Promise<(T | undefined)[]>;
		bulkPut(rows: T[]): Promise<unknown>;
	};
	const local = await typed.bulkGet(rows.map((r) => r.id));
	const merged = newerOnly(rows, local, toRow);
	if (merged.writes.length > 0) await typed.bulkPut(merged.writes);
	return merged;
}

/**
 * Merges an export into the database without duplicating anything (records are keyed by id),
 * all in one transaction: a stop, a full disk or any failure part-way leaves the database exactly
 * as it was. The file was validated whole by parseExport before this runs. Settings from the file
 * are applied only when this device has none yet. Progress counts conversations and messages,
 * reported every IMPORT_CHUNK_SIZE records.
 */
export async function importExport(
	db: HearthDb,
	data: HearthExport,
	options: ImportOptions = {}
): Promise<ImportResult> {
	const { signal, onProgress } = options;
	const total = data.conversations.length + data.messages.length;
	const counts = emptyImportResult();
	throwIfAborted(signal);
	onProgress?.(0, total);
	const tables = [
		db.conversations,
		db.messages,
		db.settings,
		db.images,
		...knowledgeTables(db),
		...qualityTables(db)
	];
	try {
		await db.transaction('rw', tables, async () => {
			if (data.settings) {
				const settings = { ...DEFAULT_SETTINGS, ...data.settings };
				if (!(await db.settings.get('settings'))) {
					await db.settings.add({ key: 'settings', value: settings });
				}
			}
			let done = 0;
			const step = async <T extends Conversation | Message>(
				rows: readonly T[],
				table: HearthDb['conversations'] | HearthDb['messages'],
				toRow: (row: T) => T,
				kind: 'conversations' | 'messages'
			) => {
				for (let i = 0; i < rows.length; i += IMPORT_CHUNK_SIZE) {
					// Thrown inside the transaction: Dexie rolls every write back.
					throwIfAborted(signal);
					const slice = rows.slice(i, i + IMPORT_CHUNK_SIZE);
					const merged = await mergeSlice(table, slice, toRow);
					counts[`${kind}Added`] += merged.added;
					counts[`${kind}Updated`] += merged.updated;
					counts[`${kind}Skipped`] += merged.skipped;
					done += slice.length;
					onProgress?.(done, total);
				}
			};
			// The file's search words are never trusted: they are recomputed from the text.
			await step(
				data.conversations,
				db.conversations,
				(c: Conversation) => ({ ...c, titleWords: indexWords(c.title) }),
				'conversations'
			);
			await step(
				data.messages,
				db.messages,
				(m: Message) => ({ ...m, words: indexWords(m.content) }),
				'messages'
			);
			throwIfAborted(signal);
			if (data.images?.length) counts.imagesAdded = await writeImages(db, data.images);
			if (data.knowledge) Object.assign(counts, await writeKnowledge(db, data.knowledge));
			if (data.quality) Object.assign(counts, await writeQuality(db, data.quality));
			throwIfAborted(signal);
		});
	} catch (e) {
		throw storageError(e);
	}
	return counts;
}
