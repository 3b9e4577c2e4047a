// Parsers for the BEIR dataset layout (corpus.jsonl, queries.jsonl, qrels/*.tsv), used by the
// SciFact quality test and bench/knowledge.js. Text in, plain data out; no file access here.

export interface BeirDoc {
	id: string;
	title: string;
	text: string;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
	return text
		.split('\n')
		.filter((line) => line.trim().length > 0)
		.map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function parseCorpus(jsonl: string): BeirDoc[] {
	return jsonLines(jsonl).map((row) => ({
		id: String(row._id),
		title: typeof row.title === 'string' ? row.title : '',
		text: typeof row.text === 'string' ? row.text : ''
	}));
}

export function parseQueries(jsonl: string): Map<string, string> {
	return new Map(jsonLines(jsonl).map((row) => [String(row._id), String(row.text ?? '')]));
}

/** query id → (doc id → grade). Skips the header line ("query-id corpus-id score"). */
export function parseQrels(tsv: string): Map<string, Map<string, number>> {
	const out = new Map<string, Map<string, number>>();
	for (const line of tsv.split('\n')) {
		const [query, doc, grade] = line.trim().split('\t');
		if (!query || !doc || grade === undefined || !/^-?\d+$/.test(grade)) continue;
		let judged = out.get(query);
		if (!judged) out.set(query, (judged = new Map()));
		judged.set(doc, Number(grade));
	}
	return out;
}
