import * as v from 'valibot';
import type { HearthDb } from '$lib/storage/db';
import type { StoredImage } from '$lib/types/agent-data';
import { IMAGE_MIMES } from '$lib/types/llm';
import { base64ToBytes, blobToBase64 } from '$lib/utils/base64';
import { Timestamp } from '$lib/storage/export-values';

// Images sent with messages, in a backup: their bytes as base64 (the file is JSON), with the
// thumbnail, so a restored conversation shows its pictures again.

export interface ExportedImage extends Omit<StoredImage, 'data' | 'thumbnail'> {
	data: string;
	thumbnail: string;
}

const Mime = v.picklist(IMAGE_MIMES);
const Finite = v.pipe(v.number(), v.finite());
const Base64 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Expected base64'));

export const ImageRefSchema = v.object({
	id: v.string(),
	name: v.string(),
	width: Finite,
	height: Finite,
	mime: Mime,
	bytes: Finite,
	ocrText: v.optional(v.string())
});

export const ExportedImageSchema = v.object({
	id: v.pipe(v.string(), v.minLength(1)),
	conversationId: v.string(),
	messageId: v.nullable(v.string()),
	name: v.string(),
	mime: Mime,
	width: Finite,
	height: Finite,
	addedAt: Timestamp,
	data: Base64,
	thumbnail: Base64
});

/** Stored images with their bytes as base64 (outside any transaction: blob reads are not IDB). */
export async function encodeImages(rows: readonly StoredImage[]): Promise<ExportedImage[]> {
	return Promise.all(
		rows.map(async (row) => ({
			...row,
			data: await blobToBase64(row.data),
			thumbnail: await blobToBase64(row.thumbnail)
		}))
	);
}

/** Adds the backup's images this device does not have (by id); returns how many were added. */
export async function writeImages(db: HearthDb, images: readonly ExportedImage[]): Promise<number> {
	if (images.length === 0) return 0;
	return db.transaction('rw', db.images, async () => {
		const local = await db.images.bulkGet(images.map((i) => i.id));
		const fresh: StoredImage[] = images
			.filter((_, i) => !local[i])
			.map((i) => ({
				...i,
				data: new Blob([base64ToBytes(i.data)], { type: i.mime }),
				thumbnail: new Blob([base64ToBytes(i.thumbnail)], { type: 'image/jpeg' })
			}));
		await db.images.bulkAdd(fresh);
		return fresh.length;
	});
}
