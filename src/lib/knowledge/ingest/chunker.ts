import type { ChunkData, ParsedSection } from '$lib/types/knowledge';
import { estimateTokens } from '$lib/utils/tokens';
import { sectionUnits, type Unit } from './units';

// Sections → retrievable chunks of about `targetTokens`. Small sections are packed together
// (unless `packSections` is off); a big one is cut at blank lines, then lines, so a code fence or
// a function stays whole whenever it fits. When a cut falls inside one continuous run of text
// (same heading path, symbol and page) the next chunk repeats the end of the previous one.

export interface ChunkOptions {
	/** A chunk stops growing once the next unit would take it past this. */
	targetTokens: number;
	/** Below this a chunk keeps taking units (and the next section) up to `maxTokens`. */
	minTokens: number;
	maxTokens: number;
	/** Share of `targetTokens` repeated from the previous chunk inside a continuous run. */
	overlapRatio: number;
	/** Pack several small sections into one chunk (off for CSV: one group of rows per chunk). */
	packSections: boolean;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = {
	targetTokens: 400,
	minTokens: 300,
	maxTokens: 500,
	overlapRatio: 0.15,
	packSections: true
};

export type ChunkDraft = Omit<ChunkData, 'ordinal' | 'hash'>;

/** A unit's tokens plus its separator's (the estimator counts each line break as one). */
function cost(u: Unit): number {
	return u.tokens + u.sep.length;
}

function keyOf(u: Unit): string {
	return JSON.stringify([u.headings ?? [], u.symbol ?? '', u.page ?? 0]);
}

function commonPrefix(lists: (string[] | undefined)[]): string[] {
	const [first, ...rest] = lists;
	if (!first) return [];
	let n = first.length;
	for (const list of rest) {
		let i = 0;
		while (i < n && list && list[i] === first[i]) i++;
		n = list ? i : 0;
	}
	return first.slice(0, n);
}

/** Symbols shown on a chunk that packs several functions; more than this are elided. */
const MAX_SYMBOLS = 4;

function toDraft(units: Unit[]): ChunkDraft {
	let text = '';
	units.forEach((u, i) => (text += (i === 0 ? '' : u.sep) + u.text));
	const headings = commonPrefix(units.map((u) => u.headings));
	const symbols = [...new Set(units.flatMap((u) => (u.symbol ? [u.symbol] : [])))];
	const starts = units.flatMap((u) => (u.startLine !== undefined ? [u.startLine] : []));
	const ends = units.flatMap((u) => (u.endLine !== undefined ? [u.endLine] : []));
	const page = units.find((u) => u.page !== undefined)?.page;
	return {
		text,
		...(headings.length ? { headings } : {}),
		...(symbols.length
			? {
					symbol:
						symbols.slice(0, MAX_SYMBOLS).join('; ') + (symbols.length > MAX_SYMBOLS ? '; …' : '')
				}
			: {}),
		...(starts.length ? { startLine: Math.min(...starts), endLine: Math.max(...ends) } : {}),
		...(page !== undefined ? { page } : {})
	};
}

/** The end of `units` worth at most `budget` tokens: whole units, else the last lines or words. */
function tail(units: Unit[], budget: number): Unit[] {
	const out: Unit[] = [];
	let used = 0;
	for (let i = units.length - 1; i >= 0; i--) {
		const u = units[i] as Unit;
		if (used + cost(u) <= budget) {
			out.unshift(u);
			used += cost(u);
			continue;
		}
		if (out.length > 0) break;
		// The last unit alone is too big: take its last lines, or its last words. Pieces are
		// measured one at a time and summed (a slight over-estimate), keeping this linear.
		const lines = u.text.split('\n');
		let taken = 0;
		let lineTokens = 0;
		for (let j = lines.length - 1; j >= 0; j--) {
			const t = estimateTokens(lines[j] as string) + 1;
			if (lineTokens + t > budget) break;
			lineTokens += t;
			taken++;
		}
		if (taken > 0) {
			const text = lines.slice(lines.length - taken).join('\n');
			const startLine = u.endLine !== undefined ? u.endLine - taken + 1 : undefined;
			out.unshift({ ...u, text, tokens: estimateTokens(text), startLine });
			break;
		}
		const words = (lines[lines.length - 1] as string).split(' ');
		let n = 0;
		let wordTokens = 0;
		for (let j = words.length - 1; j >= 0; j--) {
			const t = estimateTokens(words[j] as string) + 1;
			if (wordTokens + t > budget) break;
			wordTokens += t;
			n++;
		}
		if (n > 0) {
			const text = words.slice(words.length - n).join(' ');
			out.unshift({ ...u, text, tokens: estimateTokens(text), startLine: u.endLine });
		}
		break;
	}
	return out;
}

export async function* chunkSections(
	sections: AsyncIterable<ParsedSection> | Iterable<ParsedSection>,
	options: Partial<ChunkOptions> = {}
): AsyncGenerator<ChunkDraft> {
	const opts = { ...DEFAULT_CHUNK_OPTIONS, ...options };
	const overlap = Math.floor(opts.targetTokens * opts.overlapRatio);
	// Units leave room for the overlap, so overlap plus any unit always fits in maxTokens.
	const unitLimit = Math.max(16, opts.maxTokens - overlap - 2);
	let current: Unit[] = [];
	let tokens = 0;
	for await (const section of sections) {
		if (section.text.trim() === '') continue;
		for (const u of sectionUnits(section, unitLimit)) {
			const last = current[current.length - 1];
			if (last) {
				const sameRun = keyOf(u) === keyOf(last) && !(u.first && !opts.packSections);
				const grown = tokens + cost(u);
				const fits =
					grown <= opts.targetTokens || (tokens < opts.minTokens && grown <= opts.maxTokens);
				const breakHere =
					(u.first && !opts.packSections) || (!sameRun && tokens >= opts.minTokens) || !fits;
				if (breakHere) {
					yield toDraft(current);
					current = sameRun && overlap > 0 ? tail(current, overlap) : [];
					tokens = current.reduce((n, c) => n + cost(c), 0);
				}
			}
			current.push(u);
			tokens += cost(u);
		}
	}
	if (current.length > 0) yield toDraft(current);
}
