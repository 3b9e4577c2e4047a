// App-shell benchmark: how fast the installed PWA becomes interactive offline, and how much
// JS/CSS the first visit downloads, against a minimal page measured in the same browser run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { ensureBuild, kb, launchChromium, ratio, round, summarize } from './lib.js';

const RELOADS = 5;
const OFFLINE_GOAL_MS = 500;
const JS_GOAL_KB = 150;
const TIMEOUT_MS = 60_000;

/** The smallest page that signals "interactive" the same way the app does. */
const BASELINE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>baseline</title></head>
<body><p>baseline</p>
<script>
performance.mark('hearth:interactive');
document.documentElement.dataset.ready = 'true';
</script>
</body>
</html>
`;

/**
 * Waits for the page's ready signal and returns the `hearth:interactive` mark (ms since
 * navigation start).
 * @param {import('@playwright/test').Page} page
 * @returns {Promise<number>}
 */
async function timeToInteractive(page) {
	try {
		await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
			timeout: TIMEOUT_MS
		});
	} catch (error) {
		throw new Error(
			`${page.url()} never set <html data-ready="true"> within ${TIMEOUT_MS / 1000} s: ` +
				`the app must mark itself interactive for this bench (${String(error).split('\n')[0]})`
		);
	}
	const mark = await page.evaluate(
		() => performance.getEntriesByName('hearth:interactive')[0]?.startTime ?? null
	);
	if (mark === null) {
		throw new Error(`${page.url()} set data-ready but no performance mark 'hearth:interactive'`);
	}
	return mark;
}

/**
 * Resolves once a service worker is active and controls the page, reloading once if the first
 * visit is not yet controlled (the usual case without clients.claim()).
 * @param {import('@playwright/test').Page} page
 */
async function waitForServiceWorker(page) {
	/** @param {number} timeout */
	const check = (timeout) =>
		page.evaluate(async (timeout) => {
			if (!('serviceWorker' in navigator)) return 'no-api';
			const ready = await Promise.race([
				navigator.serviceWorker.ready.then(() => true),
				new Promise((resolve) => setTimeout(() => resolve(false), timeout))
			]);
			if (!ready) return 'not-ready';
			if (navigator.serviceWorker.controller) return 'controlled';
			// An activating worker that calls clients.claim() takes over without a reload.
			await new Promise((resolve) => {
				navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
				setTimeout(resolve, 1000);
			});
			return navigator.serviceWorker.controller ? 'controlled' : 'uncontrolled';
		}, timeout);

	let state = await check(TIMEOUT_MS);
	if (state === 'uncontrolled') {
		await page.reload({ waitUntil: 'load' });
		await timeToInteractive(page);
		state = await check(5000);
	}
	if (state === 'no-api')
		throw new Error('navigator.serviceWorker is missing: not a secure context?');
	if (state === 'not-ready') {
		throw new Error(
			`no service worker became active within ${TIMEOUT_MS / 1000} s: does the app register it?`
		);
	}
	if (state !== 'controlled') throw new Error('the service worker never took control of the page');
}

/**
 * @param {import('@playwright/test').Page} page
 * @param {number} count
 */
async function reloadTimes(page, count) {
	/** @type {number[]} */
	const times = [];
	for (let i = 0; i < count; i++) {
		await page.reload({ waitUntil: 'load' });
		times.push(await timeToInteractive(page));
	}
	return times;
}

/** @param {string} dir */
function displayPath(dir) {
	const rel = path.relative(process.cwd(), dir);
	return rel && !rel.startsWith('..') ? rel : dir;
}

/** @param {number} n */
const files = (n) => `${n} file${n === 1 ? '' : 's'}`;

/** @param {boolean} ok */
const verdict = (ok) => (ok ? 'yes' : 'NO');

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const dir = await ensureBuild();
	const baselineDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-bench-baseline-'));
	await writeFile(path.join(baselineDir, 'index.html'), BASELINE_HTML);

	/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
	let app;
	/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
	let baseline;
	/** @type {import('@playwright/test').Browser | undefined} */
	let browser;
	try {
		app = await startServer({ dir, port: 0, quiet: true });
		baseline = await startServer({ dir: baselineDir, port: 0, quiet: true });
		browser = await launchChromium();
		const context = await browser.newContext();

		// Baseline: same browser, same loopback, nothing but the mark. The warm-up navigation (another
		// URL, so nothing is cached for '/') keeps browser start-up costs out of the first visit.
		const basePage = await context.newPage();
		await basePage.goto(`${baseline.url}/warm-up`, { waitUntil: 'load' });
		await basePage.goto(`${baseline.url}/`, { waitUntil: 'load' });
		const baseFirst = await timeToInteractive(basePage);
		const baseReloads = summarize(await reloadTimes(basePage, RELOADS));
		await basePage.close();

		// First visit, cold and online: count what actually crossed the wire before interactive.
		const page = await context.newPage();
		/** @type {Promise<{ url: string, bytes: number }>[]} */
		const transfers = [];
		let counting = true;
		// Page-level events leave out the service worker's own precache downloads, which happen in
		// the background and do not hold up the first render.
		page.on('requestfinished', (request) => {
			if (!counting) return;
			transfers.push(
				Promise.all([request.sizes(), request.response()]).then(([sizes, response]) => ({
					url: new URL(request.url()).pathname,
					bytes: response?.fromServiceWorker() ? 0 : Math.max(0, sizes.responseBodySize)
				}))
			);
		});
		await page.goto(`${app.url}/`, { waitUntil: 'load' });
		const coldTti = await timeToInteractive(page);
		// What the page asked for before it was interactive (Resource Timing, the page's own clock):
		// chunks loaded on idle afterwards (knowledge, voice and images) are not part of the shell.
		const beforeMark = new Set(
			await page.evaluate((mark) => {
				return performance
					.getEntriesByType('resource')
					.filter((e) => e.startTime <= mark)
					.map((e) => new URL(e.name).pathname);
			}, coldTti)
		);
		// The idle loads (knowledge, media, the answer code) start within 3 s of the mark.
		await page.waitForTimeout(3500);
		await page.waitForLoadState('networkidle');
		counting = false;
		const firstLoad = await Promise.all(transfers);
		/** @param {RegExp} pattern @param {boolean} [all] */
		const sumOf = (pattern, all = false) => {
			const files = firstLoad.filter((t) => pattern.test(t.url) && (all || beforeMark.has(t.url)));
			return { count: files.length, kb: kb(files.reduce((sum, t) => sum + t.bytes, 0)) };
		};
		const js = sumOf(/\.m?js$/);
		const jsSettled = sumOf(/\.m?js$/, true);
		const css = sumOf(/\.css$/);

		await waitForServiceWorker(page);
		const cachedKb = kb(
			await page.evaluate(async () => {
				let total = 0;
				for (const name of await caches.keys()) {
					const cache = await caches.open(name);
					for (const request of await cache.keys()) {
						const response = await cache.match(request);
						if (response) total += (await response.blob()).size;
					}
				}
				return total;
			})
		);

		// Offline: the browser reports no network and the server is gone, so only the service
		// worker can answer.
		/** @type {string[]} */
		const failed = [];
		page.on('requestfailed', (request) =>
			failed.push(`${new URL(request.url()).pathname} (${request.failure()?.errorText ?? '?'})`)
		);
		await context.setOffline(true);
		await app.close();
		app = undefined;
		let offlineTimes;
		try {
			offlineTimes = await reloadTimes(page, RELOADS);
		} catch (error) {
			throw new Error(
				`offline reload failed: is the app shell precached by the service worker? (${String(error).split('\n')[0]})`
			);
		}
		const offline = summarize(offlineTimes);

		const rows = [
			{
				metric: `offline reload to interactive, median of ${RELOADS} (ms)`,
				Hearth: round(offline.median),
				baseline: round(baseReloads.median),
				ratio: ratio(offline.median, baseReloads.median),
				goal: `<= ${OFFLINE_GOAL_MS}`,
				met: verdict(offline.median <= OFFLINE_GOAL_MS)
			},
			{
				metric: 'offline reload to interactive, min (ms)',
				Hearth: round(offline.min),
				baseline: round(baseReloads.min),
				ratio: ratio(offline.min, baseReloads.min),
				goal: '-',
				met: '-'
			},
			{
				metric: 'offline reload to interactive, max (ms)',
				Hearth: round(offline.max),
				baseline: round(baseReloads.max),
				ratio: ratio(offline.max, baseReloads.max),
				goal: '-',
				met: '-'
			},
			{
				metric: 'first visit (cold, online) to interactive (ms)',
				Hearth: round(coldTti),
				baseline: round(baseFirst),
				ratio: ratio(coldTti, baseFirst),
				goal: '-',
				met: '-'
			},
			{
				metric: `initial JS transferred (gzip KB, ${files(js.count)})`,
				Hearth: round(js.kb),
				baseline: '-',
				ratio: ratio(js.kb, JS_GOAL_KB),
				goal: `<= ${JS_GOAL_KB}`,
				met: verdict(js.kb <= JS_GOAL_KB)
			},
			{
				metric: `JS once the page settled, with idle loads (gzip KB, ${files(jsSettled.count)})`,
				Hearth: round(jsSettled.kb),
				baseline: '-',
				ratio: '-',
				goal: '-',
				met: '-'
			},
			{
				metric: `initial CSS transferred (gzip KB, ${files(css.count)})`,
				Hearth: round(css.kb),
				baseline: '-',
				ratio: '-',
				goal: '-',
				met: '-'
			},
			{
				metric: 'Cache Storage after first visit (raw KB)',
				Hearth: round(cachedKb),
				baseline: '-',
				ratio: '-',
				goal: '-',
				met: '-'
			}
		];

		const notes = [
			`Chromium ${browser.version()}, headless; served by scripts/serve.js on loopback from ${displayPath(dir)}.`,
			'ratio = Hearth / baseline, or Hearth / goal where there is no baseline.',
			`Offline reload samples (ms): ${offlineTimes.map((t) => round(t)).join(', ')}.`,
			'Baseline: a page whose only script sets the same mark, reloaded online.',
			'JS/CSS are response bodies as transferred (gzip) for requests the page made before its interactive mark (Resource Timing), on a fresh profile; the settled row adds what loads on idle after it.'
		];
		if (failed.length > 0) {
			notes.push(`Requests that failed while offline: ${[...new Set(failed)].join(', ')}.`);
		}
		return { title: 'App shell: offline start and first-load weight', rows, notes };
	} finally {
		await browser?.close().catch(() => {});
		await app?.close().catch(() => {});
		await baseline?.close().catch(() => {});
		await rm(baselineDir, { recursive: true, force: true });
	}
}
