import { expect, test } from '@playwright/test';
import { lastAnswerDone, openHearth, send, waitReady } from './helpers';

test('after one visit the app loads offline with history readable and searchable', async ({
	page,
	context
}) => {
	await openHearth(page);
	await send(page, 'a note about the offline lighthouse');
	await lastAnswerDone(page);
	await page.evaluate(async () => {
		const registration = await navigator.serviceWorker.ready;
		return registration.active?.state;
	});

	await context.setOffline(true);
	await page.reload();
	await waitReady(page);
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
	await expect(page.getByRole('article', { name: 'Hearth’s answer' })).toContainText('lighthouse');
	await page.getByLabel('Search conversations').fill('lighthouse');
	await expect(page.getByTestId('search-hit')).toHaveCount(1);

	// A deep link the server never saw still opens from the service worker.
	await page.goto('/?c=unknown-id');
	await waitReady(page);
	await page.getByRole('button', { name: 'New chat' }).click();
	await page.getByLabel('Message Hearth').fill('are you there?');
	await page.getByLabel('Message Hearth').press('Enter');
	const answer = await lastAnswerDone(page);
	await expect(answer).toHaveAttribute('data-status', 'error');
	await expect(answer).toContainText(/reach/);
	await context.setOffline(false);
});

test('the web app manifest makes Hearth installable', async ({ page, request }) => {
	await page.goto('/');
	await waitReady(page);
	const href = await page.locator('link[rel="manifest"]').getAttribute('href');
	const manifest = await (await request.get(href!)).json();
	expect(manifest).toMatchObject({ name: expect.stringContaining('Hearth'), short_name: 'Hearth' });
	expect(manifest.display).toBe('standalone');
	expect(manifest.theme_color).toMatch(/^#/);
	for (const size of ['192x192', '512x512']) {
		for (const purpose of ['any', 'maskable']) {
			const icon = manifest.icons.find(
				(i: { sizes: string; purpose?: string }) =>
					i.sizes === size && (i.purpose ?? 'any') === purpose
			);
			expect(icon, `${purpose} ${size} icon`).toBeTruthy();
			const response = await request.get(icon.src);
			expect(response.headers()['content-type']).toBe('image/png');
		}
	}
});
