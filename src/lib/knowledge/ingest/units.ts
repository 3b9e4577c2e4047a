import type { ParsedSection } from '$lib/types/knowledge';
import { estimateTokens } from '$lib/utils/tokens';

// A section cut into units no bigger than a limit, for the chunker to pack: blocks between blank
// lines first (a Markdown code fence counts as one block, blank lines and all), then single lines,
// then, for a line longer than the limit, pieces cut at spaces.

export interface Unit {
	text: string;
	tokens: number;
	/** What joined this unit to the one before it in the source: a blank line, a line break, nothing. */
	sep: '\n\n' | '\n' | '';
	startLine?: number;
	endLine?: number;
	headings?: string[];
	symbol?: string;
	page?: number;
	/** First unit of its section. */
	first: boolean;
}

const FENCE = /^\s{0,3}(```|~~~)/;

interface Block {
	lines: string[];
	/** Offset of the first line within the section. */
	at: number;
}

const HEADING = /^ {0,3}#{1,6} /;

function blocks(lines: string[]): Block[] {
	const out: Block[] = [];
	let current: Block | null = null;
	let fence: string | null = null;
	lines.forEach((line, i) => {
		const marker = FENCE.exec(line)?.[1];
		if (fence === null && line.trim() === '') {
			current = null;
			return;
		}
		if (!current) {
			current = { lines: [], at: i };
			out.push(current);
		}
		current.lines.push(line);
		if (marker && (fence === null || fence === marker)) fence = fence === null ? marker : null;
	});
	return out;
}

/** Cuts `text` (one line) into pieces of at most `limit` tokens, at spaces where possible. */
export function cutLine(text: string, limit: number): string[] {
	const pieces: string[] = [];
	let rest = text;
	// Only the candidate piece is ever measured, never the whole rest: linear in the line length.
	while (rest.length > 0) {
		let len = Math.min(rest.length, limit * 4);
		let tokens = estimateTokens(rest.slice(0, len));
		if (tokens < limit * 0.9 && len < rest.length) {
			len = Math.min(rest.length, Math.floor((len * limit * 0.95) / Math.max(1, tokens)));
			tokens = estimateTokens(rest.slice(0, len));
		}
		while (tokens > limit && len > 1) {
			len = Math.max(1, Math.floor((len * limit * 0.95) / tokens));
			tokens = estimateTokens(rest.slice(0, len));
		}
		if (len < rest.length) {
			const space = rest.lastIndexOf(' ', len - 1);
			if (space > len * 0.7) len = space + 1;
			const c = rest.charCodeAt(len - 1);
			if (len > 1 && c >= 0xd800 && c <= 0xdbff) len--;
		}
		pieces.push(rest.slice(0, len));
		rest = rest.slice(len);
	}
	return pieces;
}

export function sectionUnits(section: ParsedSection, limit: number): Unit[] {
	const meta = {
		...(section.headings?.length ? { headings: section.headings } : {}),
		...(section.symbol ? { symbol: section.symbol } : {}),
		...(section.page !== undefined ? { page: section.page } : {})
	};
	// Clamped to the section's own last line: a CSV section's text starts with the header row,
	// which is not one of the lines it covers.
	const lineNo = (offset: number) =>
		section.startLine !== undefined
			? Math.min(section.startLine + offset, section.endLine ?? Infinity)
			: undefined;
	const units: Unit[] = [];
	const push = (text: string, sep: Unit['sep'], from: number, to: number, tokens?: number) => {
		const start = lineNo(from);
		const end = lineNo(to);
		units.push({
			text,
			tokens: tokens ?? estimateTokens(text),
			sep: units.length === 0 ? '\n\n' : sep,
			...(start !== undefined ? { startLine: start, endLine: end } : {}),
			...meta,
			first: units.length === 0
		});
	};
	const all = blocks(section.text.split('\n'));
	// Each line is measured once; a block's estimate is its lines' plus one per line break (the
	// estimator counts a break as one token), so no text is measured twice.
	const measured = all.map((block) => {
		const lineTokens = block.lines.map((line) => estimateTokens(line));
		const tokens = lineTokens.reduce((a, b) => a + b, block.lines.length - 1);
		return { block, lineTokens, tokens };
	});
	for (let b = 0; b < measured.length; b++) {
		const { block, lineTokens, tokens } = measured[b] as (typeof measured)[number];
		const text = block.lines.join('\n');
		// A heading alone would make a useless chunk end: it goes with the block under it.
		const next = measured[b + 1];
		if (
			next &&
			block.lines.length === 1 &&
			HEADING.test(text) &&
			tokens + 2 + next.tokens <= limit
		) {
			const joined = `${text}\n\n${next.block.lines.join('\n')}`;
			const last = next.block.at + next.block.lines.length - 1;
			push(joined, '\n\n', block.at, last, tokens + 2 + next.tokens);
			b++;
			continue;
		}
		if (tokens <= limit) {
			push(text, '\n\n', block.at, block.at + block.lines.length - 1, tokens);
			continue;
		}
		block.lines.forEach((line, i) => {
			const at = block.at + i;
			const sep = i === 0 ? '\n\n' : '\n';
			const own = lineTokens[i] as number;
			if (own <= limit) return push(line, sep, at, at, own);
			cutLine(line, limit).forEach((piece, j) => push(piece, j === 0 ? sep : '', at, at));
		});
	}
	return units;
}
