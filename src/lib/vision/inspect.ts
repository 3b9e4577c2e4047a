import { checkFileSize, checkPixels, notAnImage } from '$lib/vision/limits';
import {
	readPixelSize,
	sniffImageType,
	type PixelSize,
	type SniffedImageType
} from '$lib/vision/sniff';

export interface InspectedImage {
	type: SniffedImageType;
	/** From the header, when it states it (undefined for AVIF and odd JPEGs). */
	pixels?: PixelSize;
}

/**
 * Everything that can be known about a file before decoding it: its size in bytes, what its
 * first bytes say it is, and the pixel size its header claims. Throws image_invalid or
 * image_too_large, naming the file.
 */
export function inspectImage(name: string, bytes: number, head: Uint8Array): InspectedImage {
	checkFileSize(name, bytes);
	const type = sniffImageType(head);
	if (!type) throw notAnImage(name);
	const pixels = readPixelSize(head, type);
	if (pixels) checkPixels(name, pixels);
	return pixels ? { type, pixels } : { type };
}
