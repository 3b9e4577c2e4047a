// History-search benchmark in the real app: 10,000 conversations (20,000 messages) in Chromium's
// IndexedDB. Hearth's indexed search, as a user feels it (typing → results shown), against a full
// scan of every message measured in the same page.
import { startServer } from '../scripts/serve.js';
import { seedConversations } from '../tests/fixtures/seed-history.js';
import { ensureBuild, launchChromium, ratio, round, summarize } from './lib.js';

const CONVERSATIONS = 10_000;
const QUERIES = ['zanzib', 'zanzibar snorkelling', 'chess 4', 'python question', 'nothingmatches'];
const READY = () => document.documentElement.dataset.ready === 'true';

/**
 * Full-scan baseline: read every message and keep the conversations whose text has every word.
 * @param {import('@playwright/test').Page} page
 * @param {string} query
 */
function fullScan(page, query) {
	return page.evaluate(async (q) => {
		const started = performance.now();
		const db = await /** @type {Promise<IDBDatabase>} */ (
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onsuccess = () => resolve(open.result);
				open.onerror = () => reject(open.error);
			})
		);
		const all = await /** @type {Promise<Array<{ content: string, conversationId: string }>>} */ (
			new Promise((resolve, reject) => {
				const get = db.transaction('messages').objectStore('messages').getAll();
				get.onsuccess = () => resolve(get.result);
				get.onerror = () => reject(get.error);
			})
		);
		const words = q.toLowerCase().split(/\s+/);
		const hits = new Set(
			all
				.filter((m) => words.every((w) => m.content.toLowerCase().includes(w)))
				.map((m) => m.conversationId)
		);
		db.close();
		return { ms: performance.now() - started, hits: hits.size };
	}, query);
}

/**
 * Types the query into the sidebar search and waits until results (or "Nothing found") show.
 * @param {import('@playwright/test').Page} page
 * @param {string} query
 */
async function uiSearch(page, query) {
	const input = page.getByLabel('Search conversations');
	await input.fill('');
	await page.waitForFunction(() => !document.querySelector('[data-testid="search-hit"]'));
	const started = await page.evaluate(() => performance.now());
	await input.fill(query);
	await page.waitForFunction(
		() =>
			document.querySelector('[aria-busy="false"] [data-testid="search-hit"]') !== null ||
			document.body.innerText.includes('Nothing found.')
	);
	const ended = await page.evaluate(() => performance.now());
	const hits = await page.getByTestId('search-hit').count();
	return { ms: ended - started, hits };
}

export async function run() {
	const dir = await ensureBuild();
	const server = await startServer({ dir, port: 0, quiet: true });
	const browser = await launchChromium();
	try {
		const page = await browser.newPage();
		await page.goto(`${server.url}/`);
		await page.waitForFunction(READY);
		const seedStarted = performance.now();
		await seedConversations(page, CONVERSATIONS, 4321);
		const seedMs = performance.now() - seedStarted;
		const loads = [];
		for (let i = 0; i < 3; i++) {
			await page.reload();
			await page.waitForFunction(READY);
			loads.push(
				await page.evaluate(
					() => performance.getEntriesByName('hearth:interactive')[0]?.startTime ?? NaN
				)
			);
		}
		const rows = [];
		const ui = [];
		const scan = [];
		for (const query of QUERIES) {
			// The UI pays a 120 ms typing debounce; the scan does not.
			const a = await uiSearch(page, query);
			const b = await fullScan(page, query);
			ui.push(a.ms);
			scan.push(b.ms);
			rows.push({
				query,
				'Hearth (ms, typing → shown)': round(a.ms),
				'full scan (ms)': round(b.ms),
				ratio: ratio(a.ms, b.ms),
				'hits shown / scan hits': `${a.hits} / ${b.hits}`
			});
		}
		const uiMed = summarize(ui).median;
		const scanMed = summarize(scan).median;
		rows.push({
			query: 'median',
			'Hearth (ms, typing → shown)': round(uiMed),
			'full scan (ms)': round(scanMed),
			ratio: ratio(uiMed, scanMed),
			'hits shown / scan hits': '-'
		});
		return {
			title: `History search over ${CONVERSATIONS.toLocaleString('en')} conversations (${(2 * CONVERSATIONS).toLocaleString('en')} messages)`,
			rows,
			notes: [
				`reload to interactive with that history: median of 3 = ${round(summarize(loads).median)} ms`,
				`seeding took ${round(seedMs / 1000)} s; Hearth shows at most 50 hits (newest first), the scan counts all`,
				'Hearth time includes the 120 ms typing debounce and rendering; ratio = Hearth / full scan'
			]
		};
	} finally {
		await browser.close();
		await server.close();
	}
}
