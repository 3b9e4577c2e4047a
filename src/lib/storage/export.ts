import * as v from 'valibot';
import type { HearthDb } from '$lib/storage/db';
import type { Conversation, Message } from '$lib/types/chat';
import type { Settings } from '$lib/types/settings';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { ErrorCode } from '$lib/types/errors';
import { HearthError, toHearthError } from '$lib/types/errors';
import { indexWords } from '$lib/utils/words';

/** A backup of everything Hearth stores. Derived search fields (`words`, `titleWords`) are left out. */
export interface HearthExport {
	format: 'hearth-export';
	version: 1;
	exportedAt: number;
	conversations: Conversation[];
	messages: Message[];
	settings?: Settings;
}

export interface ImportResult {
	conversationsAdded: number;
	conversationsUpdated: number;
	conversationsSkipped: number;
	messagesAdded: number;
	messagesUpdated: number;
	messagesSkipped: number;
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
	return db.transaction('r', db.conversations, db.messages, db.settings, async () => {
		const [conversations, messages, settingsRow] = await Promise.all([
			db.conversations.toArray(),
			db.messages.toArray(),
			db.settings.get('settings')
		]);
		const data: HearthExport = {
			format: 'hearth-export',
			version: 1,
			exportedAt: Date.now(),
			conversations: conversations.map(stripConversation),
			messages: messages.map(stripMessage)
		};
		if (settingsRow) data.settings = settingsRow.value;
		return data;
	});
}

// ---------------------------------------------------------------------------------------------
// Validation

const ERROR_CODES = [
	'engine_unreachable',
	'engine_http',
	'engine_auth',
	'engine_rate_limited',
	'engine_stream_broken',
	'engine_malformed',
	'model_not_found',
	'no_model',
	'aborted',
	'storage_unavailable',
	'quota_exceeded',
	'storage_failed',
	'import_invalid',
	'unknown'
] as const satisfies readonly ErrorCode[];
// Fails to compile when a code is added to ErrorCode but not here.
const _allCodesListed: Exclude<ErrorCode, (typeof ERROR_CODES)[number]> extends never
	? true
	: never = true;
void _allCodesListed;

const Id = v.pipe(v.string(), v.minLength(1, 'Expected a non-empty id'), v.maxLength(200));
const Finite = v.pipe(v.number(), v.finite());
const Timestamp = Finite;
const EngineKindSchema = v.picklist(['ollama', 'webllm', 'openai']);

const ConversationSchema = v.object({
	id: Id,
	title: v.string(),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	pinned: v.picklist([0, 1]),
	mode: v.picklist(['chat']),
	model: v.optional(v.string()),
	engine: v.optional(EngineKindSchema),
	leafId: v.nullable(Id),
	titleFinal: v.optional(v.boolean())
});

const MessageSchema = v.object({
	id: Id,
	conversationId: Id,
	parentId: v.nullable(Id),
	role: v.picklist(['user', 'assistant', 'system']),
	content: v.string(),
	status: v.picklist(['streaming', 'done', 'error', 'aborted', 'interrupted']),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	model: v.optional(v.string()),
	engine: v.optional(EngineKindSchema),
	usage: v.optional(v.object({ promptTokens: Finite, completionTokens: Finite })),
	timings: v.optional(
		v.object({
			totalMs: Finite,
			timeToFirstTokenMs: v.optional(Finite),
			promptMs: v.optional(Finite),
			decodeTokensPerSecond: v.optional(Finite)
		})
	),
	error: v.optional(
		v.object({
			// A code this version does not know (a newer Hearth's) is still an error worth keeping.
			code: v.fallback(v.picklist(ERROR_CODES), 'unknown'),
			message: v.string()
		})
	)
});

// Every field optional: a file written before a setting existed gets that setting's default.
const SettingsSchema = v.object({
	ollamaUrl: v.optional(v.string()),
	model: v.optional(v.string()),
	temperature: v.optional(v.pipe(Finite, v.minValue(0), v.maxValue(2))),
	maxTokens: v.optional(v.pipe(Finite, v.integer(), v.minValue(1), v.maxValue(32768))),
	systemPrompt: v.optional(v.string()),
	theme: v.optional(v.picklist(['system', 'light', 'dark'])),
	autoTitle: v.optional(v.boolean())
});

const ExportSchema = v.object({
	format: v.literal('hearth-export'),
	version: v.literal(1),
	exportedAt: Timestamp,
	conversations: v.array(ConversationSchema),
	messages: v.array(MessageSchema),
	settings: v.optional(SettingsSchema)
});

function invalid(message: string, cause?: unknown): HearthError {
	return new HearthError('import_invalid', message, { cause });
}

/** `messages[3].role` from a valibot issue path. */
function formatPath(issue: v.BaseIssue<unknown>): string {
	let out = '';
	for (const item of issue.path ?? []) {
		const key: unknown = item.key;
		if (typeof key === 'number') out += `[${key}]`;
		else out += out ? `.${String(key)}` : String(key);
	}
	return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Parses and validates a Hearth export file. Anything that is not exactly a version-1 export
 * throws HearthError('import_invalid') naming the first problem, so a wrong file never reaches
 * the database.
 */
export function parseExport(text: string): HearthExport {
	let raw: unknown;
	try {
		// A BOM is what some editors add when a user re-saves the file; it is not a reason to refuse.
		raw = JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch (e) {
		throw invalid(
			text.trim() === ''
				? 'This file is empty, so there is nothing to import.'
				: 'This file is not a Hearth export: it is not JSON text.',
			e
		);
	}
	if (!isRecord(raw)) throw invalid('This file is not a Hearth export: it holds no export object.');
	if (raw.format !== 'hearth-export') {
		throw invalid('This file is not a Hearth export (its "format" is not "hearth-export").');
	}
	if (raw.version !== 1) {
		throw invalid(
			typeof raw.version === 'number' && raw.version > 1
				? `This export was made by a newer version of Hearth (format version ${raw.version}). Update Hearth to import it.`
				: 'This export has an unknown format version, so Hearth cannot import it.'
		);
	}

	const result = v.safeParse(ExportSchema, raw, { abortEarly: true });
	if (!result.success) {
		const issue = result.issues[0];
		const where = formatPath(issue) || 'the file';
		throw invalid(`This export is damaged: ${where} is not valid (${issue.message}).`);
	}
	const parsed = result.output;

	const conversationIds = new Set<string>();
	parsed.conversations.forEach((c, i) => {
		if (conversationIds.has(c.id)) {
			throw invalid(`This export is damaged: conversations[${i}].id "${c.id}" appears twice.`);
		}
		conversationIds.add(c.id);
	});
	const messageIds = new Set<string>();
	parsed.messages.forEach((m, i) => {
		if (messageIds.has(m.id)) {
			throw invalid(`This export is damaged: messages[${i}].id "${m.id}" appears twice.`);
		}
		messageIds.add(m.id);
		if (!conversationIds.has(m.conversationId)) {
			throw invalid(
				`This export is damaged: messages[${i}].conversationId points to a conversation that is not in the file.`
			);
		}
	});

	const data: HearthExport = {
		format: 'hearth-export',
		version: 1,
		exportedAt: parsed.exportedAt,
		conversations: parsed.conversations,
		messages: parsed.messages
	};
	if (parsed.settings) {
		const defined = Object.fromEntries(
			Object.entries(parsed.settings).filter(([, value]) => value !== undefined)
		);
		data.settings = { ...DEFAULT_SETTINGS, ...defined };
	}
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
		messagesSkipped: 0
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

		const conversationWrites: Conversation[] = [];
		conversations.forEach((c, i) => {
			const local = localConversations[i];
			if (local && local.updatedAt >= c.updatedAt) {
				counts.conversationsSkipped++;
				return;
			}
			if (local) counts.conversationsUpdated++;
			else counts.conversationsAdded++;
			// The file's search words are never trusted: they are recomputed from the text.
			conversationWrites.push({ ...c, titleWords: indexWords(c.title) });
		});
		const messageWrites: Message[] = [];
		messages.forEach((m, i) => {
			const local = localMessages[i];
			if (local && local.updatedAt >= m.updatedAt) {
				counts.messagesSkipped++;
				return;
			}
			if (local) counts.messagesUpdated++;
			else counts.messagesAdded++;
			messageWrites.push({ ...m, words: indexWords(m.content) });
		});

		if (conversationWrites.length > 0) await db.conversations.bulkPut(conversationWrites);
		if (messageWrites.length > 0) await db.messages.bulkPut(messageWrites);
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
			const settings = data.settings;
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
	return result;
}
