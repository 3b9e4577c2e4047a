import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// GGUF bytes for tests: the real stories260K model from ../shared/models (skipped with the reason
// when absent, a failure under CI), and small GGUF files written here so every header field and
// failure can be exercised without a model.

export const STORIES_PATH = path.resolve('../shared/models/gguf/stories260K.gguf');
export const STORIES_BYTES = 1185376;

/** The real model, or a skip reason (CI must have ../shared: then it throws). */
export function storiesModel(): { bytes: Uint8Array<ArrayBuffer> } | { skip: string } {
	if (existsSync(STORIES_PATH)) {
		const file = readFileSync(STORIES_PATH);
		const bytes = new Uint8Array(file.byteLength);
		bytes.set(file);
		return { bytes };
	}
	if (process.env.CI === 'true') throw new Error(`${STORIES_PATH} is missing: CI must provide it`);
	return { skip: `skipped: ${STORIES_PATH} is missing` };
}

type Value =
	| { type: 'string'; value: string }
	| { type: 'u32'; value: number }
	| { type: 'u64'; value: number }
	| { type: 'strings'; value: string[] };

export interface TensorSpec {
	name: string;
	dims: number[];
	/** ggml type id (0 = F32, 12 = Q4_K…). */
	type: number;
}

/** A GGUF v3 file with this metadata and these tensors (data zero-filled, or cut at `truncateTo`). */
export function makeGguf(
	metadata: Record<string, Value>,
	tensors: TensorSpec[] = [{ name: 'w', dims: [4, 2], type: 0 }],
	options: { truncateTo?: number; version?: number } = {}
): Uint8Array<ArrayBuffer> {
	const chunks: Uint8Array[] = [];
	let length = 0;
	const push = (bytes: Uint8Array) => {
		chunks.push(bytes);
		length += bytes.length;
	};
	const u32 = (n: number) => {
		const b = new Uint8Array(4);
		new DataView(b.buffer).setUint32(0, n, true);
		push(b);
	};
	const u64 = (n: number) => {
		const b = new Uint8Array(8);
		new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
		push(b);
	};
	const encoder = new TextEncoder();
	const str = (s: string) => {
		const bytes = encoder.encode(s);
		const out = new Uint8Array(8 + bytes.length);
		new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
		out.set(bytes, 8);
		push(out);
	};
	u32(0x46554747);
	u32(options.version ?? 3);
	u64(tensors.length);
	u64(Object.keys(metadata).length);
	for (const [key, entry] of Object.entries(metadata)) {
		str(key);
		if (entry.type === 'string') {
			u32(8);
			str(entry.value);
		} else if (entry.type === 'u32') {
			u32(4);
			u32(entry.value);
		} else if (entry.type === 'u64') {
			u32(10);
			u64(entry.value);
		} else {
			u32(9);
			u32(8);
			u64(entry.value.length);
			for (const s of entry.value) str(s);
		}
	}
	const sizes: Record<number, [number, number]> = { 0: [1, 4], 1: [1, 2], 12: [256, 144] };
	let offset = 0;
	for (const tensor of tensors) {
		str(tensor.name);
		u32(tensor.dims.length);
		for (const d of tensor.dims) u64(d);
		u32(tensor.type);
		u64(offset);
		const [block, bytes] = sizes[tensor.type] ?? [1, 4];
		const [first = 1, ...rest] = tensor.dims;
		offset +=
			Math.ceil((Math.ceil(first / block) * bytes * rest.reduce((a, b) => a * b, 1)) / 32) * 32;
	}
	push(new Uint8Array((32 - (length % 32)) % 32));
	const total = length + offset;
	const out = new Uint8Array(Math.min(total, options.truncateTo ?? total));
	let at = 0;
	for (const chunk of chunks) {
		if (at >= out.length) break;
		out.set(chunk.subarray(0, out.length - at), at);
		at += chunk.length;
	}
	return out;
}

export const str = (value: string): Value => ({ type: 'string', value });
export const u32v = (value: number): Value => ({ type: 'u32', value });
export const strings = (value: string[]): Value => ({ type: 'strings', value });
