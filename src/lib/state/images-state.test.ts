import { describe, expect, it } from 'vitest';
import { PendingImagesState } from '$lib/state/images.svelte';
import { ImageRepository, type NewImage } from '$lib/storage/images-repo';
import { freshDb } from '$lib/storage/test-db';
import type { HearthError } from '$lib/types/errors';
import { inspectImage } from '$lib/vision/inspect';
import { MAX_IMAGES_PER_MESSAGE } from '$lib/vision/limits';
import { encodePng } from '$lib/vision/test-images';

// The real repository (fake-indexeddb) and the real pre-decode checks; only the canvas step
// (decode and downscale, browser-only) is stood in for.
async function prepare(file: File, maxSide: number): Promise<NewImage> {
	const head = new Uint8Array(await file.arrayBuffer());
	inspectImage(file.name, file.size, head);
	return {
		name: file.name,
		mime: 'image/png',
		width: Math.min(maxSide, 2),
		height: 2,
		data: file,
		thumbnail: new Blob(['thumb'])
	};
}

const png = (name: string) => new File([encodePng(2, 2, new Uint8Array(4))], name);

function setup() {
	const repo = new ImageRepository(freshDb());
	const errors: HearthError[] = [];
	const created: string[] = [];
	const state = new PendingImagesState({
		repo,
		ensureConversation: async (hint) => {
			created.push(hint);
			return { id: 'c1' };
		},
		maxSide: () => 1344,
		prepare,
		onError: (e) => errors.push(e)
	});
	return { repo, state, errors, created };
}

describe('PendingImagesState', () => {
	it('stores good images as chips and names the file that is not an image', async () => {
		const { state, errors, repo, created } = setup();
		await state.add([png('a.png'), new File(['%PDF-1.7'], 'notes.pdf'), png('b.png')]);
		expect(state.chips.map((c) => c.name)).toEqual(['a.png', 'b.png']);
		expect(state.chips.every((c) => c.url.startsWith('blob:'))).toBe(true);
		expect(state.busy).toBe(0);
		expect(errors.map((e) => [e.code, e.message.slice(0, 28)])).toEqual([
			['image_invalid', '“notes.pdf” is not an image.']
		]);
		expect(created).toEqual(['a.png, b.png']);
		expect((await repo.listPending('c1')).map((r) => r.name)).toEqual(['a.png', 'b.png']);
	});

	it('leaves images over the per-message limit out, with a message', async () => {
		const { state, errors } = setup();
		const files = Array.from({ length: MAX_IMAGES_PER_MESSAGE + 2 }, (_, i) => png(`${i}.png`));
		await state.add(files);
		expect(state.count).toBe(MAX_IMAGES_PER_MESSAGE);
		expect(state.full).toBe(true);
		expect(errors[0]?.message).toContain('2 were left out');
	});

	it('hands the images to the sent message and empties the composer', async () => {
		const { state, repo } = setup();
		await state.add([png('a.png'), png('b.png')]);
		const refs = state.takeForSend();
		expect(refs.map((r) => [r.name, r.mime, r.width])).toEqual([
			['a.png', 'image/png', 2],
			['b.png', 'image/png', 2]
		]);
		expect(refs[0]).not.toHaveProperty('url');
		expect(state.chips).toEqual([]);
		await repo.attach(
			refs.map((r) => r.id),
			'm1'
		);
		expect(await repo.listPending('c1')).toEqual([]);
		expect((await repo.readForChat(refs)).length).toBe(2);
	});

	it('removes a chip and its stored image, and finds pending ones again after a reload', async () => {
		const { state, repo } = setup();
		await state.add([png('a.png'), png('b.png')]);
		await state.remove(state.chips[0]!.id);
		expect(state.chips.map((c) => c.name)).toEqual(['b.png']);
		const reloaded = new PendingImagesState({
			repo,
			ensureConversation: async () => ({ id: 'c1' }),
			maxSide: () => 1344,
			prepare,
			onError: () => {}
		});
		await reloaded.follow('c1');
		expect(reloaded.chips.map((c) => c.name)).toEqual(['b.png']);
		await reloaded.follow(null);
		expect(reloaded.chips).toEqual([]);
	});
});
