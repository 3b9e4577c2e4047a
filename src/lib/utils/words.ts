const WORD = /[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu;
/** Bounded so a 1 MB paste cannot create a million index entries. */
const MAX_WORDS = 2000;
const MAX_WORD_LENGTH = 32;

/** Lower-cased unique words of `text`, for the multi-entry search indexes. */
export function indexWords(text: string): string[] {
	const out = new Set<string>();
	for (const m of text.toLowerCase().matchAll(WORD)) {
		const w = m[0].slice(0, MAX_WORD_LENGTH);
		if (w.length < 2) continue;
		out.add(w);
		if (out.size >= MAX_WORDS) break;
	}
	return [...out];
}

/** Words of a search query, longest first (the longest is usually the most selective). */
export function queryWords(query: string): string[] {
	const words = [...new Set(query.toLowerCase().match(WORD) ?? [])].map((w) =>
		w.slice(0, MAX_WORD_LENGTH)
	);
	return words.sort((a, b) => b.length - a.length);
}

const SNIPPET_RADIUS = 60;

/** Up to SNIPPET_RADIUS characters either side of the first place `word` occurs (history search). */
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
