import { describe, expect, it } from 'vitest';
import type { HearthError } from '$lib/types/errors';
import { inspectImage } from '$lib/vision/inspect';
import {
	admitCount,
	encodingsFor,
	fitWithin,
	MAX_IMAGE_BYTES,
	MAX_IMAGES_PER_MESSAGE,
	pickEncoding,
	unreadableImage
} from '$lib/vision/limits';
import { encodePng } from '$lib/vision/test-images';

function thrown(f: () => unknown): HearthError {
	try {
		f();
	} catch (e) {
		return e as HearthError;
	}
	throw new Error('did not throw');
}

/** A PNG signature and IHDR claiming any size: what a decompression bomb looks like up front. */
function pngHeader(width: number, height: number): Uint8Array {
	const png = encodePng(1, 1, new Uint8Array(1));
	const view = new DataView(png.buffer);
	view.setUint32(16, width);
	view.setUint32(20, height);
	return png;
}

describe('fitWithin', () => {
	it('scales the long side down to the limit, keeping the shape', () => {
		expect(fitWithin({ width: 4032, height: 3024 }, 1344)).toEqual({ width: 1344, height: 1008 });
		expect(fitWithin({ width: 1080, height: 2400 }, 1344)).toEqual({ width: 605, height: 1344 });
		expect(fitWithin({ width: 4000, height: 4000 }, 160)).toEqual({ width: 160, height: 160 });
	});

	it('never enlarges, and never reaches zero', () => {
		expect(fitWithin({ width: 640, height: 480 }, 1344)).toEqual({ width: 640, height: 480 });
		expect(fitWithin({ width: 10000, height: 3 }, 160)).toEqual({ width: 160, height: 1 });
	});
});

describe('inspectImage', () => {
	it('names a file that is not an image, whatever it is called', () => {
		const pdf = new TextEncoder().encode('%PDF-1.7 ...');
		const error = thrown(() => inspectImage('notes.pdf', pdf.length, pdf));
		expect(error.code).toBe('image_invalid');
		expect(error.message).toContain('“notes.pdf” is not an image');
		// A renamed PDF is still a PDF.
		expect(thrown(() => inspectImage('photo.jpg', pdf.length, pdf)).code).toBe('image_invalid');
	});

	it('refuses empty files and files over the byte limit before reading them', () => {
		expect(thrown(() => inspectImage('a.png', 0, new Uint8Array())).code).toBe('image_invalid');
		const big = thrown(() => inspectImage('pano.jpg', MAX_IMAGE_BYTES + 1, new Uint8Array()));
		expect(big.code).toBe('image_too_large');
		expect(big.message).toBe('“pano.jpg” is 40 MB; images up to 40 MB can be added.');
	});

	it('refuses a picture whose header claims over 100 megapixels, without decoding it', () => {
		const bomb = pngHeader(20000, 20000);
		const error = thrown(() => inspectImage('bomb.png', bomb.length, bomb));
		expect(error.code).toBe('image_too_large');
		expect(error.message).toContain('20000 × 20000 pixels');
		expect(inspectImage('ok.png', 100, pngHeader(10000, 10000))).toEqual({
			type: 'image/png',
			pixels: { width: 10000, height: 10000 }
		});
	});

	it('says when a real-looking image could not be decoded', () => {
		expect(unreadableImage('x.png', 'image/png').message).toContain('may be damaged');
		expect(unreadableImage('x.avif', 'image/avif').message).toContain('AVIF');
	});
});

describe('admitCount', () => {
	it('takes what fits and says how many were left out', () => {
		expect(admitCount(0, 3)).toEqual({ take: 3 });
		expect(admitCount(6, 3)).toEqual({
			take: 2,
			message: `A message can carry up to ${MAX_IMAGES_PER_MESSAGE} images; 1 was left out.`
		});
		expect(admitCount(8, 2).take).toBe(0);
		expect(admitCount(8, 2).message).toContain('2 were left out');
	});
});

describe('encodings', () => {
	it('tries PNG first for lossless sources and JPEG only for photos', () => {
		expect(encodingsFor('image/png')).toEqual(['image/png', 'image/jpeg']);
		expect(encodingsFor('image/bmp')).toEqual(['image/png', 'image/jpeg']);
		expect(encodingsFor('image/jpeg')).toEqual(['image/jpeg']);
		expect(encodingsFor('image/webp')).toEqual(['image/jpeg']);
	});

	it('keeps the lossless encoding unless the lossy one is at least 3x smaller', () => {
		const pick = (png: number, jpg: number) =>
			pickEncoding([
				{ id: 'png', size: png },
				{ id: 'jpg', size: jpg }
			])?.id;
		expect(pick(900, 300)).toBe('jpg');
		expect(pick(900, 400)).toBe('png');
		expect(pick(300, 400)).toBe('png');
		expect(pickEncoding([{ id: 'jpg', size: 5 }])?.id).toBe('jpg');
		expect(pickEncoding([])).toBeUndefined();
	});
});
