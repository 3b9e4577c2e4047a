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

export interface ImportOptions {
	signal?: AbortSignal;
	/** Called with 0 before the first write and after every committed chunk. */
	onProgress?: (done: number, total: number) => void;
}

/** Records per transaction: small enough to keep the page responsive and to lose little on abort. */
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

type ImportRecord =
	{ kind: 'conversation'; value: Conversation } | { kind: 'message'; value: Message };

/**
 * Orders one conversation's messages so every parent comes before its children, with the shown
 * branch (root → leafId) first: a conversation cut by an abort then still shows a whole branch.
 * Parents outside the file count as roots; cycles (only in a hand-made file) are kept, last.
 */
function orderMessages(conversation: Conversation, messages: Message[]): Message[] {
	const byId = new Map(messages.map((m) => [m.id, m]));
	const children = new Map<string | null, Message[]>();
	for (const m of [...messages].sort((a, b) => a.createdAt - b.createdAt)) {
		const parent = m.parentId !== null && byId.has(m.parentId) ? m.parentId : null;
		const list = children.get(parent);
		if (list) list.push(m);
		else children.set(parent, [m]);
	}

	const out: Message[] = [];
	const emitted = new Set<string>();
	const branch: Message[] = [];
	const seen = new Set<string>();
	for (let m = byId.get(conversation.leafId ?? ''); m && !seen.has(m.id);) {
		seen.add(m.id);
		branch.push(m);
		m = m.parentId === null ? undefined : byId.get(m.parentId);
	}
	for (const m of branch.reverse()) {
		out.push(m);
		emitted.add(m.id);
	}

	const stack = [...(children.get(null) ?? [])].reverse();
	const visited = new Set<string>();
	while (stack.length > 0) {
		const m = stack.pop() as Message;
		if (visited.has(m.id)) continue;
		visited.add(m.id);
		if (!emitted.has(m.id)) {
			out.push(m);
			emitted.add(m.id);
		}
		stack.push(...[...(children.get(m.id) ?? [])].reverse());
	}
	for (const m of messages) if (!emitted.has(m.id)) out.push(m);
	return out;
}

/**
 * Splits the records into transactions. A conversation always goes in the same or an earlier
 * chunk than its messages, and a conversation that fits in one chunk is never split, so an abort
 * or a full disk between chunks leaves whole conversations behind.
 */
function planChunks(data: HearthExport, size: number): ImportRecord[][] {
	const byConversation = new Map<string, Message[]>();
	for (const m of data.messages) {
		const list = byConversation.get(m.conversationId);
		if (list) list.push(m);
		else byConversation.set(m.conversationId, [m]);
	}

	const chunks: ImportRecord[][] = [];
	let current: ImportRecord[] = [];
	const flush = (): void => {
		if (current.length > 0) chunks.push(current);
		current = [];
	};
	for (const c of data.conversations) {
		const group: ImportRecord[] = [
			{ kind: 'conversation', value: c },
			...orderMessages(c, byConversation.get(c.id) ?? []).map((m): ImportRecord => ({
				kind: 'message',
				value: m
			}))
		];
		if (current.length + group.length <= size) {
			current.push(...group);
			continue;
		}
		flush();
		for (let i = 0; i < group.length; i += size) {
			current = group.slice(i, i + size);
			if (current.length === size) flush();
		}
	}
	flush();
	return chunks;
}

function emptyResult(): ImportResult {
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

function storageError(e: unknown): HearthError {
	const err = toHearthError(e);
	if (err.code !== 'unknown') return err;
	return new HearthError(
		'storage_failed',
		'Hearth could not save the imported data. What was imported so far was kept.',
		{ cause: e }
	);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) {
		throw new HearthError('aborted', 'Import stopped. What was imported so far was kept.');
	}
}

/** Writes one chunk in one transaction: newer `updatedAt` wins, new ids are added. */
/** Keeps the incoming rows that are new or newer than the local copy (same index), counted. */
function newerOnly<T extends { updatedAt: number }>(
	incoming: T[],
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

async function writeChunk(
	db: HearthDb,
	chunk: ImportRecord[],
	result: ImportResult
): Promise<void> {
	const conversations = chunk.flatMap((r) => (r.kind === 'conversation' ? [r.value] : []));
	const messages = chunk.flatMap((r) => (r.kind === 'message' ? [r.value] : []));
	const counts = emptyResult();

	await db.transaction('rw', db.conversations, db.messages, async () => {
		const localConversations = await db.conversations.bulkGet(conversations.map((c) => c.id));
		const localMessages = await db.messages.bulkGet(messages.map((m) => m.id));

		// The file's search words are never trusted: they are recomputed from the text.
		const c = newerOnly(conversations, localConversations, (x) => ({
			...x,
			titleWords: indexWords(x.title)
		}));
		const m = newerOnly(messages, localMessages, (x) => ({ ...x, words: indexWords(x.content) }));
		Object.assign(counts, {
			conversationsAdded: c.added,
			conversationsUpdated: c.updated,
			conversationsSkipped: c.skipped,
			messagesAdded: m.added,
			messagesUpdated: m.updated,
			messagesSkipped: m.skipped
		});

		if (c.writes.length > 0) await db.conversations.bulkPut(c.writes);
		if (m.writes.length > 0) await db.messages.bulkPut(m.writes);
	});

	// Counted only once the transaction committed, so the result never reports rolled-back rows.
	for (const key of Object.keys(counts) as (keyof ImportResult)[]) result[key] += counts[key];
}

/**
 * Merges an export into the database without duplicating anything (records are keyed by id).
 * Settings from the file are applied only when this device has none yet. Chunks already
 * committed stay when the import is aborted or the disk fills up.
 */
export async function importExport(
	db: HearthDb,
	data: HearthExport,
	options: ImportOptions = {}
): Promise<ImportResult> {
	const { signal, onProgress } = options;
	const result = emptyResult();
	const chunks = planChunks(data, IMPORT_CHUNK_SIZE);
	// Counted from the plan: a hand-built export's messages without their conversation are not written.
	const total = chunks.reduce((n, chunk) => n + chunk.length, 0);

	throwIfAborted(signal);
	onProgress?.(0, total);
	try {
		if (data.settings) {
			const settings = { ...DEFAULT_SETTINGS, ...data.settings };
			await db.transaction('rw', db.settings, async () => {
				const existing = await db.settings.get('settings');
				if (!existing) await db.settings.add({ key: 'settings', value: settings });
			});
		}
	} catch (e) {
		throw storageError(e);
	}

	let done = 0;
	for (const chunk of chunks) {
		throwIfAborted(signal);
		try {
			await writeChunk(db, chunk, result);
		} catch (e) {
			throw storageError(e);
		}
		done += chunk.length;
		onProgress?.(done, total);
	}
	if (data.images?.length) {
		throwIfAborted(signal);
		try {
			result.imagesAdded = await writeImages(db, data.images);
		} catch (e) {
			throw storageError(e);
		}
	}
	if (data.quality) {
		throwIfAborted(signal);
		try {
			Object.assign(result, await writeQuality(db, data.quality));
		} catch (e) {
			throw storageError(e);
		}
	}
	if (data.knowledge) {
		throwIfAborted(signal);
		try {
			Object.assign(result, await writeKnowledge(db, data.knowledge));
		} catch (e) {
			throw storageError(e);
		}
	}
	return result;
}
