import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { lastAnswerDone, openHearth, send } from './helpers';

async function seriousViolations(page: Page) {
	const result = await new AxeBuilder({ page }).analyze();
	return result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const theme of ['light', 'dark'] as const) {
	test(`main screens have no serious accessibility violations (${theme})`, async ({ page }) => {
		// Seven screens, each analysed in full.
		test.setTimeout(120_000);
		await page.emulateMedia({ colorScheme: theme });
		await openHearth(page);
		expect(await seriousViolations(page)).toEqual([]);

		await send(page, 'Show me everything [[markdown]]');
		await lastAnswerDone(page);
		await expect(page.locator('.katex').first()).toBeVisible();
		expect(await seriousViolations(page)).toEqual([]);

		await page.getByRole('button', { name: 'Settings' }).click();
		await expect(page.getByRole('dialog')).toBeVisible();
		expect(await seriousViolations(page)).toEqual([]);
		await page.keyboard.press('Escape');

		// The model manager, once the worker has reported what the GPU can do.
		await page.getByRole('button', { name: 'Models in this browser' }).click();
		await expect(page.getByTestId('device-webgpu')).toHaveText('Yes', { timeout: 30_000 });
		expect(await seriousViolations(page)).toEqual([]);
		await page.keyboard.press('Escape');

		// Tools and agents, and the privacy ledger.
		await page.getByRole('button', { name: 'Tools and agents' }).click();
		await expect(page.getByTestId('tools-dialog')).toContainText('Web search');
		expect(await seriousViolations(page)).toEqual([]);
		await page.keyboard.press('Escape');
		await page.getByRole('button', { name: /Privacy ledger/ }).click();
		await expect(page.getByTestId('ledger-dialog')).toBeVisible();
		expect(await seriousViolations(page)).toEqual([]);
	});
}

test('the knowledge and memory dialogs have no serious accessibility violations', async ({
	page
}) => {
	await openHearth(page);
	// A memory and a proposal, stored before the page reads them.
	await page.evaluate(async () => {
		await new Promise<void>((resolve, reject) => {
			const open = indexedDB.open('hearth');
			open.onsuccess = () => {
				const tx = open.result.transaction('memories', 'readwrite');
				const store = tx.objectStore('memories');
				const base = { kind: 'fact', createdAt: 1, updatedAt: 1 };
				store.put({
					...base,
					id: 'a',
					text: 'The user likes tea.',
					status: 'kept',
					origin: 'explicit'
				});
				store.put({
					...base,
					id: 'b',
					text: 'The user has a dog.',
					status: 'proposed',
					origin: 'proposed'
				});
				tx.oncomplete = () => resolve();
				tx.onerror = () => reject(tx.error);
			};
			open.onerror = () => reject(open.error);
		});
	});
	// Knowledge (with a pasted document listed) and Memory.
	await page.getByRole('button', { name: /^Knowledge/ }).click();
	await expect(page.getByTestId('knowledge-dialog')).toBeVisible();
	await page.getByLabel('Name for pasted text').fill('Tide notes');
	await page.getByLabel('Text to add', { exact: false }).first().fill('High tide is at six.');
	await page.getByRole('button', { name: 'Add text' }).click();
	await expect(page.getByTestId('knowledge-document').first()).toContainText('Tide notes', {
		timeout: 30_000
	});
	expect(await seriousViolations(page)).toEqual([]);
	await page.keyboard.press('Escape');
	await page.reload();
	await page.getByRole('button', { name: /^Memory/ }).click();
	await expect(page.getByTestId('memory-proposal')).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
});

test('usable at 360 px wide: no sideways scroll, sidebar opens as a drawer', async ({ page }) => {
	await page.setViewportSize({ width: 360, height: 740 });
	await openHearth(page);
	await send(
		page,
		'narrow screen [[markdown]] https://example.com/a/very/long/url/that/should/wrap/nicely/without/scrolling'
	);
	await lastAnswerDone(page);
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - window.innerWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
	await expect(page.getByRole('button', { name: 'New chat' })).toBeHidden();
	await page.getByRole('button', { name: 'Show conversations' }).click();
	await expect(page.getByRole('button', { name: 'New chat' })).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
	await page.getByTestId('conversation-item').first().getByRole('button').first().click();
	await expect(page.getByRole('button', { name: 'New chat' })).toBeHidden();
});

test('remote images in answers load only when asked', async ({ page }) => {
	await openHearth(page);
	const requested: string[] = [];
	page.on('request', (r) => {
		if (r.url().includes('example.com')) requested.push(r.url());
	});
	await send(page, 'with a picture [[markdown]]');
	await lastAnswerDone(page);
	const placeholder = page.getByRole('button', { name: /Load image from example.com/ });
	await expect(placeholder).toBeVisible();
	// The answer is rendered: no element that could fetch the image exists, and none was fetched.
	await expect(page.locator('.message img[src*="example.com"]')).toHaveCount(0);
	expect(requested).toEqual([]);
	await placeholder.click();
	await expect(page.locator('.message img[src="https://example.com/chart.png"]')).toHaveCount(1);
});
