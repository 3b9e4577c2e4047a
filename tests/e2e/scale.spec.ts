import { expect, test } from '@playwright/test';
import { openHearth, waitReady } from './helpers';
import { seedConversations } from '../fixtures/seed-history.js';

test('10,000 conversations: the list pages in and search finds the one that matters', async ({
	page
}) => {
	test.setTimeout(120_000);
	await openHearth(page);
	await seedConversations(page, 10_000, 4321);
	await page.reload();
	await waitReady(page);

	const items = page.getByTestId('conversation-item');
	await expect(items).toHaveCount(50);
	await expect(items.first()).toContainText('Notes on');
	await page.getByRole('button', { name: 'Show more' }).scrollIntoViewIfNeeded();
	await expect(items).toHaveCount(100);

	await page.getByLabel('Search conversations').fill('zanzib snork');
	const hit = page.getByTestId('search-hit');
	await expect(hit).toHaveCount(1);
	await expect(hit).toContainText('Holiday ideas');
	await hit.click();
	await expect(page.getByRole('article', { name: 'Your message' })).toContainText('zanzibar');

	await page.getByLabel('Search conversations').fill('chess');
	await expect(page.getByTestId('search-hit')).toHaveCount(50);
});
