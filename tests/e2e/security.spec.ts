import { expect, test } from '@playwright/test';
import type { Settings } from '../../src/lib/types/settings';
import { storedRow, waitReady } from './helpers';

test('a Content-Security-Policy forbids inline scripts, plugins and framing', async ({ page }) => {
	const violations: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
			violations.push(m.text());
	});
	await page.goto('/');
	await waitReady(page);
	const policy = await page
		.locator('meta[http-equiv="content-security-policy"]')
		.getAttribute('content');
	expect(policy).toContain("script-src 'self'");
	expect(policy).toContain("object-src 'none'");
	expect(violations, 'the app itself must not trip its own policy').toEqual([]);

	// Even if markup slipped past the sanitiser, an inline script would not run.
	const ran = await page.evaluate(() => {
		const script = document.createElement('script');
		script.textContent = 'window.__injected = true';
		document.body.append(script);
		return (window as unknown as { __injected?: boolean }).__injected === true;
	});
	expect(ran).toBe(false);
});

test('the chosen theme is kept and applied from the first paint on', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'light' });
	await page.goto('/');
	await waitReady(page);
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByRole('radio', { name: 'Dark' }).check();
	await page.getByRole('button', { name: 'Close' }).click();
	await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
	// The settings save is debounced: reload once it has landed.
	await expect
		.poll(
			async () => (await storedRow<{ value: Settings }>(page, 'settings', 'settings'))?.value.theme
		)
		.toBe('dark');

	// before-paint.js runs before the app: record what the first script after it sees.
	await page.addInitScript(() => {
		document.addEventListener('readystatechange', () => {
			if (document.readyState === 'interactive') {
				(window as unknown as { __early?: string }).__early =
					document.documentElement.dataset.theme;
			}
		});
	});
	await page.reload();
	await waitReady(page);
	expect(await page.evaluate(() => (window as unknown as { __early?: string }).__early)).toBe(
		'dark'
	);
	const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	expect(background).toBe('rgb(28, 25, 23)');
});
