import { expect, type Locator, type Page } from '@playwright/test';

export const OLLAMA = (): string => {
	const url = process.env.HEARTH_E2E_OLLAMA;
	if (!url) throw new Error('HEARTH_E2E_OLLAMA is not set: run through playwright.config.ts');
	return url;
};

export async function waitReady(page: Page): Promise<void> {
	await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
}

/**
 * Opens Hearth with settings already stored (as a returning user would have them), by writing the
 * settings row straight into the app's IndexedDB and reloading.
 */
export async function openHearth(
	page: Page,
	settings: Record<string, unknown> = {},
	path = '/',
	/** What the header's engine status must show once the chain has settled. */
	expectStatus: string | RegExp = 'llama3.2:1b'
): Promise<void> {
	await page.goto(path);
	await waitReady(page);
	await page.evaluate(
		async (value) => {
			await new Promise<void>((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const tx = db.transaction('settings', 'readwrite');
					tx.objectStore('settings').put({ key: 'settings', value });
					tx.oncomplete = () => {
						db.close();
						resolve();
					};
					tx.onerror = () => reject(tx.error);
				};
			});
		},
		{ ollamaUrl: OLLAMA(), autoTitle: false, ...settings }
	);
	await page.reload();
	await waitReady(page);
	await expect(page.getByTestId('engine-status')).toContainText(expectStatus);
}

/**
 * One row of the app's database as it is stored now (undefined when absent), read straight from
 * IndexedDB: a test waits for a save to land by polling this, not by sleeping past a timer.
 */
export async function storedRow<T>(page: Page, store: string, key: string): Promise<T | undefined> {
	return page.evaluate<T | undefined, { store: string; key: string }>(
		({ store, key }) =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const tx = db.transaction(store, 'readonly');
					const get = tx.objectStore(store).get(key);
					get.onsuccess = () => resolve(get.result);
					get.onerror = () => reject(get.error);
					tx.oncomplete = () => db.close();
				};
			}),
		{ store, key }
	);
}

export const OPENAI = (): string => {
	const url = process.env.HEARTH_E2E_OPENAI;
	if (!url) throw new Error('HEARTH_E2E_OPENAI is not set: run through playwright.config.ts');
	return url;
};

/** The key the OpenAI-compatible fixture requires (tests/e2e/global-setup.ts). */
export const OPENAI_KEY = 'sk-e2e-key';

export const composer = (page: Page) => page.getByLabel('Message Hearth');

export const answers = (page: Page) => page.getByRole('article', { name: 'Hearth’s answer' });

/**
 * The "Answered by …" line of an answer. Not the whole badge: its closed menu lists every agent,
 * so a text match on the badge would pass whichever agent answered.
 */
export const answeredBy = (answer: Locator) => answer.getByTestId('agent-badge').locator('summary');

/**
 * Sends a message and waits until its answer exists, so `answers(page).last()` afterwards is the
 * new answer, never the previous one that already finished.
 */
export async function send(page: Page, text: string): Promise<void> {
	const before = await answers(page).count();
	await composer(page).fill(text);
	// Enter is ignored until the app can send: an answer whose text is done may still be in its
	// review pass (the Stop button shows until then).
	await expect(page.getByRole('button', { name: 'Send message' })).toBeEnabled({
		timeout: 30_000
	});
	await composer(page).press('Enter');
	await expect(answers(page)).toHaveCount(before + 1);
}

/** Waits until the last answer finished streaming and returns it. */
export async function lastAnswerDone(page: Page) {
	const last = answers(page).last();
	await expect(last).toHaveAttribute('data-status', /done|error|aborted|interrupted/);
	return last;
}

/** Collects console errors and uncaught exceptions; tests assert it stays empty. */
export function watchErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push(m.text());
	});
	page.on('pageerror', (e) => errors.push(e.message));
	return errors;
}
