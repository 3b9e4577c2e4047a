import { describe, expect, it } from 'vitest';
import { readPixelSize, sniffImageType } from '$lib/vision/sniff';
import { encodePng } from '$lib/vision/test-images';

const bytes = (...parts: (number[] | string)[]) =>
	new Uint8Array(
		parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p))
	);
const u16be = (n: number) => [n >> 8, n & 0xff];
const u16le = (n: number) => [n & 0xff, n >> 8];
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const u32be = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** SOI, an APPn segment of `appBytes`, then a baseline SOF0 frame header. */
function jpegHead(width: number, height: number, appBytes = 16): Uint8Array {
	return bytes(
		[0xff, 0xd8],
		[0xff, 0xe1, ...u16be(appBytes + 2)],
		new Array<number>(appBytes).fill(0x45),
		[0xff, 0xc0, ...u16be(17), 8, ...u16be(height), ...u16be(width), 3],
		new Array<number>(9).fill(0)
	);
}

describe('sniffImageType', () => {
	it('knows each supported image by its first bytes', () => {
		expect(sniffImageType(encodePng(3, 2, new Uint8Array(6)))).toBe('image/png');
		expect(sniffImageType(jpegHead(10, 10))).toBe('image/jpeg');
		expect(sniffImageType(bytes('GIF89a', [1, 0, 1, 0]))).toBe('image/gif');
		expect(sniffImageType(bytes('GIF87a', [1, 0, 1, 0]))).toBe('image/gif');
		expect(sniffImageType(bytes('RIFF', u32le(100), 'WEBPVP8 '))).toBe('image/webp');
		expect(sniffImageType(bytes('BM', u32le(100), u32le(0), u32le(54), u32le(40)))).toBe(
			'image/bmp'
		);
		expect(sniffImageType(bytes(u32be(24), 'ftypavif', u32be(0), 'mif1miaf'))).toBe('image/avif');
		// AVIF named only among the compatible brands.
		expect(sniffImageType(bytes(u32be(24), 'ftypmif1', u32be(0), 'miafavif'))).toBe('image/avif');
	});

	it('refuses what only claims to be an image', () => {
		expect(sniffImageType(bytes('%PDF-1.7\n'))).toBeUndefined();
		expect(sniffImageType(bytes('hello, world'))).toBeUndefined();
		expect(sniffImageType(new Uint8Array())).toBeUndefined();
		// A text file that starts with "BM" is not a bitmap.
		expect(sniffImageType(bytes('BMW drivers are a kind of people'))).toBeUndefined();
		// An MP4 is ISO-BMFF too.
		expect(sniffImageType(bytes(u32be(24), 'ftypisom', u32be(0), 'isomiso2'))).toBeUndefined();
		// HEIC is not something every browser decodes.
		expect(sniffImageType(bytes(u32be(24), 'ftypheic', u32be(0), 'mif1heic'))).toBeUndefined();
		// ZIP (a .docx), and a RIFF that is audio.
		expect(sniffImageType(bytes('PK', [3, 4], 'rest'))).toBeUndefined();
		expect(sniffImageType(bytes('RIFF', u32le(100), 'WAVEfmt '))).toBeUndefined();
	});
});

describe('readPixelSize', () => {
	it('reads the size each header states', () => {
		expect(readPixelSize(encodePng(300, 20, new Uint8Array(6000)), 'image/png')).toEqual({
			width: 300,
			height: 20
		});
		expect(readPixelSize(bytes('GIF89a', u16le(640), u16le(480)), 'image/gif')).toEqual({
			width: 640,
			height: 480
		});
		const bmp = bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40), u32le(800), u32le(-600));
		expect(readPixelSize(bmp, 'image/bmp')).toEqual({ width: 800, height: 600 });
	});

	it('walks a JPEG past a large EXIF block to its frame header', () => {
		expect(readPixelSize(jpegHead(4032, 3024), 'image/jpeg')).toEqual({
			width: 4032,
			height: 3024
		});
		expect(readPixelSize(jpegHead(12000, 9000, 60_000), 'image/jpeg')).toEqual({
			width: 12000,
			height: 9000
		});
		// Cut before the frame header: unknown, not a guess.
		expect(readPixelSize(jpegHead(10, 10, 60_000).subarray(0, 1000), 'image/jpeg')).toBeUndefined();
	});

	it('reads the three WebP flavours', () => {
		const lossy = bytes(
			'RIFF',
			u32le(100),
			'WEBPVP8 ',
			u32le(50),
			[0, 0, 0, 0x9d, 0x01, 0x2a],
			u16le(1920),
			u16le(1080)
		);
		expect(readPixelSize(lossy, 'image/webp')).toEqual({ width: 1920, height: 1080 });
		const bits = (1024 - 1) | ((768 - 1) << 14);
		const lossless = bytes('RIFF', u32le(100), 'WEBPVP8L', u32le(50), [0x2f], u32le(bits));
		expect(readPixelSize(lossless, 'image/webp')).toEqual({ width: 1024, height: 768 });
		const w = 30000 - 1;
		const h = 20000 - 1;
		const extended = bytes(
			'RIFF',
			u32le(100),
			'WEBPVP8X',
			u32le(10),
			[0, 0, 0, 0],
			[w & 0xff, (w >> 8) & 0xff, w >> 16],
			[h & 0xff, (h >> 8) & 0xff, h >> 16]
		);
		expect(readPixelSize(extended, 'image/webp')).toEqual({ width: 30000, height: 20000 });
	});
});
