// English analysis for lexical search, modelled on Lucene's EnglishAnalyzer (what the BEIR BM25
// anchor ran through Elasticsearch): split on anything not a letter or digit, lower-case, drop
// the possessive 's, drop Lucene's 33 English stop words, Porter-stem.
import { stemmer } from 'stemmer';

/** Lucene's EnglishAnalyzer stop set. Small on purpose: BM25's idf already discounts common words. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
	(
		'a an and are as at be but by for if in into is it no not of on or such that the their ' +
		'then there these they this to was will with'
	).split(' ')
);

const SPLIT = /[^\p{L}\p{N}']+/u;

/** Raw tokens: runs of letters/digits (apostrophes kept for the possessive step), lower-cased. */
export function tokenize(text: string): string[] {
	return text
		.toLowerCase()
		.split(SPLIT)
		.filter((token) => token.length > 0);
}

/** One token to its index term, or null when it is a stop word or nothing is left. */
export function processTerm(token: string): string | null {
	let term = token.toLowerCase().replace(/'s$/, '').replace(/'/g, '');
	if (term.length === 0 || ENGLISH_STOP_WORDS.has(term)) return null;
	// The stemmer expects words; leave numbers and codes like "p53" alone.
	if (/^\p{L}+$/u.test(term)) term = stemmer(term);
	return term;
}

/** Text to its index terms, in order, repeats kept (they are term frequencies). */
export function analyze(text: string): string[] {
	const terms: string[] = [];
	for (const token of tokenize(text)) {
		const term = processTerm(token);
		if (term) terms.push(term);
	}
	return terms;
}
