// Search-result snippets: the passage cut around the first query word, split into plain and
// marked segments. Segments, not HTML: the component renders each as text (in <mark> or not),
// so a passage can never inject markup.

export interface Segment {
	text: string;
	mark: boolean;
}

const WORD = /[\p{L}\p{N}_]+/gu;

/** The query's words worth marking: 2+ characters, lower-cased, unique, longest first. */
export function queryTerms(query: string): string[] {
	const words = new Set<string>();
	for (const match of query.toLocaleLowerCase().matchAll(WORD)) {
		if (match[0].length >= 2) words.add(match[0]);
	}
	// Longest first so "database" wins over "data" where both match at the same place.
	return [...words].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches a term at the start of a word ("budget" marks "Budgets", not "widgetbudget"). */
function termPattern(terms: readonly string[]): RegExp | null {
	if (terms.length === 0) return null;
	return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${terms.map(escapeRegExp).join('|')})`, 'giu');
}

/** Splits `text` into segments, marking every word-start occurrence of the query's terms. */
export function markSegments(text: string, query: string): Segment[] {
	const pattern = termPattern(queryTerms(query));
	if (!pattern || text === '') return text === '' ? [] : [{ text, mark: false }];
	const out: Segment[] = [];
	let at = 0;
	for (const match of text.matchAll(pattern)) {
		const start = match.index;
		if (start > at) out.push({ text: text.slice(at, start), mark: false });
		out.push({ text: match[0], mark: true });
		at = start + match[0].length;
	}
	if (at < text.length) out.push({ text: text.slice(at), mark: false });
	return out;
}

/**
 * A window of about `maxChars` around the first query term (whitespace collapsed), with "…"
 * where text was cut; the start of the passage when no term occurs.
 */
export function snippetText(text: string, query: string, maxChars = 240): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	if (flat.length <= maxChars) return flat;
	const pattern = termPattern(queryTerms(query));
	const first = pattern ? (pattern.exec(flat)?.index ?? 0) : 0;
	// A little context before the match, the rest after it.
	let start = Math.max(0, first - Math.floor(maxChars / 4));
	const end = Math.min(flat.length, start + maxChars);
	start = Math.max(0, end - maxChars);
	// Cut on spaces so no word is shown half.
	let from = start;
	if (start > 0) {
		const space = flat.indexOf(' ', start);
		from = space !== -1 && space < first ? space + 1 : start;
	}
	let to = end;
	if (end < flat.length) {
		const space = flat.lastIndexOf(' ', end);
		to = space > from ? space : end;
	}
	return `${from > 0 ? '…' : ''}${flat.slice(from, to)}${to < flat.length ? '…' : ''}`;
}

/** The snippet of a passage for a query, as segments to render. */
export function snippetSegments(text: string, query: string, maxChars = 240): Segment[] {
	return markSegments(snippetText(text, query, maxChars), query);
}
