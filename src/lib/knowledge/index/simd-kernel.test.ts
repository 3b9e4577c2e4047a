import { describe, expect, it } from 'vitest';
import { dotRow } from './dot';
import { SimdRows } from './float-rows';
import { encodeKernel } from './simd-kernel-source';
import { kernelModule } from './simd-kernel';
import { KERNEL_WASM_BASE64 } from './simd-wasm';
import { randomUnitVectors } from './test-vectors';
import { i32, u32 } from './wasm-encoder';

const hex = (bytes: readonly number[]) =>
	bytes.map((b) => b.toString(16).padStart(2, '0')).join('');

describe('wasm encoder', () => {
	it('writes LEB128 as the spec examples', () => {
		expect(hex(u32(0))).toBe('00');
		expect(hex(u32(127))).toBe('7f');
		expect(hex(u32(128))).toBe('8001');
		expect(hex(u32(624485))).toBe('e58e26');
		expect(hex(i32(-1))).toBe('7f');
		expect(hex(i32(-64))).toBe('40');
		expect(hex(i32(64))).toBe('c000');
		expect(hex(i32(-123456))).toBe('c0bb78');
	});

	it('matches the committed kernel bytes (run simd-build.js after changing the source)', () => {
		expect(KERNEL_WASM_BASE64).toBe(Buffer.from(encodeKernel()).toString('base64'));
	});

	it('produces a valid module, which Node 20 compiles (so these tests run the kernel)', () => {
		expect(WebAssembly.validate(encodeKernel())).toBe(true);
		expect(kernelModule()).toBeInstanceOf(WebAssembly.Module);
	});
});

/** Fills a SimdRows with `vectors` and returns its scores for `query`. */
function simdScores(vectors: readonly Float32Array[], query: Float32Array): Float32Array {
	const dim = query.length;
	const rows = SimdRows.create(dim);
	if (!rows) throw new Error('no SIMD');
	rows.reserve(vectors.length);
	vectors.forEach((v, r) => rows.data.set(v, r * rows.stride));
	return rows.dots(query, vectors.length).slice();
}

describe('dots_f32', () => {
	// Dims around the kernel's 16-float step and 64-float unrolled block, and the real one.
	it.each([1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 100, 384, 768])(
		'scores every row within the error bound of the exact sum at %i-d',
		(dim) => {
			const vectors = randomUnitVectors(300, dim, dim);
			const [query] = randomUnitVectors(1, dim, dim + 1000);
			if (!query) throw new Error('no query');
			const scores = simdScores(vectors, query);
			const bound = SimdRows.create(dim)?.errorBound ?? 0;
			expect(bound).toBeLessThan(1e-4);
			vectors.forEach((v, r) => {
				expect(Math.abs((scores[r] ?? NaN) - dotRow(v, 0, dim, query))).toBeLessThanOrEqual(bound);
			});
		}
	);

	it('stays within the bound where rounding adds up most: equal positive components', () => {
		const dim = 384;
		const flat = new Float32Array(dim).fill(1 / Math.sqrt(dim));
		const bound = SimdRows.create(dim)?.errorBound ?? 0;
		const [score] = simdScores([flat], flat);
		expect(Math.abs((score ?? NaN) - dotRow(flat, 0, dim, flat))).toBeLessThanOrEqual(bound);
		expect(score).toBeCloseTo(1, 5);
	});

	it('scores no rows when asked for none, and keeps rows across growth', () => {
		const dim = 8;
		const rows = SimdRows.create(dim);
		if (!rows) throw new Error('no SIMD');
		expect(rows.dots(new Float32Array(dim), 0)).toHaveLength(0);
		rows.data.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
		rows.reserve(100_000);
		expect(rows.capacity).toBeGreaterThanOrEqual(100_000);
		const query = new Float32Array(dim).fill(1);
		expect(rows.dots(query, 1)[0]).toBe(36);
	});
});
