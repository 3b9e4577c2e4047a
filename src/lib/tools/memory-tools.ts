import * as v from 'valibot';
import type { Memory } from '$lib/types/knowledge';
import type { Tool } from '$lib/tools/types';
import type { MemoryRepository } from '$lib/memory/memory-repo';
import type { ConversationRecall, RecallHit } from '$lib/memory/recall';
import { wordOverlap } from '$lib/memory/text';
import { timeRangeOf } from '$lib/memory/time-range';

export interface MemoryToolDeps {
	memories: MemoryRepository;
	recall: Pick<ConversationRecall, 'recall'>;
	now(): number;
	/** The user's IANA zone for "yesterday" and "on Monday". */
	timeZone: string;
}

/** Share of the request's words a memory must contain to be named without asking again. */
const DECISIVE_OVERLAP = 0.5;

/**
 * The memory `what` names by its words alone, when one clearly does. Synchronous, so the
 * confirmation (describe) and the deletion (run) pick the same memory from the same list.
 */
export function memoryNamedBy(what: string, memories: readonly Memory[]): Memory | undefined {
	const ranked = memories
		.map((memory) => ({ memory, overlap: wordOverlap(what, memory.text) }))
		.sort((a, b) => b.overlap - a.overlap);
	const [first, second] = ranked;
	if (!first || first.overlap < DECISIVE_OVERLAP) return undefined;
	if (second && second.overlap === first.overlap) return undefined;
	return first.memory;
}

function day(ms: number, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric'
	}).format(ms);
}

export function chatUrl(hit: Pick<RecallHit, 'conversationId' | 'messageId'>): string {
	return `hearth-chat:${hit.conversationId}#${hit.messageId}`;
}

export function createMemoryTools(deps: MemoryToolDeps) {
	// Warms the repository's list so the first forget's confirmation can name the memory.
	void deps.memories.list().catch(() => undefined);

	const rememberSchema = v.object({
		text: v.pipe(
			v.string(),
			v.trim(),
			v.minLength(1, 'Say what to remember.'),
			v.maxLength(500, 'Keep a memory under 500 characters.'),
			v.description(
				'The fact or preference, as a short sentence about the user: "The user prefers Python."'
			)
		),
		kind: v.optional(
			v.pipe(
				v.picklist(['fact', 'preference']),
				v.description('"preference" for likes and how they want answers; "fact" otherwise.')
			)
		)
	});

	const remember: Tool<typeof rememberSchema> = {
		name: 'remember',
		title: 'Remember',
		description:
			'Saves a fact or preference about the user for future conversations. Use it only when the user asks you to remember something.',
		schema: rememberSchema,
		// Asked for by the user in a clean turn, it saves at once (the Memory screen lists and
		// deletes it). A memory joins later prompts, so once untrusted text is in the turn it
		// lasts beyond the answer the way a page's instruction must not: it asks first, and the
		// memory keeps where that text came from (fenced in later prompts, shown in Memory).
		sideEffect: false,
		network: false,
		lasting: true,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe: ({ text }) =>
			`Remember "${text}" for later conversations. Untrusted text was read in this conversation; check that these are your words.`,
		async run({ text, kind }, ctx) {
			const before = await deps.memories.findSameText(text);
			const memory = await deps.memories.add({
				text,
				kind,
				origin: 'explicit',
				status: 'kept',
				conversationId: ctx.conversationId,
				untrusted: ctx.untrusted
			});
			const said =
				before?.status === 'kept'
					? `Already remembered: "${memory.text}".`
					: `Remembered: "${memory.text}".`;
			return { content: said, preview: said, untrusted: false };
		}
	};

	const forgetSchema = v.object({
		what: v.pipe(
			v.string(),
			v.trim(),
			v.minLength(1, 'Say which memory to forget.'),
			v.description('The memory to forget, in the user\'s words: "that I like Python".')
		)
	});

	const forget: Tool<typeof forgetSchema> = {
		name: 'forget',
		title: 'Forget',
		description:
			'Deletes the saved memory that best matches what the user wants forgotten. The user confirms which one.',
		schema: forgetSchema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 60_000,
		describe({ what }) {
			const named = memoryNamedBy(what, deps.memories.peek());
			return named
				? `Forget the memory "${named.text}".`
				: `Find the memory closest to "${what}" and ask you before forgetting it.`;
		},
		async run({ what }, ctx) {
			let target = memoryNamedBy(what, deps.memories.peek());
			if (!target) {
				// The confirmation could not name it: find it by meaning, then ask about that one.
				target = (await deps.memories.find(what, ctx.signal))?.memory;
				if (!target) {
					const none = `No saved memory matches "${what}"; nothing was deleted.`;
					return { content: none, preview: 'No matching memory', untrusted: false };
				}
				if (!(await ctx.ask(`Forget the memory "${target.text}"?`))) {
					const kept = `The user chose to keep "${target.text}"; nothing was deleted.`;
					return { content: kept, preview: 'Kept', untrusted: false };
				}
			}
			await deps.memories.delete(target.id);
			const done = `Forgot "${target.text}".`;
			return { content: done, preview: done, untrusted: false };
		}
	};

	const recallSchema = v.object({
		query: v.pipe(
			v.string(),
			v.trim(),
			v.minLength(1, 'Say what to look for.'),
			v.description(
				'What to look for in past conversations, with any time words the user used: "the Q3 budget yesterday".'
			)
		)
	});

	const recallConversations: Tool<typeof recallSchema> = {
		name: 'recall_conversations',
		title: 'Recall conversations',
		description:
			'Searches the user\'s past conversations with Hearth by meaning, optionally within a time like "yesterday", "last week", "on Monday" or "in March". Use it when the user asks what was discussed before.',
		schema: recallSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 60_000,
		describe: ({ query }) => `Search past conversations for "${query}".`,
		async run({ query }, ctx) {
			const range = timeRangeOf(query, deps.now(), deps.timeZone);
			const topic = range ? query.replace(range.phrase, ' ').replace(/\s+/g, ' ').trim() : query;
			const hits = await deps.recall.recall(topic, {
				...(range ? { from: range.from, to: range.to } : {}),
				k: 6,
				excludeConversationId: ctx.conversationId,
				signal: ctx.signal
			});
			const when = range ? ` ${range.phrase}` : '';
			if (hits.length === 0) {
				const none = `No past conversations found${when}.`;
				return { content: none, preview: none, untrusted: false };
			}
			const lines = hits.map(
				(h, i) =>
					`[${i + 1}] "${h.conversationTitle}", ${day(h.createdAt, deps.timeZone)}, ${h.role === 'user' ? 'the user said' : 'you answered'}: ${h.snippet}`
			);
			return {
				content: `Past conversations${when}:\n${lines.join('\n')}`,
				preview: `${hits.length} passage${hits.length === 1 ? '' : 's'} from past conversations`,
				// Past answers carry what the pages and files read then said, unfenced; past messages
				// can hold pasted text. Not this turn's user speaking.
				untrusted: true,
				sources: hits.map((h) => ({
					title: `${h.conversationTitle} (${day(h.createdAt, deps.timeZone)})`,
					url: chatUrl(h)
				}))
			};
		}
	};

	return [remember, forget, recallConversations] as const;
}
