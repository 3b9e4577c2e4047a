// App-shell benchmark: how fast the installed PWA becomes interactive offline, and how much
// JS/CSS the first visit downloads, against a minimal page measured in the same browser run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { ensureBuild, kb, launchChromium, ratio, round, summarize } from './lib.js';
import { runLighthouse } from './lighthouse.js';

const RELOADS = 5;
const OFFLINE_GOAL_MS = 200;
const JS_GOAL_KB = 100;
const LIGHTHOUSE_GOALS = { mobile: 90, desktop: 100 };
const TBT_GOAL_MS = 150;
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

/**
 * The JS the pre-rendered HTML itself loads (its scripts and modulepreloads): what the first paint
 * hydrates with, before the app is imported. Gzip sizes of the files on disk.
 * @param {string} dir
 */
async function htmlScripts(dir) {
	const html = await readFile(path.join(dir, 'index.html'), 'utf8');
	const files = [
		...new Set([...html.matchAll(/["'(]\.?\/?(_app\/immutable\/[\w./-]+\.js)/g)].map((m) => m[1]))
	];
	let bytes = 0;
	for (const file of files)
		bytes += gzipSync(await readFile(path.join(dir, /** @type {string} */ (file)))).length;
	return { count: files.length, kb: kb(bytes) };
}

/**
 * Everything but Lighthouse for one build: the first visit's weight, then offline reloads.
 * @param {import('@playwright/test').Browser} browser
 * @param {string} dir
 */
async function measureBuild(browser, dir) {
	let app = await startServer({ dir, port: 0, quiet: true });
	const context = await browser.newContext();
	try {
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
		let offlineTimes;
		try {
			offlineTimes = await reloadTimes(page, RELOADS);
		} catch (error) {
			throw new Error(
				`offline reload failed: is the app shell precached by the service worker? (${String(error).split('\n')[0]})`
			);
		}
		return {
			coldTti,
			js,
			jsSettled,
			css,
			cachedKb,
			html: await htmlScripts(dir),
			offlineTimes,
			offline: summarize(offlineTimes),
			failed
		};
	} finally {
		await context.close().catch(() => {});
		await app.close().catch(() => {});
	}
}

/**
 * Lighthouse's performance run, mobile and desktop, on a build served with COOP/COEP like
 * `npm start` (a fresh Chromium profile each: a first visit).
 * @param {string} dir
 */
async function lighthouseOf(dir) {
	const server = await startServer({ dir, port: 0, quiet: true, isolated: true });
	return {
		/** @param {'mobile' | 'desktop'} form */
		run: (form) => runLighthouse(`${server.url}/`, form),
		close: () => server.close().catch(() => {})
	};
}

/**
 * The median run of each form factor (by score), builds interleaved run by run so that load from
 * elsewhere on the machine falls on both alike.
 * @param {string} dir
 * @param {string | null} baselineDir
 * @param {number} runs
 */
async function lighthouseRuns(dir, baselineDir, runs) {
	const now = await lighthouseOf(dir);
	const before = baselineDir ? await lighthouseOf(baselineDir) : null;
	/** @type {Record<'now' | 'before', Record<'mobile' | 'desktop', import('./lighthouse.js').LighthouseFigures[]>>} */
	const all = { now: { mobile: [], desktop: [] }, before: { mobile: [], desktop: [] } };
	try {
		for (let i = 0; i < runs; i++) {
			for (const form of /** @type {const} */ (['mobile', 'desktop'])) {
				all.now[form].push(await now.run(form));
				if (before) all.before[form].push(await before.run(form));
			}
		}
	} finally {
		await now.close();
		await before?.close();
	}
	/** @param {import('./lighthouse.js').LighthouseFigures[]} list */
	const middle = (list) => [...list].sort((a, b) => a.score - b.score)[Math.floor(list.length / 2)];
	const pick = (/** @type {'now' | 'before'} */ which) => ({
		mobile: /** @type {import('./lighthouse.js').LighthouseFigures} */ (middle(all[which].mobile)),
		desktop: /** @type {import('./lighthouse.js').LighthouseFigures} */ (
			middle(all[which].desktop)
		),
		scores: `mobile ${all[which].mobile.map((r) => r.score).join('/')}, desktop ${all[which].desktop.map((r) => r.score).join('/')}`
	});
	return { now: pick('now'), before: before ? pick('before') : null };
}

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const dir = await ensureBuild();
	const baselineBuild = process.env.HEARTH_BENCH_BASELINE_DIR
		? path.resolve(process.env.HEARTH_BENCH_BASELINE_DIR)
		: null;
	const skipLighthouse = process.env.HEARTH_BENCH_LIGHTHOUSE === '0';
	const minimalDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-bench-baseline-'));
	await writeFile(path.join(minimalDir, 'index.html'), BASELINE_HTML);

	/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
	let minimal;
	/** @type {import('@playwright/test').Browser | undefined} */
	let browser;
	try {
		minimal = await startServer({ dir: minimalDir, port: 0, quiet: true });
		browser = await launchChromium();

		// The minimal page: same browser, same loopback, nothing but the mark. The warm-up navigation
		// (another URL, so nothing is cached for '/') keeps browser start-up costs out of the first visit.
		const context = await browser.newContext();
		const basePage = await context.newPage();
		await basePage.goto(`${minimal.url}/warm-up`, { waitUntil: 'load' });
		await basePage.goto(`${minimal.url}/`, { waitUntil: 'load' });
		const baseFirst = await timeToInteractive(basePage);
		const baseReloads = summarize(await reloadTimes(basePage, RELOADS));
		await context.close();

		const now = await measureBuild(browser, dir);
		const before = baselineBuild ? await measureBuild(browser, baselineBuild) : null;
		await browser.close();
		browser = undefined;
		const runs = Math.max(1, Number(process.env.HEARTH_BENCH_LIGHTHOUSE_RUNS ?? 3));
		const lh = skipLighthouse ? null : await lighthouseRuns(dir, baselineBuild, runs);
		const lhNow = lh?.now ?? null;
		const lhBefore = lh?.before ?? null;

		/**
		 * @param {string} metric
		 * @param {number} value
		 * @param {{ minimal?: number, build?: number, goal?: string, met?: boolean }} more
		 */
		const row = (metric, value, more) => ({
			metric,
			Hearth: round(value),
			'baseline build': more.build === undefined ? '-' : round(more.build),
			'vs build': more.build === undefined ? '-' : ratio(value, more.build),
			'minimal page': more.minimal === undefined ? '-' : round(more.minimal),
			'vs minimal': more.minimal === undefined ? '-' : ratio(value, more.minimal),
			goal: more.goal ?? '-',
			met: more.met === undefined ? '-' : verdict(more.met)
		});

		const rows = [
			row(`offline reload to interactive, median of ${RELOADS} (ms)`, now.offline.median, {
				build: before?.offline.median,
				minimal: baseReloads.median,
				goal: `<= ${OFFLINE_GOAL_MS}`,
				met: now.offline.median <= OFFLINE_GOAL_MS
			}),
			row('offline reload to interactive, min (ms)', now.offline.min, {
				build: before?.offline.min,
				minimal: baseReloads.min
			}),
			row('offline reload to interactive, max (ms)', now.offline.max, {
				build: before?.offline.max,
				minimal: baseReloads.max
			}),
			row('first visit (cold, online) to interactive (ms)', now.coldTti, {
				build: before?.coldTti,
				minimal: baseFirst
			}),
			row(`initial JS: what the HTML loads (gzip KB, ${files(now.html.count)})`, now.html.kb, {
				build: before?.html.kb,
				goal: `<= ${JS_GOAL_KB}`,
				met: now.html.kb <= JS_GOAL_KB
			}),
			row(`JS before interactive (gzip KB, ${files(now.js.count)})`, now.js.kb, {
				build: before?.js.kb
			}),
			row(
				`JS once the page settled, with idle loads (gzip KB, ${files(now.jsSettled.count)})`,
				now.jsSettled.kb,
				{
					build: before?.jsSettled.kb
				}
			),
			row(`initial CSS transferred (gzip KB, ${files(now.css.count)})`, now.css.kb, {
				build: before?.css.kb
			}),
			row('Cache Storage after first visit (raw KB)', now.cachedKb, { build: before?.cachedKb })
		];
		if (lhNow) {
			for (const form of /** @type {const} */ (['mobile', 'desktop'])) {
				const a = lhNow[form];
				const b = lhBefore?.[form];
				rows.push(
					row(`Lighthouse performance, ${form}`, a.score, {
						build: b?.score,
						goal: `>= ${LIGHTHOUSE_GOALS[form]}`,
						met: a.score >= LIGHTHOUSE_GOALS[form]
					}),
					row(`  FCP, ${form} (ms)`, a.fcp, { build: b?.fcp }),
					row(`  LCP, ${form} (ms)`, a.lcp, { build: b?.lcp }),
					row(`  TBT, ${form} (ms)`, a.tbt, {
						build: b?.tbt,
						...(form === 'mobile' ? { goal: `<= ${TBT_GOAL_MS}`, met: a.tbt <= TBT_GOAL_MS } : {})
					}),
					row(`  longest main-thread task, ${form} (ms)`, a.longestTask, {
						build: b?.longestTask
					}),
					{
						...row(`  CLS, ${form}`, a.cls, { build: b?.cls, goal: '0', met: a.cls === 0 }),
						Hearth: a.cls.toFixed(3),
						'baseline build': b ? b.cls.toFixed(3) : '-'
					},
					row(`  console errors, ${form}`, a.consoleErrors, { build: b?.consoleErrors })
				);
			}
		}

		const notes = [
			`Served by scripts/serve.js on loopback from ${displayPath(dir)}${baselineBuild ? `; baseline build ${displayPath(baselineBuild)}, measured in the same run` : ' (set HEARTH_BENCH_BASELINE_DIR to an older build to compare)'}.`,
			'vs build = Hearth / baseline build; vs minimal = Hearth / a page whose only script sets the same "interactive" mark, reloaded online.',
			`Offline reload samples (ms): ${now.offlineTimes.map((t) => round(t)).join(', ')}.`,
			'Initial JS = the scripts the pre-rendered HTML loads and their static imports (gzip): what hydrates the first paint. "Before interactive" adds what the page requested before its interactive mark (Resource Timing), i.e. the app imported after hydration; the settled row adds what loads on idle.',
			skipLighthouse
				? 'Lighthouse skipped (HEARTH_BENCH_LIGHTHOUSE=0).'
				: `Lighthouse 12 (performance and best-practices categories), headless Debian Chromium, fresh profile per run, build served with COOP/COEP (as \`npm start\`). Mobile = its default Moto G Power emulation (4x CPU slowdown, slow 4G, simulated); desktop = its desktop preset. The median run by score of ${runs} (HEARTH_BENCH_LIGHTHOUSE_RUNS), the two builds interleaved run by run. Scores: this build ${lhNow?.scores}${lhBefore ? `; baseline build ${lhBefore.scores}` : ''}.`
		];
		if (now.failed.length > 0) {
			notes.push(`Requests that failed while offline: ${[...new Set(now.failed)].join(', ')}.`);
		}
		return { title: 'App shell: first paint, offline start and first-load weight', rows, notes };
	} finally {
		await browser?.close().catch(() => {});
		await minimal?.close().catch(() => {});
		await rm(minimalDir, { recursive: true, force: true });
	}
}
