// The embedding boundary memory code depends on, and the little vector maths it needs. Memories
// and messages are few next to document chunks, so an exact dot product over unit vectors is
// all the search they need.
import type { StoredVector } from '$lib/types/knowledge';

export type EmbedKind = 'query' | 'passage';

/** One vector per text, in order. */
export type EmbedFn = (
	texts: string[],
	kind: EmbedKind,
	signal?: AbortSignal
) => Promise<Float32Array[]>;

/** An embedding function and the model it uses: stored vectors are keyed by model. */
export interface MemoryEmbedder {
	/** Read on every use: when the user changes model, old vectors are simply not found. */
	readonly model: string;
	readonly embed: EmbedFn;
}

export const memoryKey = (id: string): string => `memory:${id}`;
export const messageKey = (id: string): string => `message:${id}`;

/** `v` scaled to unit length (a zero vector stays zero). */
export function unit(v: Float32Array): Float32Array {
	let sum = 0;
	for (const x of v) sum += x * x;
	const out = new Float32Array(v.length);
	if (sum === 0) return out;
	const inv = 1 / Math.sqrt(sum);
	for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * inv;
	return out;
}

/** Cosine similarity of two unit vectors; 0 when their widths differ (another model's). */
export function dot(a: Float32Array, b: Float32Array): number {
	if (a.length !== b.length) return 0;
	let sum = 0;
	for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
	return sum;
}

/** A unit vector as a `vectors` row (raw Float32 bytes, never JSON). */
export function toStoredVector(model: string, key: string, vector: Float32Array): StoredVector {
	const v = unit(vector);
	const data = new ArrayBuffer(v.byteLength);
	new Float32Array(data).set(v);
	return { model, key, dims: v.length, encoding: 'f32', data };
}

/** A `vectors` row back as a unit Float32Array, whichever encoding the row uses. */
export function fromStoredVector(row: StoredVector): Float32Array {
	if (row.encoding === 'f32') return unit(new Float32Array(row.data.slice(0)));
	const codes = new Int8Array(row.data);
	const scale = row.scale ?? 1;
	return unit(Float32Array.from(codes, (c) => c * scale));
}
