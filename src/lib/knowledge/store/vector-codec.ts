// Embeddings as raw bytes for IndexedDB (never JSON): Float32 exactly, or Int8 codes with one
// scale per vector (4x smaller; value ≈ code × scale, the same scheme as the index's int8 store).
import { HearthError } from '$lib/types/errors';
import type { StoredVector } from '$lib/types/knowledge';

export type VectorEncoding = StoredVector['encoding'];

/** The stored row for one vector; f32 bytes are a copy, so the caller may reuse its array. */
export function encodeVector(
	model: string,
	key: string,
	vector: Float32Array,
	encoding: VectorEncoding = 'f32'
): StoredVector {
	if (encoding === 'f32') {
		return { model, key, dims: vector.length, encoding, data: vector.slice().buffer };
	}
	let max = 0;
	for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] ?? 0));
	const scale = max / 127;
	const codes = new Int8Array(vector.length);
	if (scale > 0) {
		for (let i = 0; i < vector.length; i++) codes[i] = Math.round((vector[i] ?? 0) / scale);
	}
	return { model, key, dims: vector.length, encoding, scale, data: codes.buffer };
}

/** The vector a row holds; throws `storage_failed` when its bytes do not match its header. */
export function decodeVector(row: StoredVector): Float32Array {
	const bytes = row.encoding === 'f32' ? row.dims * 4 : row.dims;
	if (row.data.byteLength !== bytes) {
		throw new HearthError(
			'storage_failed',
			`A stored embedding is damaged (${row.data.byteLength} bytes for ${row.dims} numbers); re-index its document.`
		);
	}
	if (row.encoding === 'f32') return new Float32Array(row.data.slice(0));
	const codes = new Int8Array(row.data);
	const scale = row.scale ?? 0;
	const out = new Float32Array(row.dims);
	for (let i = 0; i < row.dims; i++) out[i] = (codes[i] ?? 0) * scale;
	return out;
}

/** Copies a row under another key: identical passages share one embedding call, not one row. */
export function rekeyVector(row: StoredVector, key: string): StoredVector {
	return { ...row, key, data: row.data.slice(0) };
}
