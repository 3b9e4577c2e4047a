import { chmod, open as openFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'libsql';
import type {
	ChatStore,
	ConversationPatch,
	DeletedConversation,
	HistoryHit,
	MessagePatch,
	NewConversation,
	NewMessage,
	NewThread,
	NewThreadMessage
} from '$lib/conversation/chat-store';
import { conversationRecord, messageRecord, threadRecords } from '$lib/conversation/chat-store';
import type { Attachment, StoredImage } from '$lib/types/agent-data';
import type { Conversation, Message } from '$lib/types/chat';
import { indexWords, queryWords, snippetAround } from '$lib/utils/words';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './paths';
import { migrate, sqliteError } from './sqlite-schema';
import type { Db } from './sqlite-schema';

// Conversations on disk for the terminal and the API: SQLite (libsql's build, prebuilt from the
// npm registry) in WAL mode. Each write is one transaction, so once a call resolves its data
// survives the process being killed (kill -9) — a crash loses at most the call in flight.
// Rows keep the whole object as JSON plus the columns queries need; search uses FTS5 over the
// same words the browser indexes (utils/words), so both faces find the same things.

/** Upper bound on rows read per query side, as in the browser's search. */
const CANDIDATE_LIMIT = 3000;

/** The part of a prepared statement the store uses, with any parameters. */
interface Statement {
	run(...params: unknown[]): { lastInsertRowid: number | bigint; changes: number };
	get(...params: unknown[]): unknown;
	all(...params: unknown[]): unknown[];
}

function guarded<T>(work: () => T): Promise<T> {
	try {
		return Promise.resolve(work());
	} catch (e) {
		return Promise.reject(sqliteError(e));
	}
}

/** An FTS5 query requiring every word as a prefix; each word quoted, so no syntax gets through. */
function matchQuery(words: readonly string[]): string {
	return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' AND ');
}

interface Row {
	data: string;
}

/** What a merge of backup records did. */
export interface MergeCounts {
	added: number;
	updated: number;
	skipped: number;
}

async function bytes(blob: Blob): Promise<Buffer> {
	return Buffer.from(await blob.arrayBuffer());
}

/** The same public API as the browser's ChatRepository, plus history search. */
export class SqliteChatStore implements ChatStore {
	readonly #db: Db;
	readonly #statements = new Map<string, Statement>();
	readonly file: string;

	private constructor(db: Db, file: string) {
		this.#db = db;
		this.file = file;
	}

	/**
	 * Opens (or creates) the store at `file`, its folder 0700 and the file 0600: only its owner
	 * may read the conversations. A file that is not a Hearth database fails storage_unavailable.
	 */
	static async open(file: string): Promise<SqliteChatStore> {
		await ensurePrivateDir(path.dirname(file));
		// Created with its final mode before SQLite opens it (SQLite gives -wal/-shm the same mode).
		await (await openFile(file, 'a', PRIVATE_FILE_MODE)).close();
		await chmod(file, PRIVATE_FILE_MODE);
		let db: Db | undefined;
		try {
			db = new Database(file);
			db.pragma('journal_mode = WAL');
			// In WAL mode NORMAL syncs at checkpoints, not every commit: a killed process loses
			// nothing committed (the OS still holds the writes); only a power cut could lose the last.
			db.pragma('synchronous = NORMAL');
			db.pragma('busy_timeout = 5000');
			migrate(db);
			return new SqliteChatStore(db, file);
		} catch (e) {
			db?.close();
			throw sqliteError(e);
		}
	}

	/** The open database, for the other Node stores that share its file (ledger, memories). */
	get db(): Db {
		return this.#db;
	}

	close(): void {
		this.#db.close();
	}

	createConversation(init: NewConversation): Promise<Conversation> {
		const conversation = conversationRecord(init, Date.now());
		return guarded(() => {
			this.#tx(() => this.#putConversation(conversation, 'insert'));
			return conversation;
		});
	}

	/** One commit for the lot: each commit also flushes the search index (FTS5) once. */
	createThread(init: NewConversation, messages: readonly NewThreadMessage[]): Promise<NewThread> {
		const thread = threadRecords(init, messages, Date.now());
		return guarded(() =>
			this.#tx(() => {
				this.#putConversation(thread.conversation, 'insert');
				for (const m of thread.messages) this.#putMessage(m, 'insert');
				return thread;
			})
		);
	}

	getConversation(id: string): Promise<Conversation | undefined> {
		return guarded(() => this.#conversation(id));
	}

	/** Pinned first, then most recently updated; paginated. */
	listConversations(offset: number, limit: number): Promise<Conversation[]> {
		return guarded(() =>
			this.#sql(
				'SELECT data FROM conversations ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ? OFFSET ?'
			)
				.all(limit, offset)
				.map((row) => JSON.parse((row as Row).data) as Conversation)
		);
	}

	countConversations(): Promise<number> {
		return guarded(
			() => (this.#sql('SELECT count(*) AS n FROM conversations').get() as { n: number }).n
		);
	}

	updateConversation(id: string, patch: ConversationPatch, touch = false): Promise<void> {
		return guarded(() =>
			this.#tx(() => {
				const current = this.#conversation(id);
				if (!current) return;
				const next: Conversation = { ...current, ...patch };
				if (patch.title !== undefined) next.titleWords = indexWords(patch.title);
				if (touch) next.updatedAt = Date.now();
				this.#putConversation(next, 'update', patch.title !== undefined);
			})
		);
	}

	deleteConversation(id: string): Promise<DeletedConversation | undefined> {
		return guarded(() =>
			this.#tx(() => {
				const conversation = this.#conversation(id);
				if (!conversation) return undefined;
				const messages = this.#messages(id);
				const attachments = this.#sql(
					'SELECT data, meta FROM attachments WHERE conversation_id = ?'
				)
					.all(id)
					.map((row) => {
						const { data, meta } = row as { data: Buffer; meta: string };
						const parsed = JSON.parse(meta) as Omit<Attachment, 'data'>;
						return { ...parsed, data: new Blob([new Uint8Array(data)], { type: parsed.type }) };
					});
				const images = this.#sql(
					'SELECT data, thumbnail, meta FROM images WHERE conversation_id = ?'
				)
					.all(id)
					.map((row) => {
						const { data, thumbnail, meta } = row as {
							data: Buffer;
							thumbnail: Buffer;
							meta: string;
						};
						const parsed = JSON.parse(meta) as Omit<StoredImage, 'data' | 'thumbnail'>;
						return {
							...parsed,
							data: new Blob([new Uint8Array(data)], { type: parsed.mime }),
							thumbnail: new Blob([new Uint8Array(thumbnail)], { type: 'image/jpeg' })
						};
					});
				this.#sql(
					'DELETE FROM message_words WHERE rowid IN (SELECT rowid FROM messages WHERE conversation_id = ?)'
				).run(id);
				this.#sql('DELETE FROM messages WHERE conversation_id = ?').run(id);
				this.#sql('DELETE FROM attachments WHERE conversation_id = ?').run(id);
				this.#sql('DELETE FROM images WHERE conversation_id = ?').run(id);
				this.#deleteConversationRow(id);
				return { conversation, messages, attachments, images };
			})
		);
	}

	async restoreConversation(deleted: DeletedConversation): Promise<void> {
		// Blobs are read before the transaction: SQLite's transactions here are synchronous.
		const attachments = await Promise.all(
			deleted.attachments.map(async ({ data, ...meta }) => ({ meta, data: await bytes(data) }))
		);
		const images = await Promise.all(
			deleted.images.map(async ({ data, thumbnail, ...meta }) => ({
				meta,
				data: await bytes(data),
				thumbnail: await bytes(thumbnail)
			}))
		);
		return guarded(() =>
			this.#tx(() => {
				this.#deleteConversationRow(deleted.conversation.id);
				this.#putConversation(deleted.conversation, 'insert');
				for (const message of deleted.messages) {
					this.#deleteMessageRow(message.id);
					this.#putMessage(message, 'insert');
				}
				const attach = this.#sql(
					'INSERT OR REPLACE INTO attachments (id, conversation_id, data, meta) VALUES (?, ?, ?, ?)'
				);
				for (const a of attachments) {
					attach.run(a.meta.id, a.meta.conversationId, a.data, JSON.stringify(a.meta));
				}
				const image = this.#sql(
					'INSERT OR REPLACE INTO images (id, conversation_id, data, thumbnail, meta) VALUES (?, ?, ?, ?, ?)'
				);
				for (const i of images) {
					image.run(i.meta.id, i.meta.conversationId, i.data, i.thumbnail, JSON.stringify(i.meta));
				}
			})
		);
	}

	messagesOf(conversationId: string): Promise<Message[]> {
		return guarded(() => this.#messages(conversationId));
	}

	/** Adds a message and makes it the conversation's visible leaf, in one transaction. */
	addMessage(init: NewMessage): Promise<Message> {
		const now = Date.now();
		const message = messageRecord(init, now);
		return guarded(() =>
			this.#tx(() => {
				this.#putMessage(message, 'insert');
				const conversation = this.#conversation(message.conversationId);
				if (conversation) {
					this.#putConversation(
						{ ...conversation, leafId: message.id, updatedAt: now },
						'update',
						false
					);
				}
				return message;
			})
		);
	}

	updateMessage(id: string, patch: MessagePatch): Promise<void> {
		return guarded(() =>
			this.#tx(() => {
				const current = this.#message(id);
				if (!current) return;
				const next: Message = { ...current, ...patch, updatedAt: Date.now() };
				if (patch.content !== undefined) next.words = indexWords(patch.content);
				this.#putMessage(next, 'update', patch.content !== undefined);
			})
		);
	}

	/**
	 * After a crash, answers still marked `streaming` were cut off. Those not being written by
	 * another running process (`activeIds`) become `interrupted`, keeping their text.
	 */
	markInterrupted(activeIds: ReadonlySet<string> = new Set()): Promise<number> {
		return guarded(() =>
			this.#tx(() => {
				const rows = this.#sql("SELECT data FROM messages WHERE status = 'streaming'")
					.all()
					.map((row) => JSON.parse((row as Row).data) as Message)
					.filter((m) => !activeIds.has(m.id));
				for (const m of rows) {
					const toolCalls = m.toolCalls?.map((call) =>
						// A tool call that was running or waiting for a yes can never finish now.
						call.status === 'running' || call.status === 'awaiting'
							? { ...call, status: 'cancelled' as const }
							: call
					);
					this.#putMessage(
						{ ...m, status: 'interrupted', ...(toolCalls ? { toolCalls } : {}) },
						'update',
						false
					);
				}
				return rows.length;
			})
		);
	}

	clearAll(): Promise<void> {
		return guarded(() =>
			this.#tx(() => {
				this.#db.exec(
					'DELETE FROM messages; DELETE FROM conversations; DELETE FROM attachments; DELETE FROM images; DELETE FROM message_words; DELETE FROM title_words;'
				);
			})
		);
	}

	/**
	 * Writes records from a backup as they are (ids, times and leaves kept) where they are new or
	 * newer than the stored copy, their search words made again from the text (a file's are
	 * never trusted). No transaction of its own: the import holds one around every slice
	 * (node/sqlite-backup.ts), so a failure part-way keeps nothing.
	 */
	mergeConversations(rows: readonly Conversation[]): MergeCounts {
		const counts = { added: 0, updated: 0, skipped: 0 };
		for (const row of rows) {
			const local = this.#conversation(row.id);
			if (local && local.updatedAt >= row.updatedAt) {
				counts.skipped++;
				continue;
			}
			const next = { ...row, titleWords: indexWords(row.title) };
			this.#putConversation(next, local ? 'update' : 'insert');
			counts[local ? 'updated' : 'added']++;
		}
		return counts;
	}

	/** As mergeConversations, for messages. */
	mergeMessages(rows: readonly Message[]): MergeCounts {
		const counts = { added: 0, updated: 0, skipped: 0 };
		for (const row of rows) {
			const local = this.#message(row.id);
			if (local && local.updatedAt >= row.updatedAt) {
				counts.skipped++;
				continue;
			}
			const next = { ...row, words: indexWords(row.content) };
			this.#putMessage(next, local ? 'update' : 'insert');
			counts[local ? 'updated' : 'added']++;
		}
		return counts;
	}

	/** Every conversation and message for a backup, without their search words, oldest first. */
	exportRecords(): { conversations: Conversation[]; messages: Message[] } {
		const conversations = this.#sql('SELECT data FROM conversations ORDER BY rowid')
			.all()
			.map((row) => {
				const c = JSON.parse((row as Row).data) as Conversation;
				delete c.titleWords;
				return c;
			});
		const messages = this.#sql('SELECT data FROM messages ORDER BY rowid')
			.all()
			.map((row) => {
				const m = JSON.parse((row as Row).data) as Message;
				delete m.words;
				return m;
			});
		return { conversations, messages };
	}

	/**
	 * History search over titles and message text: every query word must prefix-match a word of
	 * the title or of one message. Newest conversations first; the latest matching message of
	 * each gives the snippet.
	 */
	search(query: string, limit = 50): Promise<HistoryHit[]> {
		const words = queryWords(query);
		if (words.length === 0) return Promise.resolve([]);
		const match = matchQuery(words);
		return guarded(() => {
			// Candidates are read as bare columns; only the shown hits are parsed from JSON.
			const byConversation = new Map<
				string,
				{ updatedAt: number; messageId?: string; at: number }
			>();
			const titles = this.#sql(
				'SELECT c.id, c.updated_at FROM title_words t JOIN conversations c ON c.rowid = t.rowid WHERE title_words MATCH ? LIMIT ?'
			).all(match, CANDIDATE_LIMIT) as { id: string; updated_at: number }[];
			for (const t of titles) byConversation.set(t.id, { updatedAt: t.updated_at, at: Infinity });
			const messages = this.#sql(
				'SELECT m.id, m.conversation_id, m.created_at, c.updated_at FROM message_words w JOIN messages m ON m.rowid = w.rowid JOIN conversations c ON c.id = m.conversation_id WHERE message_words MATCH ? LIMIT ?'
			).all(match, CANDIDATE_LIMIT) as {
				id: string;
				conversation_id: string;
				created_at: number;
				updated_at: number;
			}[];
			for (const m of messages) {
				const seen = byConversation.get(m.conversation_id);
				// A title hit wins; otherwise the latest matching message of the conversation.
				if (seen && (seen.at === Infinity || seen.at >= m.created_at)) continue;
				byConversation.set(m.conversation_id, {
					updatedAt: m.updated_at,
					messageId: m.id,
					at: m.created_at
				});
			}
			const first = words[0]!;
			return [...byConversation.entries()]
				.sort((a, b) => b[1].updatedAt - a[1].updatedAt)
				.slice(0, limit)
				.flatMap(([id, hit]): HistoryHit[] => {
					const conversation = this.#conversation(id);
					if (!conversation) return [];
					if (hit.messageId === undefined) return [{ conversation, snippet: conversation.title }];
					const message = this.#message(hit.messageId);
					return message
						? [
								{
									conversation,
									messageId: message.id,
									snippet: snippetAround(message.content, first)
								}
							]
						: [];
				});
		});
	}

	/** Prepared once: preparing costs more than running these small statements. */
	#sql(source: string): Statement {
		let statement = this.#statements.get(source);
		if (!statement) {
			statement = this.#db.prepare<unknown[]>(source);
			this.#statements.set(source, statement);
		}
		return statement;
	}

	#tx<T>(work: () => T): T {
		return this.#db.transaction(work).immediate();
	}

	#conversation(id: string): Conversation | undefined {
		const row = this.#sql('SELECT data FROM conversations WHERE id = ?').get(id) as Row | undefined;
		return row ? (JSON.parse(row.data) as Conversation) : undefined;
	}

	#message(id: string): Message | undefined {
		const row = this.#sql('SELECT data FROM messages WHERE id = ?').get(id) as Row | undefined;
		return row ? (JSON.parse(row.data) as Message) : undefined;
	}

	#messages(conversationId: string): Message[] {
		return this.#sql('SELECT data FROM messages WHERE conversation_id = ? ORDER BY created_at, id')
			.all(conversationId)
			.map((row) => JSON.parse((row as Row).data) as Message);
	}

	/** Writes the row; the title's search words only when they changed (`wordsChanged`). */
	#putConversation(c: Conversation, how: 'insert' | 'update', wordsChanged = true): void {
		const data = JSON.stringify(c);
		if (how === 'insert') {
			const { lastInsertRowid } = this.#sql(
				'INSERT INTO conversations (id, pinned, updated_at, data) VALUES (?, ?, ?, ?)'
			).run(c.id, c.pinned, c.updatedAt, data);
			this.#sql('INSERT INTO title_words (rowid, words) VALUES (?, ?)').run(
				lastInsertRowid,
				(c.titleWords ?? []).join(' ')
			);
			return;
		}
		this.#sql('UPDATE conversations SET pinned = ?, updated_at = ?, data = ? WHERE id = ?').run(
			c.pinned,
			c.updatedAt,
			data,
			c.id
		);
		if (!wordsChanged) return;
		const { rowid } = this.#sql('SELECT rowid FROM conversations WHERE id = ?').get(c.id) as {
			rowid: number;
		};
		this.#sql('DELETE FROM title_words WHERE rowid = ?').run(rowid);
		this.#sql('INSERT INTO title_words (rowid, words) VALUES (?, ?)').run(
			rowid,
			(c.titleWords ?? []).join(' ')
		);
	}

	#deleteConversationRow(id: string): void {
		this.#sql(
			'DELETE FROM title_words WHERE rowid IN (SELECT rowid FROM conversations WHERE id = ?)'
		).run(id);
		this.#sql('DELETE FROM conversations WHERE id = ?').run(id);
	}

	#putMessage(m: Message, how: 'insert' | 'update', wordsChanged = true): void {
		const data = JSON.stringify(m);
		const words = (m.words ?? []).join(' ');
		if (how === 'insert') {
			const { lastInsertRowid } = this.#sql(
				'INSERT INTO messages (id, conversation_id, created_at, status, data) VALUES (?, ?, ?, ?, ?)'
			).run(m.id, m.conversationId, m.createdAt, m.status, data);
			this.#sql('INSERT INTO message_words (rowid, words) VALUES (?, ?)').run(
				lastInsertRowid,
				words
			);
			return;
		}
		this.#sql('UPDATE messages SET created_at = ?, status = ?, data = ? WHERE id = ?').run(
			m.createdAt,
			m.status,
			data,
			m.id
		);
		if (!wordsChanged) return;
		const { rowid } = this.#sql('SELECT rowid FROM messages WHERE id = ?').get(m.id) as {
			rowid: number;
		};
		this.#sql('DELETE FROM message_words WHERE rowid = ?').run(rowid);
		this.#sql('INSERT INTO message_words (rowid, words) VALUES (?, ?)').run(rowid, words);
	}

	#deleteMessageRow(id: string): void {
		this.#sql(
			'DELETE FROM message_words WHERE rowid IN (SELECT rowid FROM messages WHERE id = ?)'
		).run(id);
		this.#sql('DELETE FROM messages WHERE id = ?').run(id);
	}
}
