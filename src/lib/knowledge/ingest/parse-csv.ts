import type { ParsedSection } from '$lib/types/knowledge';
import { estimateTokens } from '$lib/utils/tokens';
import type { Line } from './lines';

// CSV/TSV: rows grouped into sections of about one chunk each, every one starting with the
// header row, so a chunk read alone still says what its columns mean. A quoted field may hold
// line breaks: a record ends only where its quotes balance.

/** Longest record kept whole; past this a runaway quote no longer swallows the rest of the file. */
const MAX_RECORD_CHARS = 64 * 1024;

interface Row {
	text: string;
	tokens: number;
	startLine: number;
	endLine: number;
}

async function* records(lines: AsyncIterable<Line>): AsyncGenerator<Row> {
	let parts: string[] = [];
	let chars = 0;
	let quotes = 0;
	let startLine = 0;
	let endLine = 0;
	let midLine = false;
	for await (const line of lines) {
		endLine = line.no;
		if (parts.length === 0) startLine = line.no;
		else if (!midLine) parts.push('\n');
		parts.push(line.text);
		chars += line.text.length + 1;
		for (let i = line.text.indexOf('"'); i >= 0; i = line.text.indexOf('"', i + 1)) quotes++;
		midLine = line.partial;
		if (midLine || (quotes % 2 === 1 && chars < MAX_RECORD_CHARS)) continue;
		const text = parts.join('');
		parts = [];
		chars = 0;
		quotes = 0;
		if (text.trim() !== '') {
			yield { text, tokens: estimateTokens(text), startLine, endLine: line.no };
		}
	}
	const text = parts.join('');
	if (text.trim() !== '') {
		yield { text, tokens: estimateTokens(text), startLine, endLine };
	}
}

export async function* parseCsv(
	lines: AsyncIterable<Line>,
	targetTokens: number
): AsyncGenerator<ParsedSection> {
	let header: Row | null = null;
	let rows: Row[] = [];
	let tokens = 0;
	const take = (): ParsedSection | null => {
		const first = rows[0];
		const last = rows[rows.length - 1];
		if (!header || !first || !last) return null;
		const text = [header.text, ...rows.map((r) => r.text)].join('\n');
		rows = [];
		tokens = 0;
		return { text, startLine: first.startLine, endLine: last.endLine };
	};
	for await (const row of records(lines)) {
		if (!header) {
			header = row;
			continue;
		}
		if (rows.length > 0 && header.tokens + tokens + row.tokens > targetTokens) {
			const section = take();
			if (section) yield section;
		}
		rows.push(row);
		tokens += row.tokens;
	}
	const section = take();
	if (section) yield section;
	else if (header)
		yield { text: header.text, startLine: header.startLine, endLine: header.endLine };
}
