// Retrieval quality as BEIR reports it (pytrec_eval / trec_eval definitions): nDCG@k with linear
// graded gains and log2 discounts, recall@k over the judged-relevant documents (grade > 0).

/** Judgments for one query: document id → grade (0 = judged not relevant). */
export type Qrels = ReadonlyMap<string, number>;

/** nDCG@k of one ranking. A query with no relevant documents scores 0 (trec_eval does the same). */
export function ndcgAt(ranked: readonly string[], qrels: Qrels, k = 10): number {
	let dcg = 0;
	const seen = new Set<string>();
	let rank = 0;
	for (const id of ranked) {
		if (rank >= k) break;
		// A repeated id counts once, at its first rank (trec_eval drops duplicates).
		if (seen.has(id)) continue;
		seen.add(id);
		const grade = qrels.get(id) ?? 0;
		if (grade > 0) dcg += grade / Math.log2(rank + 2);
		rank++;
	}
	const ideal = [...qrels.values()]
		.filter((g) => g > 0)
		.sort((a, b) => b - a)
		.slice(0, k)
		.reduce((sum, grade, i) => sum + grade / Math.log2(i + 2), 0);
	return ideal === 0 ? 0 : dcg / ideal;
}

/** Share of the relevant documents found in the first k. 0 when nothing is relevant. */
export function recallAt(ranked: readonly string[], qrels: Qrels, k = 100): number {
	const relevant = [...qrels].filter(([, grade]) => grade > 0).map(([id]) => id);
	if (relevant.length === 0) return 0;
	const top = new Set(ranked.slice(0, k));
	return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/**
 * Means over every judged query (a query the system returned nothing for scores 0), as BEIR
 * averages.
 */
export function evaluate(
	runs: ReadonlyMap<string, readonly string[]>,
	qrels: ReadonlyMap<string, Qrels>
): { ndcg10: number; recall100: number; queries: number } {
	let ndcg = 0;
	let recall = 0;
	for (const [query, judged] of qrels) {
		const ranked = runs.get(query) ?? [];
		ndcg += ndcgAt(ranked, judged, 10);
		recall += recallAt(ranked, judged, 100);
	}
	const n = qrels.size;
	return { ndcg10: n ? ndcg / n : 0, recall100: n ? recall / n : 0, queries: n };
}
