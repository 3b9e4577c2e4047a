// Deterministic random unit vectors and a brute-force reference, for index tests and the bench.

/** mulberry32: a tiny seeded generator, so failures reproduce. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** `count` random unit vectors of `dim` numbers (Gaussian via Box-Muller, then normalised). */
export function randomUnitVectors(count: number, dim: number, seed: number): Float32Array[] {
	const random = seededRandom(seed);
	const out: Float32Array[] = [];
	for (let i = 0; i < count; i++) {
		const v = new Float32Array(dim);
		let sum = 0;
		for (let j = 0; j < dim; j++) {
			const g = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
			v[j] = g;
			sum += g * g;
		}
		const inv = 1 / Math.sqrt(sum);
		for (let j = 0; j < dim; j++) v[j] = (v[j] ?? 0) * inv;
		out.push(v);
	}
	return out;
}

/** Brute-force top-k ids by dot product (float64 sums), the reference for exact search. */
export function bruteForceTopK(
	ids: readonly string[],
	vectors: readonly Float32Array[],
	query: Float32Array,
	k: number
): string[] {
	return vectors
		.map((v, i) => {
			let s = 0;
			for (let j = 0; j < v.length; j++) s += (v[j] ?? 0) * (query[j] ?? 0);
			return { id: ids[i] ?? '', s };
		})
		.sort((a, b) => b.s - a.s)
		.slice(0, k)
		.map((x) => x.id);
}

/** |a ∩ b| / |b|. */
export function overlap(a: readonly string[], b: readonly string[]): number {
	if (b.length === 0) return 1;
	const set = new Set(a);
	return b.filter((id) => set.has(id)).length / b.length;
}
