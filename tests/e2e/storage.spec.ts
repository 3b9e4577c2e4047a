import { expect, test } from '@playwright/test';
import { answers, lastAnswerDone, OLLAMA, send, waitReady } from './helpers';

test('without IndexedDB the app explains it and still chats', async ({ page }) => {
	await page.addInitScript(() => {
		// What some private modes do: opening a database fails.
		IDBFactory.prototype.open = function () {
			throw new DOMException('The user denied permission to access the database.', 'SecurityError');
		};
	});
	await page.goto('/');
	await waitReady(page);
	await expect(page.getByTestId('memory-only-banner')).toContainText("can't save");
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel('Ollama address').fill(OLLAMA());
	await page.getByLabel('Ollama address').blur();
	await page.getByRole('button', { name: 'Close' }).click();
	await expect(page.getByTestId('engine-status')).toContainText('llama3.2:1b');
	await send(page, 'works without saving');
	await lastAnswerDone(page);
	await expect(answers(page)).toContainText('works without saving');
});
