import type { HistoryHit } from '$lib/conversation/chat-store';
import type { HearthDb } from '$lib/storage/db';
import type { Message } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import { queryWords, snippetAround } from '$lib/utils/words';

/** Upper bound on rows read per query, so a very common word cannot stall the UI. */
const CANDIDATE_LIMIT = 3000;

function intersect(sets: Set<string>[]): string[] {
	const [smallest, ...rest] = [...sets].sort((a, b) => a.size - b.size);
	if (!smallest) return [];
	return [...smallest].filter((id) => rest.every((set) => set.has(id)));
}

/**
 * History search over titles and message text through the multi-entry word indexes: every query
 * word must prefix-match a word of the title or of one message. Each word is looked up as a
 * key-only index range (one native getAllKeys, no cursor walk); the sets are intersected, and only
 * the survivors are read. Newest conversations first.
 */
export async function searchHistory(
	db: HearthDb,
	query: string,
	limit = 50
): Promise<HistoryHit[]> {
	const words = queryWords(query);
	if (words.length === 0) return [];
	try {
		return await db.transaction('r', db.conversations, db.messages, async () => {
			const keysOf = (table: typeof db.messages | typeof db.conversations, index: string) =>
				Promise.all(
					words.map(async (w) => new Set(await table.where(index).startsWith(w).primaryKeys()))
				);
			const [titleSets, messageSets] = await Promise.all([
				keysOf(db.conversations, 'titleWords'),
				keysOf(db.messages, 'words')
			]);
			const titleIds = intersect(titleSets).slice(0, CANDIDATE_LIMIT);
			const messageIds = intersect(messageSets).slice(0, CANDIDATE_LIMIT);
			const [titleHits, messageHits] = await Promise.all([
				db.conversations.bulkGet(titleIds),
				db.messages.bulkGet(messageIds)
			]);

			const hits = new Map<string, HistoryHit>();
			for (const c of titleHits) if (c) hits.set(c.id, { conversation: c, snippet: c.title });
			const byConversation = new Map<string, Message>();
			for (const m of messageHits) {
				if (!m) continue;
				const seen = byConversation.get(m.conversationId);
				if (!seen || m.createdAt > seen.createdAt) byConversation.set(m.conversationId, m);
			}
			const missing = [...byConversation.keys()].filter((id) => !hits.has(id));
			const conversations = await db.conversations.bulkGet(missing);
			const first = words[0]!;
			for (const c of conversations) {
				const m = c && byConversation.get(c.id);
				if (!c || !m) continue;
				hits.set(c.id, {
					conversation: c,
					messageId: m.id,
					snippet: snippetAround(m.content, first)
				});
			}
			return [...hits.values()]
				.sort((a, b) => b.conversation.updatedAt - a.conversation.updatedAt)
				.slice(0, limit);
		});
	} catch (e) {
		throw toHearthError(e);
	}
}
