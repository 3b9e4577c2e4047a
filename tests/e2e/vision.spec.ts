import { expect, test, type Page } from '@playwright/test';
import {
	DEFAULT_MODELS,
	IMAGES_REPLY_PREFIX,
	VISION_MODEL,
	startOllamaFixture
} from '../fixtures/ollama-fixture.js';
import { encodePng, textPng } from '../../src/lib/vision/test-images';
import { answers, lastAnswerDone, openHearth, send } from './helpers';

// Images as input in the built app: picked, pasted and dropped images are checked, downscaled,
// stored and sent to a model that sees (Ollama's documented `images`, which the fixture reports
// back from the bytes it received); a model that cannot see gets the text read from the image on
// this device (Tesseract from our own origin), and a model that can is offered.

let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;

test.beforeAll(async () => {
	ollama = await startOllamaFixture({
		allowedOrigins: [process.env.HEARTH_E2E_URL ?? '*'],
		models: [...DEFAULT_MODELS, VISION_MODEL],
		chunkDelayMs: 2
	});
});
test.afterAll(async () => {
	await ollama?.close();
});

async function open(page: Page, model: string): Promise<void> {
	await openHearth(page, { ollamaUrl: ollama.url, model }, '/', model);
	// The image button arrives with the media services, after the first paint.
	await expect(page.getByRole('button', { name: 'Add images' })).toBeVisible({
		timeout: 20_000
	});
}

const imageInput = (page: Page) => page.locator('input[type="file"][accept="image/*"]');

/** A wide greyscale gradient: big enough that it must be scaled down. */
function bigPng(width: number, height: number): Buffer {
	const pixels = new Uint8Array(width * height);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) pixels[y * width + x] = (x * 7 + y * 3) % 256;
	}
	return Buffer.from(encodePng(width, height, pixels, 1));
}

async function storedImages(page: Page) {
	return page.evaluate(
		() =>
			new Promise<{ width: number; height: number; messageId: string | null; mime: string }[]>(
				(resolve, reject) => {
					const req = indexedDB.open('hearth');
					req.onsuccess = () => {
						const all = req.result.transaction('images').objectStore('images').getAll();
						all.onsuccess = () =>
							resolve(
								all.result.map((r) => ({
									width: r.width,
									height: r.height,
									messageId: r.messageId,
									mime: r.mime
								}))
							);
						all.onerror = () => reject(all.error);
					};
					req.onerror = () => reject(req.error);
				}
			)
	);
}

test('a picked image is downscaled, stored with the message and reaches a vision model', async ({
	page
}) => {
	await open(page, VISION_MODEL.name);
	await imageInput(page).setInputFiles({
		name: 'wide.png',
		mimeType: 'image/png',
		buffer: bigPng(3000, 1500)
	});
	const chips = page.getByTestId('image-chips');
	await expect(chips.getByRole('button', { name: /Remove image wide\.png/ })).toBeVisible({
		timeout: 20_000
	});
	await send(page, '[[images]] What is in this picture?');
	await lastAnswerDone(page);
	await expect(answers(page).last()).toContainText(`${IMAGES_REPLY_PREFIX}1 (image/`);
	await expect(chips).toBeHidden();

	const [stored] = await storedImages(page);
	expect(Math.max(stored!.width, stored!.height)).toBe(1344);
	expect(stored!.height).toBe(672);
	expect(stored!.messageId).not.toBeNull();

	// In history: a thumbnail that opens a larger view, also after a reload.
	await page.reload();
	const thumbs = page.getByTestId('message-images');
	await expect(thumbs).toBeVisible({ timeout: 20_000 });
	await thumbs.getByRole('button').first().click();
	await expect(page.getByRole('dialog')).toBeVisible();
});

test('a file that is not an image is refused by name; a pasted screenshot is added', async ({
	page
}) => {
	await open(page, VISION_MODEL.name);
	await imageInput(page).setInputFiles({
		name: 'notes.png',
		mimeType: 'image/png',
		buffer: Buffer.from('%PDF-1.7\nnot a picture\n%%EOF')
	});
	await expect(page.getByText(/notes\.png.{0,3} is not an image/)).toBeVisible({
		timeout: 15_000
	});

	const png = [...textPng('HI')];
	await page.getByLabel('Message Hearth').evaluate((box, bytes) => {
		const data = new DataTransfer();
		data.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
		box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
	}, png);
	await expect(
		page.getByTestId('image-chips').getByRole('button', { name: /Remove image screenshot\.png/ })
	).toBeVisible({ timeout: 15_000 });
});

test('a model that cannot see gets the text read from the image, and a vision model is offered', async ({
	page
}) => {
	test.setTimeout(120_000);
	await open(page, 'llama3.2:1b');
	await imageInput(page).setInputFiles({
		name: 'sign.png',
		mimeType: 'image/png',
		buffer: Buffer.from(textPng('HEARTH READS 42', 3))
	});
	await expect(page.getByTestId('image-chips').getByRole('button')).toBeVisible({
		timeout: 15_000
	});
	await send(page, 'What does the sign say?');
	// Tesseract (served from /ocr/) reads it; the fixture's echo shows what the model was given.
	await expect(answers(page).last()).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
	await expect(answers(page).last()).toContainText('HEARTH READS 42');
	await expect(answers(page).last()).toContainText('OCR');
	await expect(page.getByRole('button', { name: `Use ${VISION_MODEL.name}` })).toBeVisible();
});
