// Partial top-k selection: a size-k min-heap keeps the best k of n scores in O(n log k), so a
// 100k-vector scan never sorts 100k entries.

/** Keeps the `k` highest scores seen so far, each with an integer slot. */
export class TopK {
	readonly k: number;
	#scores: Float64Array;
	#slots: Int32Array;
	#size = 0;

	constructor(k: number) {
		this.k = Math.max(0, Math.floor(k));
		this.#scores = new Float64Array(this.k);
		this.#slots = new Int32Array(this.k);
	}

	get size(): number {
		return this.#size;
	}

	/** The score a candidate must beat to enter once the heap is full. */
	get threshold(): number {
		return this.#size < this.k ? -Infinity : (this.#scores[0] ?? -Infinity);
	}

	push(slot: number, score: number): void {
		if (this.k === 0) return;
		const scores = this.#scores;
		const slots = this.#slots;
		if (this.#size < this.k) {
			// Sift up from the end.
			let i = this.#size++;
			while (i > 0) {
				const parent = (i - 1) >> 1;
				if ((scores[parent] ?? 0) <= score) break;
				scores[i] = scores[parent] ?? 0;
				slots[i] = slots[parent] ?? 0;
				i = parent;
			}
			scores[i] = score;
			slots[i] = slot;
			return;
		}
		if (score <= (scores[0] ?? -Infinity)) return;
		// Replace the root (the current minimum) and sift down.
		const n = this.#size;
		let i = 0;
		for (;;) {
			const left = 2 * i + 1;
			if (left >= n) break;
			const right = left + 1;
			const child = right < n && (scores[right] ?? 0) < (scores[left] ?? 0) ? right : left;
			if ((scores[child] ?? 0) >= score) break;
			scores[i] = scores[child] ?? 0;
			slots[i] = slots[child] ?? 0;
			i = child;
		}
		scores[i] = score;
		slots[i] = slot;
	}

	/** Slots and scores, best first (ties: lower slot first, so results are deterministic). */
	sorted(): Array<{ slot: number; score: number }> {
		const out: Array<{ slot: number; score: number }> = [];
		for (let i = 0; i < this.#size; i++) {
			out.push({ slot: this.#slots[i] ?? 0, score: this.#scores[i] ?? 0 });
		}
		return out.sort((a, b) => b.score - a.score || a.slot - b.slot);
	}
}

/**
 * Turns `top`, a top-k over approximate scores that are each within `bound` of the exact score,
 * into the top-k over exact scores. Every slot in the exact top k scores at least the k-th best
 * approximate score minus `bound`, so its approximate score is at least that minus 2 × `bound`:
 * only those slots are rescored. Visiting them in slot order, as a full exact scan does, keeps
 * the result the scan's (ties at the k-th place aside).
 */
export function refineTopK(
	approx: Float32Array,
	count: number,
	top: TopK,
	bound: number,
	passes: (slot: number) => boolean,
	exact: (slot: number) => number
): TopK {
	const floor = top.size < top.k ? -Infinity : top.threshold - 2 * bound;
	const out = new TopK(top.k);
	for (let slot = 0; slot < count; slot++) {
		// Written so a NaN score is never a candidate, as it never enters a TopK.
		if (!(approx[slot]! >= floor) || !passes(slot)) continue;
		const score = exact(slot);
		if (score > out.threshold) out.push(slot, score);
	}
	return out;
}
