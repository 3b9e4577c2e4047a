import { expect, test, type Page } from '@playwright/test';
import { createServer } from 'node:net';
import { startOllamaFixture } from '../fixtures/ollama-fixture.js';
import { waitReady } from './helpers';

// The first run on a phone (390×844, touch): one action to tap above the fold (a GGUF model for
// its CPU where it has no WebGPU), no terminal commands, nothing shifting while engines are
// detected, and the notice gone without a reload once Ollama starts.

const PHONE_UA =
	'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';

test.use({
	viewport: { width: 390, height: 844 },
	hasTouch: true,
	isMobile: true,
	userAgent: PHONE_UA
});

/** Sums layout-shift entries from the first paint on (what CLS is made of). */
async function recordShifts(page: Page): Promise<void> {
	await page.addInitScript(() => {
		type Shift = PerformanceEntry & {
			value: number;
			sources: { node?: Node; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
		};
		const w = window as unknown as { __shift: number; __shifts: string[] };
		w.__shift = 0;
		w.__shifts = [];
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries() as Shift[]) {
				w.__shift += entry.value;
				if (entry.sources.length === 0)
					w.__shifts.push(`${entry.value.toFixed(4)} at ${Math.round(entry.startTime)} ms`);
				for (const s of entry.sources) {
					const el = s.node instanceof Element ? s.node : s.node?.parentElement;
					w.__shifts.push(
						`${entry.value.toFixed(4)} ${el?.tagName}.${el?.className} ${JSON.stringify(s.previousRect)} -> ${JSON.stringify(s.currentRect)}`
					);
				}
			}
		}).observe({ type: 'layout-shift', buffered: true });
	});
}

const shifted = (page: Page) =>
	page.evaluate(() => (window as unknown as { __shift: number }).__shift);

/** A phone browser without WebGPU (most phones today). */
async function withoutWebGpu(page: Page): Promise<void> {
	await page.addInitScript(() => {
		delete (Navigator.prototype as { gpu?: unknown }).gpu;
	});
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address ? resolve(address.port) : reject()
			);
		});
	});
}

async function storeSettings(page: Page, value: Record<string, unknown>): Promise<void> {
	await page.evaluate(async (value) => {
		await new Promise<void>((resolve, reject) => {
			const open = indexedDB.open('hearth');
			open.onerror = () => reject(open.error);
			open.onsuccess = () => {
				const tx = open.result.transaction('settings', 'readwrite');
				tx.objectStore('settings').put({ key: 'settings', value });
				tx.oncomplete = () => {
					open.result.close();
					resolve();
				};
				tx.onerror = () => reject(tx.error);
			};
		});
	}, value);
}

test('a phone without WebGPU is offered a GGUF model on its CPU: one action above the fold, no terminal commands', async ({
	page
}) => {
	const errors: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') errors.push(m.text());
	});
	// Hugging Face is not reachable here: the download the button starts is answered 404, which
	// shows that it asked for the GGUF file of the model it named.
	const requested: string[] = [];
	await page.route('**/*.gguf', (route) => {
		requested.push(route.request().url());
		return route.fulfill({ status: 404, body: 'not here' });
	});
	await withoutWebGpu(page);
	await recordShifts(page);
	await page.goto('/');
	await waitReady(page);
	const notice = page.getByTestId('engine-notice');
	await expect(notice).toBeVisible();
	const primary = notice.getByTestId('first-run-primary');
	// Sized for a phone's CPU and memory: the small model that calls tools, at its real size.
	await expect(primary).toHaveText('Download Qwen2.5 0.5B Instruct');
	await expect(notice).toContainText('on this device’s processor');
	await expect(notice).toContainText(/(398|379) MB/);
	await expect(primary).toBeInViewport({ ratio: 1 });
	const box = await primary.boundingBox();
	expect(box && box.y + box.height).toBeLessThanOrEqual(844);
	// Exactly one primary action, and nothing a phone cannot do.
	await expect(page.getByTestId('first-run-primary')).toHaveCount(1);
	await expect(notice).not.toContainText('ollama serve');
	await expect(notice).not.toContainText('OLLAMA_ORIGINS');
	await expect(notice.locator('code')).toHaveCount(0);
	// The composer stays on the first screen too.
	await expect(page.getByLabel('Message Hearth')).toBeInViewport();
	expect(await shifted(page)).toBe(0);
	// A server and checking again are folded away, not gone.
	await notice.getByText('Other ways').click();
	await expect(notice.getByRole('button', { name: 'Check again' })).toBeVisible();
	await expect(notice.getByText('Use Ollama on this computer')).toHaveCount(0);
	await primary.click();
	await expect(notice.getByRole('alert')).toBeVisible();
	await expect(notice.getByTestId('first-run-primary')).toHaveText('Try again');
	expect(requested[0]).toMatch(/Qwen2\.5-0\.5B-Instruct-Q4_K_M\.gguf$/);
	await notice.getByRole('button', { name: 'Connect to a server on my network' }).click();
	await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible();
	// The probe of the default Ollama address (nothing listens) leaves no error in the console;
	// the refused download is the one expected.
	expect(errors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
});

test('with WebGPU the primary action downloads the model recommended for this device', async ({
	page
}) => {
	await recordShifts(page);
	await page.goto('/');
	await waitReady(page);
	const primary = page.getByTestId('first-run-primary');
	await expect(primary).toHaveText(/^Download /);
	await expect(primary).toBeEnabled();
	await expect(primary).toBeInViewport({ ratio: 1 });
	await expect(page.getByTestId('engine-notice')).toContainText(/\d+(\.\d+)? (MB|GB)/);
	await expect(page.getByTestId('engine-notice')).toContainText(/about \d+/);
	expect(await shifted(page)).toBe(0);
});

test('Ollama started after the page loaded is found without a reload, and nothing shifts', async ({
	page
}) => {
	const port = await freePort();
	await withoutWebGpu(page);
	await page.goto('/');
	await waitReady(page);
	await storeSettings(page, { ollamaUrl: `http://127.0.0.1:${port}`, autoTitle: false });
	await recordShifts(page);
	await page.reload();
	await waitReady(page);
	await expect(page.getByTestId('engine-notice')).toBeVisible();
	const ollama = await startOllamaFixture({
		port,
		allowedOrigins: [process.env.HEARTH_E2E_URL ?? '*']
	});
	try {
		await expect(page.getByTestId('engine-notice')).toHaveCount(0, { timeout: 15_000 });
		await expect(page.getByTestId('engine-status')).toContainText('llama3.2:1b');
		expect(await shifted(page)).toBe(0);
	} finally {
		await ollama.close();
	}
});

test('a first visit shows the first-run card from the first paint; once an engine was found, later visits do not', async ({
	page
}) => {
	const port = await freePort();
	await withoutWebGpu(page);
	await page.addInitScript(() => {
		const w = window as unknown as { __lcp: { text: string; at: number }[] };
		w.__lcp = [];
		new PerformanceObserver((list) => {
			for (const e of list.getEntries() as (PerformanceEntry & { element?: Element })[]) {
				w.__lcp.push({ text: e.element?.textContent ?? '', at: e.startTime });
			}
		}).observe({ type: 'largest-contentful-paint', buffered: true });
	});
	await page.goto('/');
	await waitReady(page);
	await storeSettings(page, { ollamaUrl: `http://127.0.0.1:${port}`, autoTitle: false });
	await recordShifts(page);
	await page.reload();
	await waitReady(page);
	await expect(page.getByTestId('engine-notice')).toBeVisible();
	// The largest paint is the card's opening line, painted by the frame before the app started
	// (before-paint.js marked the visit): the page's LCP no longer waits for the engine probes.
	const seen = await page.evaluate(() => ({
		lcp: (window as unknown as { __lcp: { text: string; at: number }[] }).__lcp,
		ready: performance.getEntriesByName('hearth:interactive')[0]!.startTime
	}));
	const last = seen.lcp.at(-1)!;
	expect(last.text).toContain('Hearth answers with an AI model that runs privately');
	expect(last.at).toBeLessThan(seen.ready);

	const ollama = await startOllamaFixture({
		port,
		allowedOrigins: [process.env.HEARTH_E2E_URL ?? '*']
	});
	try {
		await expect(page.getByTestId('engine-notice')).toHaveCount(0, { timeout: 15_000 });
		expect(await shifted(page)).toBe(0);
		// An engine answered here once: the next visit's frame has no card, and none appears.
		await page.reload();
		expect(await page.evaluate(() => document.documentElement.dataset.firstRun)).toBeUndefined();
		await expect(page.locator('[data-testid="shell-frame"] .first-run')).toBeHidden();
		await waitReady(page);
		await expect(page.getByTestId('engine-status')).toContainText('llama3.2:1b');
		await expect(page.locator('.first-run')).toHaveCount(0);
		expect(await shifted(page)).toBe(0);
	} finally {
		await ollama.close();
	}
});
