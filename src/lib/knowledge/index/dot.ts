// The JS hot loop of exact search (the reference, and the fallback where WebAssembly SIMD is
// missing): one dot product per stored row, 4-way unrolled (four independent sums let V8 overlap
// the multiplies: ~1.5x faster than the plain loop at 384-d here). JS numbers are doubles, so
// these sums are the exact scores the SIMD kernel's f32 sums are checked against.
// Non-null assertions are safe: every index is below the row's end, which the callers guarantee.

/** rows[start .. start+dim) · query[0 .. dim), summed in the one order every path uses. */
export function dotRow(
	rows: Float32Array | Int8Array,
	start: number,
	dim: number,
	query: Float32Array
): number {
	const tail = dim - (dim % 4);
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
	return a + b + c + d;
}

/** out[r] = rows[r] · query for r < count (row r starts at r × stride; stride ≥ dim). */
export function dotRows(
	rows: Float32Array | Int8Array,
	stride: number,
	dim: number,
	count: number,
	query: Float32Array,
	out: Float32Array
): void {
	for (let r = 0, start = 0; r < count; r++, start += stride)
		out[r] = dotRow(rows, start, dim, query);
}
