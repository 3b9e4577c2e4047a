import { expect, test } from '@playwright/test';
import { lastAnswerDone, openHearth, send } from './helpers';

// The pre-rendered frame (before and without JavaScript) and the phone layout at 360–430 px.

test('the served HTML already holds the app frame, before any script runs', async ({ request }) => {
	const html = await (await request.get('/')).text();
	expect(html).toContain('data-testid="shell-frame"');
	expect(html).toContain('aria-label="Conversations"');
	expect(html).toContain('<h1 class="title');
	expect(html).toContain('What can I help with?');
	expect(html).toContain('Message Hearth');
	expect(html).toContain('Hearth needs JavaScript');
	// The theme is still applied before the first paint.
	expect(html).toMatch(/<script src="[^"]*before-paint\.js"><\/script>/);
});

test.describe('with JavaScript off', () => {
	test.use({ javaScriptEnabled: false });

	test('the frame shows with a "Hearth needs JavaScript" line', async ({ page }) => {
		await page.goto('/');
		await expect(page.getByTestId('shell-frame')).toBeVisible();
		await expect(page.getByRole('heading', { name: 'What can I help with?' })).toBeVisible();
		await expect(page.getByRole('navigation', { name: 'Conversations' })).toBeVisible();
		await expect(page.getByTestId('needs-js')).toBeVisible();
		await expect(page.getByTestId('needs-js')).toContainText('Hearth needs JavaScript');
	});
});

test('first load leaves the console clean', async ({ page }) => {
	const problems: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	await page.goto('/');
	await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
	// Engine detection (the default Ollama address, where nothing listens) and the idle loads.
	await expect(page.getByTestId('engine-notice')).toBeVisible();
	await page.waitForTimeout(4000);
	expect(problems).toEqual([]);
});

for (const width of [360, 390, 430]) {
	test.describe(`at ${width} px`, () => {
		test.use({ viewport: { width, height: 800 }, hasTouch: true, isMobile: true });

		test('nothing runs off the side: header menu, short placeholder, wrapping cards', async ({
			page
		}, testInfo) => {
			await openHearth(page);
			const long = `${'averyveryverylongwordwithoutanybreak'.repeat(6)} and a path /home/someone/${'deep/'.repeat(30)}file.txt`;
			await send(page, long);
			await lastAnswerDone(page);
			// A failed tool card with one long unbroken argument (the calculator refuses it).
			const junk = 'x'.repeat(300);
			await send(page, `Work this out [[tool:calculator {"expression":"${junk}"}]]`);
			await lastAnswerDone(page);
			// The screens live in one "More" menu; the title keeps its room.
			await expect(page.getByRole('button', { name: 'Models in this browser' })).toBeHidden();
			await page.getByRole('button', { name: 'More' }).click();
			const menu = page.getByRole('menu', { name: 'Hearth’s screens' });
			await expect(menu.getByRole('menuitem', { name: 'Privacy ledger' })).toBeInViewport({
				ratio: 1
			});
			const title = await page.locator('h1.title').boundingBox();
			expect(title?.width ?? 0).toBeGreaterThan(100);
			// The placeholder fits on one line.
			const placeholder = await page.getByLabel('Message Hearth').getAttribute('placeholder');
			expect(placeholder?.length ?? 99).toBeLessThanOrEqual(20);
			await testInfo.attach(`phone-${width}.png`, {
				body: await page.screenshot(),
				contentType: 'image/png'
			});
			await page.keyboard.press('Escape');
			await expect(menu).toBeHidden();
			// No horizontal scroll, and no element's box past the right edge.
			const overflow = await page.evaluate(() => {
				const width = document.documentElement.clientWidth;
				const past = [...document.querySelectorAll('body *')]
					.filter((el) => {
						const box = el.getBoundingClientRect();
						if (box.width === 0 || box.height === 0) return false;
						// Inside a scroller of its own (code blocks), an element may be wider.
						for (let p = el.parentElement; p; p = p.parentElement) {
							const o = getComputedStyle(p).overflowX;
							if (o === 'auto' || o === 'scroll' || o === 'hidden') {
								if (p.getBoundingClientRect().right <= width + 1) return false;
							}
						}
						return box.right > width + 1;
					})
					.map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
				return { scroll: document.documentElement.scrollWidth - width, past };
			});
			expect(overflow).toEqual({ scroll: 0, past: [] });
		});
	});
}
