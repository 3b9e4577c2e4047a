import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../scripts/chromium.js';
import { openHearth } from './helpers';

// Camera and screen capture with Chromium's fake devices: a photo from the fake camera and one
// frame of the (auto-accepted) screen become images waiting in the composer, and the devices are
// released afterwards.

test.use({
	permissions: ['camera', 'microphone'],
	launchOptions: {
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			...CHROMIUM_ARGS,
			'--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream',
			'--auto-select-desktop-capture-source=Entire screen',
			'--auto-accept-this-tab-capture'
		]
	}
});

test.beforeEach(async ({ page }) => {
	await page.addInitScript(() => {
		const streams: MediaStream[] = [];
		(window as { __streams?: MediaStream[] }).__streams = streams;
		for (const name of ['getUserMedia', 'getDisplayMedia'] as const) {
			const original = navigator.mediaDevices[name]?.bind(navigator.mediaDevices);
			if (!original) continue;
			navigator.mediaDevices[name] = async (constraints?: MediaStreamConstraints) => {
				const stream = await original(constraints);
				streams.push(stream);
				return stream;
			};
		}
	});
	await openHearth(page);
	await expect(page.getByRole('button', { name: 'Add images' })).toBeVisible({ timeout: 20_000 });
});

const liveTracks = (page: Page) =>
	page.evaluate(
		() =>
			((window as { __streams?: MediaStream[] }).__streams ?? []).flatMap((s) =>
				s.getTracks().filter((t) => t.readyState === 'live')
			).length
	);

test('a photo from the camera waits in the composer, and the camera is released', async ({
	page
}) => {
	await page.getByRole('button', { name: 'Add images' }).click();
	await page.getByRole('menuitem', { name: 'Take a photo' }).click();
	const dialog = page.getByRole('dialog');
	await expect(dialog.getByLabel('Camera preview')).toBeVisible();
	const take = dialog.getByRole('button', { name: /Take photo/ });
	await expect(take).toBeEnabled({ timeout: 15_000 });
	await take.click();
	await expect(
		page.getByTestId('image-chips').getByRole('button', { name: /Remove image/ })
	).toHaveCount(1, { timeout: 15_000 });
	await expect(dialog).toBeHidden();
	expect(await liveTracks(page)).toBe(0);
});

test('a screen capture becomes one image, and the capture stops', async ({ page }) => {
	await page.getByRole('button', { name: 'Add images' }).click();
	await page.getByRole('menuitem', { name: 'Capture screen' }).click();
	await expect(
		page.getByTestId('image-chips').getByRole('button', { name: /Remove image/ })
	).toHaveCount(1, { timeout: 20_000 });
	expect(await liveTracks(page)).toBe(0);
});
