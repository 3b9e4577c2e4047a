// Builders and checks shared by the export/import tests (Node, fake-indexeddb).
import type { HearthDb } from '$lib/storage/db';
import { importExport } from '$lib/storage/export';
import type { ImportResult } from '$lib/storage/export';
import { parseExport } from '$lib/storage/export-schema';
import type { HearthExport } from '$lib/storage/export-schema';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { indexWords } from '$lib/utils/words';
import { expect } from 'vitest';

export function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
	return {
		id,
		title: `Talk about ${id} and apples`,
		createdAt: 1_700_000_000_000,
		updatedAt: 1_700_000_000_000,
		pinned: 0,
		mode: 'chat',
		leafId: null,
		...overrides
	};
}

export function message(
	id: string,
	conversationId: string,
	overrides: Partial<Message> = {}
): Message {
	return {
		id,
		conversationId,
		parentId: null,
		role: 'user',
		content: `Message ${id} says hello world`,
		status: 'done',
		createdAt: 1_700_000_000_000,
		updatedAt: 1_700_000_000_000,
		...overrides
	};
}

/** `count` conversations, each a chain of `perConversation` messages with the leaf at the end. */
export function sampleData(count: number, perConversation: number): HearthExport {
	const conversations: Conversation[] = [];
	const messages: Message[] = [];
	for (let c = 0; c < count; c++) {
		const cid = `c${c}`;
		let parent: string | null = null;
		for (let m = 0; m < perConversation; m++) {
			const id = `${cid}-m${m}`;
			messages.push(
				message(id, cid, {
					parentId: parent,
					role: m % 2 === 0 ? 'user' : 'assistant',
					createdAt: 1_700_000_000_000 + m,
					updatedAt: 1_700_000_000_000 + m
				})
			);
			parent = id;
		}
		conversations.push(conversation(cid, { leafId: parent }));
	}
	return { format: 'hearth-export', version: 1, exportedAt: 1, conversations, messages };
}

/** A small database with every optional field in use, to prove nothing is lost on a round trip. */
export async function seedRich(db: HearthDb): Promise<void> {
	await db.conversations.bulkAdd([
		conversation('a', {
			title: 'Rust lifetimes 🦀',
			pinned: 1,
			model: 'qwen2.5:1.5b',
			engine: 'ollama',
			leafId: 'a2',
			titleFinal: true,
			titleWords: indexWords('Rust lifetimes 🦀')
		}),
		conversation('b', { title: 'Empty one', titleWords: indexWords('Empty one') })
	]);
	const msgs: Message[] = [
		message('a1', 'a', { content: 'Explain ```rust\nfn x() {}\n```' }),
		message('a2', 'a', {
			parentId: 'a1',
			role: 'assistant',
			content: 'Lifetimes name how long a borrow lives.',
			model: 'qwen2.5:1.5b',
			engine: 'ollama',
			usage: { promptTokens: 12, completionTokens: 40 },
			timings: { totalMs: 900, timeToFirstTokenMs: 120, decodeTokensPerSecond: 42.5 }
		}),
		message('a3', 'a', {
			parentId: 'a1',
			role: 'assistant',
			content: 'Partial',
			status: 'error',
			error: { code: 'engine_unreachable', message: 'Ollama is not running.' }
		})
	];
	await db.messages.bulkAdd(msgs.map((m) => ({ ...m, words: indexWords(m.content) })));
	await db.settings.put({
		key: 'settings',
		value: { ...DEFAULT_SETTINGS, temperature: 0.3, theme: 'dark' }
	});
}

export async function snapshot(db: HearthDb) {
	return {
		conversations: await db.conversations.orderBy('id').toArray(),
		messages: await db.messages.orderBy('id').toArray(),
		settings: await db.settings.toArray()
	};
}

export async function importText(db: HearthDb, text: string): Promise<ImportResult> {
	return importExport(db, parseExport(text));
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<HearthError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(HearthError);
	expect((error as HearthError).code).toBe(code);
	return error as HearthError;
}
