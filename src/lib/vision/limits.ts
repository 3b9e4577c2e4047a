import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';
import type { PixelSize, SniffedImageType } from '$lib/vision/sniff';

// The rules an image must pass before and after decoding, and the sizes it is stored at.
// Pure: the canvas work that applies them is in `vision/downscale.ts`.

/** Larger files are refused before they are read. */
export const MAX_IMAGE_BYTES = 40_000_000;
/** Decoding more than this would take gigabytes of memory (100 MP × 4 bytes = 400 MB). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** Per message: vision models slow down and lose track with many images, and each costs context. */
export const MAX_IMAGES_PER_MESSAGE = 8;
export const THUMBNAIL_SIDE = 160;
export const PHOTO_QUALITY = 0.85;
export const THUMBNAIL_QUALITY = 0.7;

export type OutputMime = 'image/jpeg' | 'image/png';

const TYPE_NAMES: Record<SniffedImageType, string> = {
	'image/jpeg': 'JPEG',
	'image/png': 'PNG',
	'image/webp': 'WebP',
	'image/gif': 'GIF',
	'image/bmp': 'BMP',
	'image/avif': 'AVIF'
};

export function typeName(type: SniffedImageType): string {
	return TYPE_NAMES[type];
}

/** A size that fits in `maxSide` × `maxSide`, keeping the aspect ratio; never enlarges. */
export function fitWithin(size: PixelSize, maxSide: number): PixelSize {
	const side = Math.max(1, Math.floor(maxSide));
	const longest = Math.max(size.width, size.height);
	if (longest <= side) return { width: size.width, height: size.height };
	const scale = side / longest;
	return {
		width: Math.max(1, Math.round(size.width * scale)),
		height: Math.max(1, Math.round(size.height * scale))
	};
}

export function notAnImage(name: string): HearthError {
	return new HearthError(
		'image_invalid',
		`“${name}” is not an image. Hearth can read JPEG, PNG, WebP, GIF, BMP and AVIF pictures.`
	);
}

export function unreadableImage(
	name: string,
	type: SniffedImageType,
	cause?: unknown
): HearthError {
	const advice =
		type === 'image/avif'
			? 'this browser may not open AVIF pictures; try a JPEG or PNG'
			: 'it may be damaged or cut short';
	return new HearthError(
		'image_invalid',
		`“${name}” looks like a ${typeName(type)} image but could not be opened: ${advice}.`,
		{ cause }
	);
}

export function checkFileSize(name: string, bytes: number): void {
	if (bytes === 0) throw new HearthError('image_invalid', `“${name}” is empty.`);
	if (bytes > MAX_IMAGE_BYTES) {
		throw new HearthError(
			'image_too_large',
			`“${name}” is ${formatBytes(bytes)}; images up to ${formatBytes(MAX_IMAGE_BYTES)} can be added.`
		);
	}
}

export function checkPixels(name: string, size: PixelSize): void {
	if (size.width <= 0 || size.height <= 0) {
		throw new HearthError('image_invalid', `“${name}” has no pixels.`);
	}
	if (size.width * size.height > MAX_IMAGE_PIXELS) {
		throw new HearthError(
			'image_too_large',
			`“${name}” is ${size.width} × ${size.height} pixels; images up to ${MAX_IMAGE_PIXELS / 1e6} megapixels can be added.`
		);
	}
}

/** How many of `adding` images still fit beside `current` ones, and a sentence if some do not. */
export function admitCount(
	current: number,
	adding: number,
	max = MAX_IMAGES_PER_MESSAGE
): { take: number; message?: string } {
	const take = Math.max(0, Math.min(adding, max - current));
	if (take === adding) return { take };
	const left = adding - take;
	return {
		take,
		message: `A message can carry up to ${max} images; ${left === 1 ? '1 was' : `${left} were`} left out.`
	};
}

/**
 * The encodings to try, best guess first. Photos (JPEG, WebP, AVIF) become JPEG. Lossless sources
 * (screenshots, diagrams, text) are tried as PNG and JPEG: see `pickEncoding`.
 */
export function encodingsFor(type: SniffedImageType): readonly OutputMime[] {
	return type === 'image/png' || type === 'image/gif' || type === 'image/bmp'
		? ['image/png', 'image/jpeg']
		: ['image/jpeg'];
}

/**
 * How much smaller a lossy encoding must be to replace the lossless one. JPEG blurs the edges of
 * text: a screenshot read with JPEG artefacts gave on-device OCR "EERDOS" for "READS" (vision
 * models suffer the same), so PNG stays unless the picture is photographic and JPEG saves a lot.
 */
export const LOSSY_MUST_SAVE = 3;

/** The first (preferred, lossless) candidate, unless a later one is LOSSY_MUST_SAVE× smaller. */
export function pickEncoding<T extends { size: number }>(candidates: readonly T[]): T | undefined {
	const [first, ...rest] = candidates;
	if (!first) return undefined;
	const smallest = rest.reduce((best, c) => (c.size < best.size ? c : best), first);
	return smallest.size * LOSSY_MUST_SAVE <= first.size ? smallest : first;
}
