import { deflateSync } from 'node:zlib';

// Node-only helpers that make real image files for tests: a minimal PNG encoder (8-bit
// greyscale or RGBA, one IDAT, filter 0) and a 5×7 bitmap font for text OCR can read.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length);
	out.set(new TextEncoder().encode(type), 4);
	out.set(data, 8);
	view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
	return out;
}

/** A PNG of `pixels` (row-major, `channels` bytes each: 1 = grey, 4 = RGBA). */
export function encodePng(
	width: number,
	height: number,
	pixels: Uint8Array,
	channels: 1 | 4 = 1
): Uint8Array<ArrayBuffer> {
	const header = new Uint8Array(13);
	const view = new DataView(header.buffer);
	view.setUint32(0, width);
	view.setUint32(4, height);
	header[8] = 8;
	header[9] = channels === 1 ? 0 : 6;
	const stride = width * channels;
	const raw = new Uint8Array((stride + 1) * height);
	for (let y = 0; y < height; y++) {
		raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
	}
	const parts = [
		new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', new Uint8Array(deflateSync(raw))),
		chunk('IEND', new Uint8Array())
	];
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

// Classic 5×7 glyphs, one string per row; only the characters the tests write.
const FONT: Record<string, string[]> = {
	A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
	C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
	D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
	E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
	H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
	I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
	L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
	N: ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
	O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
	R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
	S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
	T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
	'2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
	'4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
	'7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
	' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....']
};

/** Black text on white, `scale` pixels per font cell, as greyscale pixels. */
export function renderText(
	text: string,
	scale = 6,
	margin = 24,
	gap = 2
): { width: number; height: number; pixels: Uint8Array } {
	const glyphs = [...text.toUpperCase()].map((ch) => {
		const glyph = FONT[ch];
		if (!glyph) throw new Error(`test font has no glyph for ${JSON.stringify(ch)}`);
		return glyph;
	});
	const pitch = 5 + gap;
	const cellsWide = glyphs.length * pitch - gap;
	const width = cellsWide * scale + margin * 2;
	const height = 7 * scale + margin * 2;
	const pixels = new Uint8Array(width * height).fill(255);
	glyphs.forEach((glyph, i) => {
		glyph.forEach((row, gy) => {
			[...row].forEach((cell, gx) => {
				if (cell !== '#') return;
				const x0 = margin + (i * pitch + gx) * scale;
				const y0 = margin + gy * scale;
				for (let y = y0; y < y0 + scale; y++)
					pixels.fill(0, y * width + x0, y * width + x0 + scale);
			});
		});
	});
	return { width, height, pixels };
}

/** A PNG of `text` in the test font. */
export function textPng(text: string, scale = 6, gap = 2): Uint8Array<ArrayBuffer> {
	const { width, height, pixels } = renderText(text, scale, 24, gap);
	return encodePng(width, height, pixels, 1);
}
