import { HearthError } from '$lib/types/errors';

// Reads a GGUF file's header (magic, version, metadata, tensor table) without loading the file,
// so a download or a picked file is checked before llama.cpp ever sees it: "GGUF" first, a known
// version, a metadata table that parses, and a size that matches what its tensor table needs.
// A truncated download is caught here with exact numbers (llama.cpp itself only logs it). The
// layout is ggml's docs/gguf.md (little-endian; version 2 and 3 use 64-bit counts and lengths).

/** What Hearth reads from the metadata; the rest is skipped. */
export interface GgufHeader {
	version: number;
	tensorCount: number;
	metadataCount: number;
	architecture?: string;
	name?: string;
	/** `<arch>.context_length`: the context the model was trained with. */
	contextLength?: number;
	/** `tokenizer.chat_template`, when the GGUF carries one. */
	chatTemplate?: string;
	/** `general.file_type`: llama.cpp's quantisation mix (15 = Q4_K_M…). */
	fileType?: number;
	/** `split.no` (0-based) and `split.count` for one split of a larger model. */
	split?: { index: number; count: number };
	/** A vision projector (mmproj): `general.architecture` is "clip". */
	projector: boolean;
	/** Where the tensor data starts. */
	dataOffset: number;
	/**
	 * The size the file needs at least: the data section's start plus the end of its last tensor
	 * (writers pad that tensor to the alignment, llama.cpp only reads up to its end). Undefined
	 * when a tensor uses a type this reader does not know the size of.
	 */
	minimumBytes?: number;
}

/** Something with slice(), such as a Blob or File (a Response's blob, a picked file). */
/**
 * The header's model name when it names the model. Converters write the architecture there when
 * they know nothing better (stories260K says "llama"), which tells a person nothing and makes
 * every such model look alike in a list: then the file's own name is the better label.
 */
export function modelNameOf(header: Pick<GgufHeader, 'name' | 'architecture'>): string | undefined {
	const name = header.name?.trim();
	if (!name || name.toLowerCase() === header.architecture?.trim().toLowerCase()) return undefined;
	return name;
}

export interface BlobLike {
	readonly size: number;
	slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const READ_CHUNK = 1024 * 1024;
/** Guards against a damaged header making the reader allocate or loop without end. */
const MAX_COUNT = 10_000_000;
const MAX_STRING = 64 * 1024 * 1024;
const MAX_DIMS = 8;

/** [block size, bytes per block] for each ggml type id (ggml.c's type_traits). */
const TYPE_SIZES: Record<number, [number, number]> = {
	0: [1, 4], // F32
	1: [1, 2], // F16
	2: [32, 18], // Q4_0
	3: [32, 20], // Q4_1
	6: [32, 22], // Q5_0
	7: [32, 24], // Q5_1
	8: [32, 34], // Q8_0
	9: [32, 36], // Q8_1
	10: [256, 84], // Q2_K
	11: [256, 110], // Q3_K
	12: [256, 144], // Q4_K
	13: [256, 176], // Q5_K
	14: [256, 210], // Q6_K
	15: [256, 292], // Q8_K
	16: [256, 66], // IQ2_XXS
	17: [256, 74], // IQ2_XS
	18: [256, 98], // IQ3_XXS
	19: [256, 50], // IQ1_S
	20: [32, 18], // IQ4_NL
	21: [256, 110], // IQ3_S
	22: [256, 82], // IQ2_S
	23: [256, 136], // IQ4_XS
	24: [1, 1], // I8
	25: [1, 2], // I16
	26: [1, 4], // I32
	27: [1, 8], // I64
	28: [1, 8], // F64
	29: [256, 56], // IQ1_M
	30: [1, 2], // BF16
	34: [256, 54], // TQ1_0
	35: [256, 66], // TQ2_0
	39: [32, 17] // MXFP4
};

/** The GGUF value types (gguf_type). */
const T = {
	Uint8: 0,
	Int8: 1,
	Uint16: 2,
	Int16: 3,
	Uint32: 4,
	Int32: 5,
	Float32: 6,
	Bool: 7,
	String: 8,
	Array: 9,
	Uint64: 10,
	Int64: 11,
	Float64: 12
} as const;

/** Bytes of each fixed-size value type; strings and arrays have none. */
const FIXED_SIZES: Record<number, number> = {
	[T.Uint8]: 1,
	[T.Int8]: 1,
	[T.Uint16]: 2,
	[T.Int16]: 2,
	[T.Uint32]: 4,
	[T.Int32]: 4,
	[T.Float32]: 4,
	[T.Bool]: 1,
	[T.Uint64]: 8,
	[T.Int64]: 8,
	[T.Float64]: 8
};

class NotGguf extends Error {}

/** A forward-only reader over a blob, fetching it a chunk at a time. */
class Cursor {
	#buffer = new Uint8Array(0);
	#view = new DataView(this.#buffer.buffer);
	/** File offset of #buffer[0]. */
	#start = 0;
	#at = 0;
	readonly #blob: BlobLike;
	readonly #decoder = new TextDecoder('utf-8', { fatal: false });

	constructor(blob: BlobLike) {
		this.#blob = blob;
	}

	get offset(): number {
		return this.#at;
	}

	async #ensure(bytes: number): Promise<void> {
		const end = this.#at + bytes;
		if (end <= this.#start + this.#buffer.length) return;
		if (end > this.#blob.size) {
			throw new NotGguf(`the file ends at ${this.#blob.size} bytes, inside its header`);
		}
		const from = this.#at;
		const to = Math.min(this.#blob.size, Math.max(end, from + READ_CHUNK));
		const keep = this.#buffer.subarray(from - this.#start);
		const fresh = new Uint8Array(await this.#blob.slice(from + keep.length, to).arrayBuffer());
		const merged = new Uint8Array(keep.length + fresh.length);
		merged.set(keep);
		merged.set(fresh, keep.length);
		this.#buffer = merged;
		this.#view = new DataView(merged.buffer);
		this.#start = from;
	}

	#local(): number {
		return this.#at - this.#start;
	}

	async u32(): Promise<number> {
		await this.#ensure(4);
		const value = this.#view.getUint32(this.#local(), true);
		this.#at += 4;
		return value;
	}

	async u64(): Promise<number> {
		await this.#ensure(8);
		const value = this.#view.getBigUint64(this.#local(), true);
		this.#at += 8;
		if (value > BigInt(Number.MAX_SAFE_INTEGER))
			throw new NotGguf('a size in its header is absurd');
		return Number(value);
	}

	async scalar(type: number): Promise<number | bigint | boolean> {
		const size = FIXED_SIZES[type];
		if (size === undefined) throw new NotGguf(`its metadata has an unknown value type ${type}`);
		await this.#ensure(size);
		const at = this.#local();
		const view = this.#view;
		this.#at += size;
		switch (type) {
			case T.Uint8:
				return view.getUint8(at);
			case T.Int8:
				return view.getInt8(at);
			case T.Uint16:
				return view.getUint16(at, true);
			case T.Int16:
				return view.getInt16(at, true);
			case T.Uint32:
				return view.getUint32(at, true);
			case T.Int32:
				return view.getInt32(at, true);
			case T.Float32:
				return view.getFloat32(at, true);
			case T.Bool:
				return view.getUint8(at) !== 0;
			case T.Uint64:
				return view.getBigUint64(at, true);
			case T.Int64:
				return view.getBigInt64(at, true);
			default:
				return view.getFloat64(at, true);
		}
	}

	async string(): Promise<string> {
		const length = await this.u64();
		if (length > MAX_STRING) throw new NotGguf('a string in its header is absurdly long');
		await this.#ensure(length);
		const at = this.#local();
		const text = this.#decoder.decode(this.#buffer.subarray(at, at + length));
		this.#at += length;
		return text;
	}

	async skipString(): Promise<void> {
		const length = await this.u64();
		if (length > MAX_STRING) throw new NotGguf('a string in its header is absurdly long');
		this.#at += length;
	}

	/**
	 * Skips `n` strings (a vocabulary has 150,000): the ones already read in are skipped without
	 * awaiting, which makes a large header parse in milliseconds instead of seconds.
	 */
	async skipStrings(n: number): Promise<void> {
		for (let i = 0; i < n;) {
			const local = this.#at - this.#start;
			if (local >= 0 && local + 8 <= this.#buffer.length) {
				const length = this.#view.getBigUint64(local, true);
				if (length > BigInt(MAX_STRING)) {
					throw new NotGguf('a string in its header is absurdly long');
				}
				this.#at += 8 + Number(length);
				i++;
				continue;
			}
			await this.skipString();
			i++;
		}
	}

	skip(bytes: number): void {
		this.#at += bytes;
	}
}

function count(n: number, what: string): number {
	if (n > MAX_COUNT) throw new NotGguf(`it claims ${n} ${what}`);
	return n;
}

async function readValue(cursor: Cursor, type: number): Promise<unknown> {
	if (type === T.String) return cursor.string();
	if (type !== T.Array) return cursor.scalar(type);
	const itemType = await cursor.u32();
	const items = count(await cursor.u64(), 'array items');
	// Arrays (the vocabulary, merges, scores) are skipped: Hearth needs none of them.
	if (itemType === T.String) {
		await cursor.skipStrings(items);
	} else if (itemType === T.Array) {
		throw new NotGguf('it nests arrays, which GGUF does not allow');
	} else {
		const size = FIXED_SIZES[itemType];
		if (size === undefined) throw new NotGguf(`its metadata has an unknown array type ${itemType}`);
		cursor.skip(items * size);
	}
	return undefined;
}

const asNumber = (value: unknown): number | undefined =>
	typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;

function tensorBytes(type: number, dims: number[]): number | undefined {
	const sizes = TYPE_SIZES[type];
	if (!sizes) return undefined;
	const [block, bytes] = sizes;
	const [first = 1, ...rest] = dims;
	const rows = rest.reduce((a, b) => a * b, 1);
	return Math.ceil(first / block) * bytes * rows;
}

const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/**
 * Parses the header of a GGUF file. Throws HearthError('model_corrupt') naming what is wrong: not
 * a GGUF at all (an HTML error page, another format), an unknown version, a header cut short.
 */
export async function readGgufHeader(blob: BlobLike, label = 'The file'): Promise<GgufHeader> {
	try {
		return await parse(blob);
	} catch (e) {
		if (e instanceof NotGguf) {
			throw new HearthError('model_corrupt', `${label} is not a usable GGUF model: ${e.message}.`);
		}
		throw e;
	}
}

async function parse(blob: BlobLike): Promise<GgufHeader> {
	if (blob.size < 24) throw new NotGguf(`it is only ${blob.size} bytes long`);
	const cursor = new Cursor(blob);
	const magic = await cursor.u32();
	if (magic !== MAGIC) {
		const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
		const shown = [...head].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.'));
		throw new NotGguf(`it starts with "${shown.join('')}" instead of "GGUF"`);
	}
	const version = await cursor.u32();
	if (version !== 2 && version !== 3) {
		throw new NotGguf(`it is GGUF version ${version}; llama.cpp reads versions 2 and 3`);
	}
	const tensorCount = count(await cursor.u64(), 'tensors');
	const metadataCount = count(await cursor.u64(), 'metadata entries');
	const metadata = new Map<string, unknown>();
	for (let i = 0; i < metadataCount; i++) {
		const key = await cursor.string();
		const type = await cursor.u32();
		metadata.set(key, await readValue(cursor, type));
	}
	let last = 0;
	let known = true;
	for (let i = 0; i < tensorCount; i++) {
		await cursor.skipString();
		const dimCount = await cursor.u32();
		if (dimCount > MAX_DIMS) throw new NotGguf(`a tensor has ${dimCount} dimensions`);
		const dims: number[] = [];
		for (let d = 0; d < dimCount; d++) dims.push(await cursor.u64());
		const type = await cursor.u32();
		const offset = await cursor.u64();
		const bytes = tensorBytes(type, dims);
		if (bytes === undefined) known = false;
		else last = Math.max(last, offset + bytes);
	}
	const alignment = asNumber(metadata.get('general.alignment')) ?? 32;
	if (!Number.isInteger(alignment) || alignment <= 0) {
		throw new NotGguf(`its alignment ${alignment} is not a positive whole number`);
	}
	const dataOffset = alignUp(cursor.offset, alignment);
	const architecture = stringOf(metadata.get('general.architecture'));
	const splitCount = asNumber(metadata.get('split.count'));
	const splitIndex = asNumber(metadata.get('split.no'));
	return {
		version,
		tensorCount,
		metadataCount,
		...(architecture ? { architecture } : {}),
		...optional('name', stringOf(metadata.get('general.name'))),
		...optional(
			'contextLength',
			architecture ? asNumber(metadata.get(`${architecture}.context_length`)) : undefined
		),
		...optional('chatTemplate', stringOf(metadata.get('tokenizer.chat_template'))),
		...optional('fileType', asNumber(metadata.get('general.file_type'))),
		...(splitCount !== undefined && splitCount > 1
			? { split: { index: splitIndex ?? 0, count: splitCount } }
			: {}),
		projector: architecture === 'clip',
		dataOffset,
		...(known ? { minimumBytes: dataOffset + last } : {})
	};
}

function stringOf(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
	return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Checks that `blob` is a whole GGUF file: its header parses and it holds every byte its tensor
 * table points to. Throws model_corrupt with both numbers when a download was cut short.
 */
export async function verifyGgufFile(blob: BlobLike, label = 'The file'): Promise<GgufHeader> {
	const header = await readGgufHeader(blob, label);
	if (header.minimumBytes !== undefined && blob.size < header.minimumBytes) {
		throw new HearthError(
			'model_corrupt',
			`${label} is cut short: it is ${blob.size.toLocaleString('en')} bytes, but its own header needs ${header.minimumBytes.toLocaleString('en')}.`
		);
	}
	return header;
}
