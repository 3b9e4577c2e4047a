// What an image file really is, read from its first bytes (never its name or claimed type), and
// its pixel size from the header, so a decompression bomb is refused before anything decodes it.

export type SniffedImageType =
	'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif' | 'image/bmp' | 'image/avif';

/** Enough of a file to find a JPEG's frame header behind a large EXIF block (≤ 64 KB each). */
export const HEAD_BYTES = 256 * 1024;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** BITMAPCOREHEADER, INFOHEADER, V2, V3, V4 and V5: a "BM" file has one of these sizes. */
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 108, 124]);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
	return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(at, at + length));
}

export function sniffImageType(head: Uint8Array): SniffedImageType | undefined {
	if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
	if (startsWith(head, PNG)) return 'image/png';
	if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'image/gif';
	if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'image/webp';
	if (ascii(head, 0, 2) === 'BM' && head.length >= 18) {
		if (BMP_HEADER_SIZES.has(new DataView(head.buffer, head.byteOffset).getUint32(14, true))) {
			return 'image/bmp';
		}
	}
	if (isAvif(head)) return 'image/avif';
	return undefined;
}

/** ISO-BMFF `ftyp` box whose major or a compatible brand is AVIF. */
function isAvif(head: Uint8Array): boolean {
	if (head.length < 16 || ascii(head, 4, 4) !== 'ftyp') return false;
	const boxSize = new DataView(head.buffer, head.byteOffset).getUint32(0);
	const end = Math.min(boxSize, head.length);
	if (AVIF_BRANDS.has(ascii(head, 8, 4))) return true;
	for (let at = 16; at + 4 <= end; at += 4) {
		if (AVIF_BRANDS.has(ascii(head, at, 4))) return true;
	}
	return false;
}

export interface PixelSize {
	width: number;
	height: number;
}

/** The stored pixel size from the header (before EXIF rotation); undefined when not found. */
export function readPixelSize(head: Uint8Array, type: SniffedImageType): PixelSize | undefined {
	const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
	const has = (n: number) => head.length >= n;
	switch (type) {
		case 'image/png':
			return has(24) ? { width: view.getUint32(16), height: view.getUint32(20) } : undefined;
		case 'image/gif':
			return has(10)
				? { width: view.getUint16(6, true), height: view.getUint16(8, true) }
				: undefined;
		case 'image/bmp': {
			if (!has(26)) return undefined;
			if (view.getUint32(14, true) === 12) {
				return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
			}
			// A negative height means rows are stored top-down.
			return {
				width: Math.abs(view.getInt32(18, true)),
				height: Math.abs(view.getInt32(22, true))
			};
		}
		case 'image/webp':
			return webpSize(head, view);
		case 'image/jpeg':
			return jpegSize(head, view);
		case 'image/avif':
			// Its size sits in an `ispe` box deep in the meta box; the decoder's size is checked instead.
			return undefined;
	}
}

function webpSize(head: Uint8Array, view: DataView): PixelSize | undefined {
	const kind = ascii(head, 12, 4);
	if (kind === 'VP8 ' && head.length >= 30) {
		return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
	}
	if (kind === 'VP8L' && head.length >= 25 && head[20] === 0x2f) {
		const bits = view.getUint32(21, true);
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
	}
	if (kind === 'VP8X' && head.length >= 30) {
		const u24 = (at: number) =>
			(head[at] ?? 0) | ((head[at + 1] ?? 0) << 8) | ((head[at + 2] ?? 0) << 16);
		return { width: u24(24) + 1, height: u24(27) + 1 };
	}
	return undefined;
}

/** Walks the JPEG's segments to the first start-of-frame marker. */
function jpegSize(head: Uint8Array, view: DataView): PixelSize | undefined {
	let at = 2;
	while (at + 9 < head.length) {
		if (head[at] !== 0xff) return undefined;
		const marker = head[at + 1] ?? 0;
		// Fill bytes and standalone markers carry no length.
		if (marker === 0xff) {
			at += 1;
			continue;
		}
		if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
			at += 2;
			continue;
		}
		const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
		if (isFrame) return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
		at += 2 + view.getUint16(at + 2);
	}
	return undefined;
}
