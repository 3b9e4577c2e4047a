import { describe, expect, it } from 'vitest';
import { ImageRepository, imageRef, type NewImage } from '$lib/storage/images-repo';
import { freshDb } from '$lib/storage/test-db';
import { encodePng } from '$lib/vision/test-images';

function image(name: string, fill = 0): NewImage {
	const data = new Blob([encodePng(2, 2, new Uint8Array(4).fill(fill))], { type: 'image/png' });
	return { name, mime: 'image/png', width: 2, height: 2, data, thumbnail: new Blob(['t']) };
}

describe('ImageRepository', () => {
	it('keeps composer images pending per conversation, in the order added', async () => {
		const repo = new ImageRepository(freshDb());
		await repo.addPending('c1', [image('a.png'), image('b.png')]);
		await repo.addPending('c1', [image('c.png')]);
		await repo.addPending('c2', [image('other.png')]);
		expect((await repo.listPending('c1')).map((r) => r.name)).toEqual(['a.png', 'b.png', 'c.png']);
		expect((await repo.listPending('c2')).map((r) => r.name)).toEqual(['other.png']);
	});

	it('attaches pending images to the message they were sent with', async () => {
		const repo = new ImageRepository(freshDb());
		const [a, b, c] = await repo.addPending('c1', [image('a.png'), image('b.png'), image('c.png')]);
		await repo.attach([a!.id, b!.id], 'm1');
		expect((await repo.listByMessage('m1')).map((r) => r.name)).toEqual(['a.png', 'b.png']);
		expect((await repo.listPending('c1')).map((r) => r.name)).toEqual(['c.png']);
		// A sent image stays with its message; an unknown id is ignored.
		await repo.attach([a!.id, c!.id, 'gone'], 'm2');
		expect((await repo.listByMessage('m1')).map((r) => r.name)).toEqual(['a.png', 'b.png']);
		expect((await repo.listByMessage('m2')).map((r) => r.name)).toEqual(['c.png']);
		expect(await repo.listPending('c1')).toEqual([]);
	});

	it('reads images as base64 for the engines, in the order the message names them', async () => {
		const repo = new ImageRepository(freshDb());
		const [a, b] = await repo.addPending('c1', [image('a.png', 0), image('b.png', 255)]);
		const chat = await repo.readForChat([{ id: b!.id }, { id: 'deleted' }, { id: a!.id }]);
		expect(chat).toHaveLength(2);
		expect(chat[0]?.mime).toBe('image/png');
		expect(chat[0]?.base64).toBe(
			Buffer.from(encodePng(2, 2, new Uint8Array(4).fill(255))).toString('base64')
		);
		expect(chat[1]?.base64).toBe(
			Buffer.from(encodePng(2, 2, new Uint8Array(4))).toString('base64')
		);
	});

	it('removes one image, and a conversation’s images with an undo', async () => {
		const repo = new ImageRepository(freshDb());
		const [a] = await repo.addPending('c1', [image('a.png'), image('b.png')]);
		await repo.remove(a!.id);
		expect((await repo.listPending('c1')).map((r) => r.name)).toEqual(['b.png']);
		await repo.addPending('c2', [image('keep.png')]);
		const deleted = await repo.deleteByConversation('c1');
		expect(deleted.map((r) => r.name)).toEqual(['b.png']);
		expect(await repo.listPending('c1')).toEqual([]);
		expect((await repo.listPending('c2')).map((r) => r.name)).toEqual(['keep.png']);
		await repo.restore(deleted);
		expect((await repo.listPending('c1')).map((r) => r.name)).toEqual(['b.png']);
	});

	it('describes a stored image as a message refers to it', async () => {
		const repo = new ImageRepository(freshDb());
		const [row] = await repo.addPending('c1', [image('a.png')]);
		expect(imageRef(row!)).toEqual({
			id: row!.id,
			name: 'a.png',
			width: 2,
			height: 2,
			mime: 'image/png',
			bytes: row!.data.size
		});
		expect(imageRef(row!, 'HELLO').ocrText).toBe('HELLO');
	});
});
