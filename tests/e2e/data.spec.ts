import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { lastAnswerDone, openHearth, send } from './helpers';

test('export all → delete everything → import restores it, twice without duplicates', async ({
	page
}) => {
	await openHearth(page);
	await send(page, 'remember the lighthouse');
	await lastAnswerDone(page);
	await page.getByRole('button', { name: 'New chat' }).click();
	await send(page, 'and the harbour');
	await lastAnswerDone(page);

	await page.getByRole('button', { name: 'Settings' }).click();
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: /Export all/ }).click();
	const download = await downloading;
	const file = await download.path();
	const exported = JSON.parse(await readFile(file, 'utf8'));
	expect(exported.format).toBe('hearth-export');
	expect(exported.conversations).toHaveLength(2);
	expect(exported.messages).toHaveLength(4);

	await page.getByRole('button', { name: 'Delete all conversations' }).click();
	await expect(page.getByRole('group', { name: 'Delete all conversations' })).toContainText(
		"can't be undone"
	);
	await page.getByRole('button', { name: 'Yes, delete all conversations' }).click();
	await expect(page.getByTestId('conversation-item')).toHaveCount(0);

	for (let round = 0; round < 2; round++) {
		await page.getByLabel(/Import a backup/).setInputFiles(file);
		await expect(page.getByText(/Imported/).last()).toBeVisible();
		await expect(page.getByTestId('conversation-item')).toHaveCount(2);
	}
	await page.getByRole('button', { name: 'Close' }).click();
	await page.getByTestId('conversation-item').filter({ hasText: 'lighthouse' }).click();
	await expect(page.getByRole('article', { name: 'Hearth’s answer' })).toContainText('lighthouse');
});

test('a broken import file is refused with a clear reason and loses nothing', async ({ page }) => {
	await openHearth(page);
	await send(page, 'keep me');
	await lastAnswerDone(page);
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel(/Import a backup/).setInputFiles({
		name: 'broken.json',
		mimeType: 'application/json',
		buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x13])
	});
	await expect(page.getByText(/can't be imported/)).toBeVisible();
	await page.getByRole('button', { name: 'Close' }).click();
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
});

test('one conversation exports as Markdown', async ({ page }) => {
	await openHearth(page);
	await send(page, 'Markdown please [[markdown]]');
	await lastAnswerDone(page);
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export this conversation as Markdown' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toMatch(/^hearth-.*\.md$/);
	const text = await readFile(await download.path(), 'utf8');
	expect(text).toContain('Markdown please');
	expect(text).toContain('```python');
});

test('settings go out and come back as config.yaml; a wrong file names its line and changes nothing', async ({
	page
}) => {
	await openHearth(page);
	await page.getByRole('button', { name: 'Settings' }).click();
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export config.yaml' }).click();
	const text = await readFile(await (await download).path(), 'utf8');
	expect(text).toMatch(/^# Hearth configuration/);
	expect(text).toContain('temperature:');

	const picker = page.getByLabel('Import config.yaml');
	await picker.setInputFiles({
		name: 'config.yaml',
		mimeType: 'text/yaml',
		buffer: Buffer.from('ai:\n  temperature: 7\n  max_tokens: 300\n')
	});
	await expect(page.getByRole('alert')).toContainText(
		'config.yaml:2:16: ai.temperature must be a number between 0 and 2'
	);
	await expect(page.getByRole('alert')).toContainText('Nothing was changed.');

	await picker.setInputFiles({
		name: 'config.yaml',
		mimeType: 'text/yaml',
		buffer: Buffer.from('ai:\n  max_tokens: 300\n')
	});
	await expect(page.getByRole('status').filter({ hasText: 'config.yaml imported' })).toContainText(
		'1 setting changed (max tokens)'
	);
	await page.reload();
	await page.getByRole('button', { name: 'Settings' }).click();
	const again = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export config.yaml' }).click();
	expect(await readFile(await (await again).path(), 'utf8')).toContain('max_tokens: 300');
});
