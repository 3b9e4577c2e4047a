// Text comparison for memories: exact duplicates by normalised text, near ones by shared words.

const STOP = new Set(
	(
		'a an the and or but of to in on at for with from by about as is are was were be been am ' +
		'i me my mine you your we our they them their he she his her it its that this these those ' +
		'do does did have has had not no so than then there here what which who whom how when where ' +
		'very really just also like please user users'
	).split(' ')
);

/** Lower case, punctuation and extra spaces gone: "I prefer Python." ≈ "i prefer python". */
export function normalizeText(text: string): string {
	return text
		.toLowerCase()
		.normalize('NFKC')
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

/** Words that carry meaning, crudely singular ("languages" → "language"). */
export function contentWords(text: string): string[] {
	return normalizeText(text)
		.split(' ')
		.filter((w) => w.length > 1 && !STOP.has(w))
		.map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

/** Share of `query`'s content words found in `text` (0 when the query has none). */
export function wordOverlap(query: string, text: string): number {
	const wanted = new Set(contentWords(query));
	if (wanted.size === 0) return 0;
	const have = new Set(contentWords(text));
	let hits = 0;
	for (const w of wanted) if (have.has(w)) hits++;
	return hits / wanted.size;
}
