import type { HearthDb } from '$lib/storage/db';
import type { Conversation, Message } from '$lib/types/chat';
import { toHearthError } from '$lib/types/errors';
import { queryWords } from '$lib/utils/words';

export interface SearchHit {
	conversation: Conversation;
	/** The best matching message, when the match is in the text rather than the title. */
	messageId?: string;
	snippet: string;
}

/** Upper bound on rows read for one query word, so a very common word cannot stall the UI. */
const CANDIDATE_LIMIT = 3000;
const SNIPPET_RADIUS = 60;

function matchesAll(words: readonly string[] | undefined, query: readonly string[]): boolean {
	if (!words) return false;
	return query.every((q) => words.some((w) => w.startsWith(q)));
}

export function snippetAround(text: string, word: string): string {
	const at = text.toLowerCase().indexOf(word);
	if (at < 0)
		return text
			.slice(0, SNIPPET_RADIUS * 2)
			.replace(/\s+/g, ' ')
			.trim();
	const start = Math.max(0, at - SNIPPET_RADIUS);
	const end = Math.min(text.length, at + word.length + SNIPPET_RADIUS);
	const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
	return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}

/**
 * History search over titles and message text through the multi-entry word indexes: every query
 * word must prefix-match a word of the title or of one message. The rarest word drives the
 * index lookup; the others filter the candidates. Newest conversations first.
 */
export async function searchHistory(db: HearthDb, query: string, limit = 50): Promise<SearchHit[]> {
	const words = queryWords(query);
	if (words.length === 0) return [];
	try {
		return await db.transaction('r', db.conversations, db.messages, async () => {
			const counts = await Promise.all(
				words.map((w) => db.messages.where('words').startsWith(w).count())
			);
			const rarest = words[counts.indexOf(Math.min(...counts))] ?? words[0]!;
			const [titleHits, messageHits] = await Promise.all([
				db.conversations
					.where('titleWords')
					.startsWith(rarest)
					.distinct()
					.filter((c) => matchesAll(c.titleWords, words))
					.limit(CANDIDATE_LIMIT)
					.toArray(),
				db.messages
					.where('words')
					.startsWith(rarest)
					.distinct()
					.filter((m) => matchesAll(m.words, words))
					.limit(CANDIDATE_LIMIT)
					.toArray()
			]);

			const hits = new Map<string, SearchHit>();
			for (const c of titleHits) hits.set(c.id, { conversation: c, snippet: c.title });
			const byConversation = new Map<string, Message>();
			for (const m of messageHits) {
				const seen = byConversation.get(m.conversationId);
				if (!seen || m.createdAt > seen.createdAt) byConversation.set(m.conversationId, m);
			}
			const missing = [...byConversation.keys()].filter((id) => !hits.has(id));
			const conversations = await db.conversations.bulkGet(missing);
			for (const c of conversations) {
				const m = c && byConversation.get(c.id);
				if (!c || !m) continue;
				hits.set(c.id, {
					conversation: c,
					messageId: m.id,
					snippet: snippetAround(m.content, rarest)
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
