import { expect, test } from '@playwright/test';
import { answers, lastAnswerDone, openHearth, send } from './helpers';

test('history search finds an old message and opens it', async ({ page }) => {
	await openHearth(page);
	await send(page, 'Our zanzibar itinerary starts on Monday');
	await lastAnswerDone(page);
	for (const topic of ['sourdough starter', 'bicycle gears']) {
		await page.keyboard.press('Control+Shift+O');
		await send(page, `Tell me about ${topic}`);
		await lastAnswerDone(page);
	}
	await expect(page.getByTestId('conversation-item')).toHaveCount(3);

	await page.keyboard.press('Control+k');
	await expect(page.getByLabel('Search conversations')).toBeFocused();
	await page.keyboard.type('zanzib itin');
	const hits = page.getByTestId('search-hit');
	await expect(hits).toHaveCount(1);
	await expect(hits).toContainText('zanzibar itinerary');
	await hits.click();
	await expect(page.getByRole('article', { name: 'Your message' })).toHaveText(/zanzibar/);

	await page.getByLabel('Search conversations').fill('nothing like this');
	await expect(page.getByText('Nothing found.')).toBeVisible();
});

test('rename, pin, and delete with undo', async ({ page }) => {
	await openHearth(page);
	await send(page, 'alpha conversation');
	await lastAnswerDone(page);
	await page.getByRole('button', { name: 'New chat' }).click();
	await send(page, 'beta conversation');
	await lastAnswerDone(page);
	const items = page.getByTestId('conversation-item');
	await expect(items.first()).toContainText('beta conversation');

	const alpha = items.filter({ hasText: 'alpha conversation' });
	await alpha.hover();
	await alpha.getByRole('button', { name: 'Rename' }).click();
	await page.getByLabel('Conversation title').fill('Renamed alpha');
	await page.getByLabel('Conversation title').press('Enter');
	await expect(items.filter({ hasText: 'Renamed alpha' })).toHaveCount(1);

	const renamed = items.filter({ hasText: 'Renamed alpha' });
	await renamed.hover();
	await renamed.getByRole('button', { name: 'Pin', exact: true }).click();
	await expect(items.first()).toContainText('Renamed alpha');

	await items.first().hover();
	await items.first().getByRole('button', { name: 'Delete' }).click();
	await expect(items).toHaveCount(1);
	await page.getByRole('button', { name: 'Undo' }).click();
	await expect(items).toHaveCount(2);
	await expect(items.first()).toContainText('Renamed alpha');
	// Undo brings the conversation back as it was: still pinned.
	await expect(items.first().getByRole('button', { name: 'Pinned: Renamed alpha' })).toBeVisible();
	await items.first().click();
	await expect(answers(page)).toContainText('alpha conversation');
});
