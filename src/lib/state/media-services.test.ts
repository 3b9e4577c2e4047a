import { describe, expect, it } from 'vitest';
import type { EngineState } from '$lib/state/engine.svelte';
import { MediaServices, type OcrLike } from '$lib/state/media-services';
import { imageRef } from '$lib/storage/images-repo';
import { freshDb } from '$lib/storage/test-db';
import type { ImageRef, Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import type { EngineKind } from '$lib/types/llm';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// What a conversation's images become for the model that answers. The images table and the
// chat's message shapes are real; the OCR engine (Tesseract, a library we do not own) and the
// installed-models list are stood in for.

function setup(
	overrides: Partial<Settings> = {},
	models: Partial<Record<EngineKind, string[]>> = {}
) {
	const db = freshDb();
	const settings: Settings = { ...DEFAULT_SETTINGS, ...overrides };
	const reads: string[] = [];
	let failNext = false;
	const ocr: OcrLike = {
		read: async (image) => {
			if (failNext) {
				failNext = false;
				throw new HearthError('ocr_failed', 'The text could not be read.');
			}
			const text = await (image as Blob).text();
			reads.push(text);
			return { text: `read: ${text}`, confidence: 90 };
		},
		dispose: async () => undefined
	};
	const offers: string[] = [];
	const errors: string[] = [];
	const candidates = {
		webllm: { models: (models.webllm ?? []).map((id) => ({ id })) },
		ollama: { models: (models.ollama ?? []).map((id) => ({ id })) },
		openai: { models: (models.openai ?? []).map((id) => ({ id })) }
	};
	const media = new MediaServices({
		db,
		settings: () => settings,
		net: (url, init) => fetch(url, init),
		engine: { candidates } as unknown as EngineState,
		ensureConversation: async () => ({ id: 'c1' }),
		onTranscript: () => undefined,
		offerVisionModel: (kind, model) => offers.push(`${kind}:${model}`),
		notice: () => undefined,
		onError: (e) => errors.push(e.code),
		createOcr: async () => ocr
	});
	return { db, media, reads, offers, errors, failOcr: () => (failNext = true) };
}

async function imageMessage(
	media: MediaServices,
	id: string,
	texts: string[]
): Promise<Message & { images: ImageRef[] }> {
	const rows = await media.images.addPending(
		'c1',
		texts.map((text, i) => ({
			name: `shot${i}.png`,
			mime: 'image/png' as const,
			width: 10,
			height: 10,
			data: new Blob([text], { type: 'image/png' }),
			thumbnail: new Blob(['t'], { type: 'image/jpeg' })
		}))
	);
	await media.images.attach(
		rows.map((r) => r.id),
		id
	);
	return {
		id,
		conversationId: 'c1',
		parentId: null,
		role: 'user',
		content: 'what does it say?',
		status: 'done',
		createdAt: 1,
		updatedAt: 1,
		images: rows.map((r) => imageRef(r))
	};
}

function run(media: MediaServices, thread: Message[], kind: EngineKind, model: string) {
	const saved = new Map<string, ImageRef[]>();
	const visuals = media.chatHooks().visuals({
		thread,
		kind,
		model,
		signal: new AbortController().signal,
		saveImages: async (id, images) => {
			saved.set(id, images);
			const message = thread.find((m) => m.id === id);
			if (message) message.images = images;
		}
	});
	return { visuals, saved };
}

describe('MediaServices: images for the model that answers', () => {
	it('gives a model that sees the image bytes, base64, and reads nothing', async () => {
		const { media, reads } = setup();
		const message = await imageMessage(media, 'm1', ['PIXELS']);
		const { visuals } = run(media, [message], 'openai', 'llava-1.6');
		const visual = (await visuals).get('m1');
		expect(visual?.images).toEqual([{ mime: 'image/png', base64: btoa('PIXELS') }]);
		expect(visual?.text).toBeUndefined();
		expect(reads).toEqual([]);
	});

	it('sends only the newest images to the in-browser vision model (its window is small)', async () => {
		const { media } = setup();
		const older = await imageMessage(media, 'm1', ['OLD']);
		const newer = await imageMessage(media, 'm2', ['NEW']);
		const model = 'Phi-3.5-vision-instruct-q4f16_1-MLC';
		const { visuals } = run(media, [older, newer], 'webllm', model);
		const out = await visuals;
		expect(out.get('m2')?.images?.map((i) => atob(i.base64))).toEqual(['NEW']);
		expect(out.get('m1')?.images).toBeUndefined();
		expect(out.get('m1')?.text).toContain('read: OLD');
	});

	it('reads the text of images for a blind model once, keeps it on the message, and offers a vision model', async () => {
		const { media, reads, offers } = setup({}, { ollama: ['llama3.2:1b'], openai: ['llava-13b'] });
		const message = await imageMessage(media, 'm1', ['ERROR 42', 'SECOND']);
		const first = run(media, [message], 'openai', 'llama-3.1-8b-instruct');
		const text = (await first.visuals).get('m1')?.text ?? '';
		expect(text).toContain('read: ERROR 42');
		expect(text).toContain('read: SECOND');
		expect(text).toMatch(/OCR/);
		expect(first.saved.get('m1')?.map((r) => r.ocrText)).toEqual([
			'read: ERROR 42',
			'read: SECOND'
		]);
		// The next answer reuses what was read.
		await run(media, [message], 'openai', 'llama-3.1-8b-instruct').visuals;
		expect(reads).toEqual(['ERROR 42', 'SECOND']);
		await expect.poll(() => offers).toEqual(['openai:llava-13b']);
	});

	it('says an image could not be read without storing that, so the next answer tries again', async () => {
		const { media, reads, errors, failOcr } = setup();
		const message = await imageMessage(media, 'm1', ['LATER']);
		failOcr();
		const text = (await run(media, [message], 'openai', 'plain-model').visuals).get('m1')?.text;
		expect(text).toBe('[Image: shot0.png, its text could not be read]');
		expect(errors).toEqual(['ocr_failed']);
		expect(message.images[0]?.ocrText).toBeUndefined();
		const again = (await run(media, [message], 'openai', 'plain-model').visuals).get('m1')?.text;
		expect(again).toContain('read: LATER');
		expect(reads).toEqual(['LATER']);
	});

	it('names the images when reading their text is turned off', async () => {
		const { media, reads } = setup({ ocrFallback: false });
		const message = await imageMessage(media, 'm1', ['X']);
		const text = (await run(media, [message], 'openai', 'plain-model').visuals).get('m1')?.text;
		expect(text).toBe('[Image: shot0.png]');
		expect(reads).toEqual([]);
	});
});
