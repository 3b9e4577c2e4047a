// The hot loop of exact search: one dot product per stored row, 4-way unrolled (four independent
// sums let V8 overlap the multiplies: ~1.5x faster than the plain loop at 384-d here).
// Non-null assertions are safe: every index is below count × dim, which the callers guarantee.

/** out[r] = rows[r] · query for r < count (rows: count × dim, row-major). */
export function dotRows(
	rows: Float32Array | Int8Array,
	dim: number,
	count: number,
	query: Float32Array,
	out: Float32Array
): void {
	const tail = dim - (dim % 4);
	for (let r = 0, start = 0; r < count; r++, start += dim) {
		let a = 0;
		let b = 0;
		let c = 0;
		let d = 0;
		for (let j = 0; j < tail; j += 4) {
			const i = start + j;
			a += rows[i]! * query[j]!;
			b += rows[i + 1]! * query[j + 1]!;
			c += rows[i + 2]! * query[j + 2]!;
			d += rows[i + 3]! * query[j + 3]!;
		}
		for (let j = tail; j < dim; j++) a += rows[start + j]! * query[j]!;
		out[r] = a + b + c + d;
	}
}
