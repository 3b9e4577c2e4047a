import { describe, expect, it } from 'vitest';
import { exportAll, importExport } from '$lib/storage/export';
import { conversation, message } from '$lib/storage/export-fixtures';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

describe('backup of images sent with messages', () => {
	it('carries the bytes and thumbnails, and restores them with the message refs', async () => {
		const db = freshDb();
		const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
		await db.conversations.add(conversation('c1'));
		const ref = {
			id: 'i1',
			name: 'shot.png',
			width: 20,
			height: 10,
			mime: 'image/png' as const,
			bytes: bytes.length,
			ocrText: 'ERROR 42'
		};
		await db.messages.add(message('m1', 'c1', { images: [ref] }));
		await db.images.add({
			...ref,
			conversationId: 'c1',
			messageId: 'm1',
			addedAt: 5,
			data: new Blob([bytes], { type: 'image/png' }),
			thumbnail: new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' })
		});
		await db.settings.put({
			key: 'settings',
			value: { ...DEFAULT_SETTINGS, speechRate: 1.5, imageMaxSide: 1024, sttEngine: 'browser' }
		});

		const data = parseExport(JSON.stringify(await exportAll(db)));
		expect(data.settings).toMatchObject({
			speechRate: 1.5,
			imageMaxSide: 1024,
			sttEngine: 'browser'
		});
		const other = freshDb();
		expect(await importExport(other, data)).toMatchObject({ imagesAdded: 1, messagesAdded: 1 });
		expect((await other.messages.get('m1'))?.images).toEqual([ref]);
		const restored = await other.images.get('i1');
		expect(new Uint8Array(await restored!.data.arrayBuffer())).toEqual(bytes);
		expect(restored?.data.type).toBe('image/png');
		expect([...new Uint8Array(await restored!.thumbnail.arrayBuffer())]).toEqual([1, 2, 3]);
		expect(await importExport(other, data)).toMatchObject({ imagesAdded: 0 });
	});

	it('refuses an image that belongs to no conversation in the file, or is not base64', async () => {
		const base = { format: 'hearth-export', version: 1, exportedAt: 1, messages: [] };
		const image = {
			id: 'i1',
			conversationId: 'c1',
			messageId: null,
			name: 'x.png',
			mime: 'image/png',
			width: 1,
			height: 1,
			addedAt: 1,
			data: 'AAAA',
			thumbnail: 'AAAA'
		};
		expect(() =>
			parseExport(JSON.stringify({ ...base, conversations: [], images: [image] }))
		).toThrow(/images\[0\]\.conversationId/);
		expect(() =>
			parseExport(
				JSON.stringify({
					...base,
					conversations: [conversation('c1')],
					images: [{ ...image, data: '<svg onload=alert(1)>' }]
				})
			)
		).toThrow(/images/);
	});
});
