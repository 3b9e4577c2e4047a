// Just enough of the WebAssembly binary format to write the dot-product kernel by hand: we may not
// fetch wabt, and a few dozen opcodes do not justify a dependency. Build-time only: the app ships
// the bytes (simd-wasm.ts), never this encoder.

/** Unsigned LEB128. */
export function u32(n: number): number[] {
	const out: number[] = [];
	let v = n >>> 0;
	do {
		let byte = v & 0x7f;
		v >>>= 7;
		if (v !== 0) byte |= 0x80;
		out.push(byte);
	} while (v !== 0);
	return out;
}

/** Signed LEB128 (for i32.const immediates). */
export function i32(n: number): number[] {
	const out: number[] = [];
	let v = n | 0;
	for (;;) {
		const byte = v & 0x7f;
		v >>= 7;
		const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
		out.push(done ? byte : byte | 0x80);
		if (done) return out;
	}
}

export const vec = (items: readonly number[][]): number[] => [
	...u32(items.length),
	...items.flat()
];

export const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));

export const section = (id: number, payload: readonly number[]): number[] => [
	id,
	...u32(payload.length),
	...payload
];

export const I32 = 0x7f;
export const V128 = 0x7b;
const VOID_BLOCK = 0x40;
const SIMD = 0xfd;

/** Instructions, each a function returning its bytes, named as in the text format. */
export const op = {
	block: () => [0x02, VOID_BLOCK],
	loop: () => [0x03, VOID_BLOCK],
	end: () => [0x0b],
	br: (depth: number) => [0x0c, ...u32(depth)],
	brIf: (depth: number) => [0x0d, ...u32(depth)],
	localGet: (i: number) => [0x20, ...u32(i)],
	localSet: (i: number) => [0x21, ...u32(i)],
	i32Const: (n: number) => [0x41, ...i32(n)],
	i32Eqz: () => [0x45],
	i32GeU: () => [0x4f],
	i32Add: () => [0x6a],
	i32Sub: () => [0x6b],
	i32And: () => [0x71],
	f32Add: () => [0x92],
	/** memarg: log2 alignment, then offset. */
	f32Store: (offset = 0) => [0x38, 2, ...u32(offset)],
	i32Store: (offset = 0) => [0x36, 2, ...u32(offset)],
	v128Load: (offset = 0) => [SIMD, 0x00, 4, ...u32(offset)],
	v128Zero: () => [SIMD, 0x0c, ...new Array<number>(16).fill(0)],
	f32x4ExtractLane: (lane: number) => [SIMD, 0x1f, lane],
	i32x4ExtractLane: (lane: number) => [SIMD, 0x1b, lane],
	i16x8ExtendLowI8x16S: () => [SIMD, ...u32(0x87)],
	i16x8ExtendHighI8x16S: () => [SIMD, ...u32(0x88)],
	i32x4Add: () => [SIMD, ...u32(0xae)],
	i32x4DotI16x8S: () => [SIMD, ...u32(0xba)],
	f32x4Add: () => [SIMD, ...u32(0xe4)],
	f32x4Mul: () => [SIMD, ...u32(0xe6)]
} as const;

export interface WasmFunction {
	exportName: string;
	params: readonly number[];
	/** Extra locals, one type per local, numbered after the params. */
	locals: readonly number[];
	body: readonly number[];
}

/**
 * A module that imports its memory as env.memory (at least one 64 KiB page; the caller owns it, so
 * it can size and cap it) and exports functions that return nothing.
 */
export function encodeModule(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
	const types = section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0])));
	const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...u32(1)]]));
	const funcs = section(3, vec(functions.map((_, i) => u32(i))));
	const exports = section(
		7,
		vec(functions.map((f, i) => [...name(f.exportName), 0x00, ...u32(i)]))
	);
	const code = section(
		10,
		vec(
			functions.map((f) => {
				const locals = vec(f.locals.map((t) => [1, t]));
				const body = [...locals, ...f.body, ...op.end()];
				return [...u32(body.length), ...body];
			})
		)
	);
	return new Uint8Array([
		...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
		...types,
		...imports,
		...funcs,
		...exports,
		...code
	]);
}
