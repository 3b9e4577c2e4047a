import { expect, test } from '@playwright/test';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/serve.js';
import { waitReady } from './helpers';

test('a new deployed version offers "reload" and the reload brings it in', async ({ page }) => {
	// Serve a private copy of the build so this test can "deploy" a new version of it.
	const dir = await mkdtemp(path.join(tmpdir(), 'hearth-update-'));
	await cp('build', dir, { recursive: true });
	const server = await startServer({ dir, port: 0, quiet: true });
	try {
		await page.goto(`${server.url}/`);
		await waitReady(page);
		await page.evaluate(() => navigator.serviceWorker.ready);
		await expect(page.getByTestId('update-banner')).toHaveCount(0);

		// First while the page is not yet controlled (a first visit), then as a returning user.
		for (const release of ['1.1', '1.2']) {
			await appendFile(path.join(dir, 'sw.js'), `\n// release ${release}\n`);
			await page.evaluate(async () => {
				const registration = await navigator.serviceWorker.getRegistration();
				await registration?.update();
			});
			const banner = page.getByTestId('update-banner');
			await expect(banner).toContainText('new version');
			const reloaded = page.waitForEvent('load');
			await banner.getByRole('button', { name: 'Reload' }).click();
			await reloaded;
			await waitReady(page);
			await expect(page.getByTestId('update-banner')).toHaveCount(0);
			expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
		}
	} finally {
		await server.close();
		await rm(dir, { recursive: true, force: true });
	}
});
