import { expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedMissing } from '../fixtures/ci.js';
import { answers, composer, openHearth, watchErrors } from './helpers';

const BLNS = path.resolve('../shared/data/blns/blns.json');
const PARTS = 6;

function loadStrings(): string[] | null {
	if (!existsSync(BLNS)) {
		sharedMissing(BLNS);
		return null;
	}
	// Whitespace-only strings cannot be sent (send is disabled for them, as it should be).
	return (JSON.parse(readFileSync(BLNS, 'utf8')) as string[]).filter((s) => s.trim().length > 0);
}

const strings = loadStrings();

for (let part = 0; part < PARTS; part++) {
	test(`naughty strings part ${part + 1}/${PARTS} render as text, run no script`, async ({
		page
	}) => {
		// ~86 round trips through the real UI: about 40 s here, more on a busy machine.
		test.setTimeout(180_000);
		test.skip(strings === null, `skipped: ${BLNS} not found (../shared is not beside the repo)`);
		const all = strings!;
		const mine = all.filter((_, i) => i % PARTS === part);
		await page.addInitScript(() => {
			const w = window as unknown as { __pwned: string[] };
			w.__pwned = [];
			for (const name of ['alert', 'confirm', 'prompt'] as const) {
				window[name] = ((...args: unknown[]) => {
					w.__pwned.push(`${name}(${args.join(',')})`);
					return null;
				}) as never;
			}
		});
		page.on('dialog', (d) => void d.dismiss());
		await openHearth(page);
		const errors = watchErrors(page);

		for (const [i, text] of mine.entries()) {
			await composer(page).fill(text);
			await page.getByRole('button', { name: 'Send message' }).click();
			const answer = answers(page).nth(i);
			await expect(answer).toHaveAttribute('data-status', 'done');
			// The user's text is shown exactly as typed.
			const shown = await page
				.getByRole('article', { name: 'Your message' })
				.nth(i)
				.getByTestId('user-text')
				.evaluate((el) => el.textContent);
			expect(shown).toBe(text);
		}
		const log = page.getByRole('log');
		await expect(log.locator('script, iframe, object, embed, img, form')).toHaveCount(0);
		const handlers = await log.evaluate((root) =>
			[...root.querySelectorAll('*')].flatMap((el) =>
				[...el.attributes]
					.filter((a) => /^on/i.test(a.name) || /javascript:/i.test(a.value))
					.map((a) => `${el.tagName} ${a.name}=${a.value}`)
			)
		);
		expect(handlers).toEqual([]);
		expect(await page.evaluate(() => (window as unknown as { __pwned: string[] }).__pwned)).toEqual(
			[]
		);
		// Chromium reports a CSP violation when the sanitiser merely *parses* an on*= attribute in
		// its inert DOMParser document (nothing runs there; checked above: no handler survives, no
		// alert ran). Those reports are expected; any other console error is a failure.
		const parsedHandler = /^Executing inline event handler violates .*Content Security Policy/;
		expect(errors.filter((e) => !parsedHandler.test(e))).toEqual([]);
	});
}
