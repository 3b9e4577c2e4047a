import type { ChatImage } from '$lib/types/llm';
import { HearthError } from '$lib/types/errors';
import { inspectImage } from '$lib/vision/inspect';
import {
	checkPixels,
	encodingsFor,
	fitWithin,
	pickEncoding,
	PHOTO_QUALITY,
	THUMBNAIL_QUALITY,
	THUMBNAIL_SIDE,
	unreadableImage,
	type OutputMime
} from '$lib/vision/limits';
import { HEAD_BYTES, type PixelSize } from '$lib/vision/sniff';

// Browser-only: decode (EXIF orientation applied), downscale and re-encode an image, and make its
// thumbnail. Re-encoding always also drops metadata such as a photo's GPS position.
// The decisions (limits, sizes, which encoding) are the pure functions in `vision/limits.ts`.

export interface PreparedImage {
	name: string;
	mime: ChatImage['mime'];
	width: number;
	height: number;
	data: Blob;
	/** JPEG, ≤ THUMBNAIL_SIDE on its long side. */
	thumbnail: Blob;
}

export async function prepareImage(
	file: Blob,
	name: string,
	maxSide: number
): Promise<PreparedImage> {
	const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
	const { type } = inspectImage(name, file.size, head);
	let source: ImageBitmap;
	try {
		source = await createImageBitmap(file, { imageOrientation: 'from-image' });
	} catch (e) {
		throw unreadableImage(name, type, e);
	}
	try {
		const full = { width: source.width, height: source.height };
		checkPixels(name, full);
		const target = fitWithin(full, maxSide);
		const encoded = await Promise.all(
			encodingsFor(type).map((mime) => encode(source, target, mime, PHOTO_QUALITY))
		);
		const best = pickEncoding(encoded);
		if (!best) throw unreadableImage(name, type);
		const thumb = await encode(
			source,
			fitWithin(full, THUMBNAIL_SIDE),
			'image/jpeg',
			THUMBNAIL_QUALITY
		);
		return { name, mime: best.mime, ...target, data: best.blob, thumbnail: thumb.blob };
	} finally {
		source.close();
	}
}

interface Encoded {
	mime: OutputMime;
	blob: Blob;
	size: number;
}

async function encode(
	source: ImageBitmap,
	size: PixelSize,
	mime: OutputMime,
	quality: number
): Promise<Encoded> {
	// createImageBitmap's own resize filters well in one step; drawImage alone aliases at 1/4.
	const scaled =
		size.width === source.width && size.height === source.height
			? source
			: await createImageBitmap(source, {
					resizeWidth: size.width,
					resizeHeight: size.height,
					resizeQuality: 'high'
				});
	try {
		const canvas = new OffscreenCanvas(size.width, size.height);
		const context = canvas.getContext('2d');
		if (!context) throw new HearthError('not_supported', 'This browser cannot draw images.');
		// JPEG has no transparency: a transparent screenshot would otherwise turn black.
		if (mime === 'image/jpeg') {
			context.fillStyle = '#fff';
			context.fillRect(0, 0, size.width, size.height);
		}
		context.drawImage(scaled, 0, 0);
		const blob = await canvas.convertToBlob({ type: mime, quality });
		return { mime, blob, size: blob.size };
	} finally {
		if (scaled !== source) scaled.close();
	}
}
