// Our own BM25 over an inverted index (Lucene's formula: idf = ln(1 + (N - df + 0.5)/(df + 0.5)),
// k1 = 1.2, b = 0.75, title and text as one field). Kept over minisearch because it measured
// better on SciFact (see README / bench/knowledge.js). Postings are append-only arrays; removed
// documents are skipped via a tombstone set and purged when they pass a quarter of the postings.
import type { SearchHit } from '$lib/types/knowledge';
import { analyze } from './analyzer';
import type { LexicalDoc, LexicalIndex } from './lexical-index';
import { TopK } from './top-k';
import type { SearchFilter } from './vector-index';

export interface Bm25Options {
	k1?: number;
	b?: number;
}

interface Postings {
	docs: number[];
	tfs: number[];
}

export class Bm25Index implements LexicalIndex {
	readonly kind = 'bm25';
	readonly k1: number;
	readonly b: number;
	#postings = new Map<string, Postings>();
	/** Live documents containing each term (tombstoned ones already subtracted). */
	#df = new Map<string, number>();
	#slotOf = new Map<string, number>();
	#ids: string[] = [];
	#lengths: number[] = [];
	#terms: string[][] = [];
	#collectionOf: string[] = [];
	#removed = new Set<number>();
	#totalLength = 0;
	#deadPostings = 0;
	#livePostings = 0;

	constructor({ k1 = 1.2, b = 0.75 }: Bm25Options = {}) {
		this.k1 = k1;
		this.b = b;
	}

	get size(): number {
		return this.#slotOf.size;
	}

	has(id: string): boolean {
		return this.#slotOf.has(id);
	}

	add(docs: readonly LexicalDoc[]): void {
		for (const doc of docs) {
			if (this.#slotOf.has(doc.id)) this.remove([doc.id]);
			const terms = analyze(doc.title ? `${doc.title} ${doc.text}` : doc.text);
			const slot = this.#ids.length;
			this.#ids.push(doc.id);
			this.#slotOf.set(doc.id, slot);
			this.#lengths.push(terms.length);
			this.#collectionOf.push(doc.collection ?? '');
			this.#totalLength += terms.length;
			const counts = new Map<string, number>();
			for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
			for (const [term, tf] of counts) {
				let list = this.#postings.get(term);
				if (!list) {
					list = { docs: [], tfs: [] };
					this.#postings.set(term, list);
				}
				list.docs.push(slot);
				list.tfs.push(tf);
				this.#df.set(term, (this.#df.get(term) ?? 0) + 1);
			}
			this.#terms.push([...counts.keys()]);
			this.#livePostings += counts.size;
		}
	}

	remove(ids: readonly string[]): void {
		for (const id of ids) {
			const slot = this.#slotOf.get(id);
			if (slot === undefined) continue;
			this.#slotOf.delete(id);
			this.#removed.add(slot);
			this.#totalLength -= this.#lengths[slot] ?? 0;
			const terms = this.#terms[slot] ?? [];
			for (const term of terms) this.#df.set(term, (this.#df.get(term) ?? 1) - 1);
			this.#deadPostings += terms.length;
			this.#livePostings -= terms.length;
			this.#terms[slot] = [];
		}
		if (this.#deadPostings > 1000 && this.#deadPostings > this.#livePostings / 3) this.#purge();
	}

	clear(): void {
		this.#postings.clear();
		this.#df.clear();
		this.#slotOf.clear();
		this.#ids = [];
		this.#lengths = [];
		this.#terms = [];
		this.#collectionOf = [];
		this.#removed.clear();
		this.#totalLength = 0;
		this.#deadPostings = 0;
		this.#livePostings = 0;
	}

	search(query: string, k: number, filter?: SearchFilter): SearchHit[] {
		const n = this.size;
		if (n === 0 || k <= 0) return [];
		const allowed = filter?.collections ? new Set(filter.collections) : undefined;
		const avgLength = this.#totalLength / n || 1;
		const scores = new Float64Array(this.#ids.length);
		const touched: number[] = [];
		const { k1, b } = this;
		// Repeated query words count once per repeat, as in a Lucene boolean query.
		for (const term of analyze(query)) {
			const list = this.#postings.get(term);
			const df = this.#df.get(term) ?? 0;
			if (!list || df === 0) continue;
			const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
			for (let i = 0; i < list.docs.length; i++) {
				const slot = list.docs[i] ?? 0;
				if (this.#removed.has(slot)) continue;
				if (allowed && !allowed.has(this.#collectionOf[slot] ?? '')) continue;
				const tf = list.tfs[i] ?? 0;
				const norm = k1 * (1 - b + (b * (this.#lengths[slot] ?? 0)) / avgLength);
				if (scores[slot] === 0) touched.push(slot);
				scores[slot] = (scores[slot] ?? 0) + (idf * tf * (k1 + 1)) / (tf + norm);
			}
		}
		const top = new TopK(Math.min(k, touched.length));
		for (const slot of touched) top.push(slot, scores[slot] ?? 0);
		return top.sorted().map(({ slot, score }) => ({ id: this.#ids[slot] ?? '', score }));
	}

	/** Drops tombstoned documents from every postings list. Slots are kept (they are ids). */
	#purge(): void {
		for (const [term, list] of this.#postings) {
			const docs: number[] = [];
			const tfs: number[] = [];
			for (let i = 0; i < list.docs.length; i++) {
				const slot = list.docs[i] ?? 0;
				if (this.#removed.has(slot)) continue;
				docs.push(slot);
				tfs.push(list.tfs[i] ?? 0);
			}
			if (docs.length === 0) {
				this.#postings.delete(term);
				this.#df.delete(term);
			} else this.#postings.set(term, { docs, tfs });
		}
		this.#deadPostings = 0;
		// Removed slots no longer appear in any postings; forgetting them keeps the set small.
		this.#removed.clear();
	}
}
