// Python sandbox benchmark: all 164 HumanEval canonical solutions run inside Hearth's Pyodide
// sandbox in Chromium (through the built app's window.__hearthPython debug entry), with cold
// start, warm run time and the time to stop an endless loop with and without cross-origin
// isolation. Baseline in the same run: the same programs in the machine's native CPython.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startServer } from '../scripts/serve.js';
import { ROOT, ensureBuild, launchChromium, ratio, round, summarize, waitReady } from './lib.js';

const HUMANEVAL = path.join(ROOT, '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
const RUN_TIMEOUT_MS = 20_000;
const STOP_AFTER_MS = 500;
const STOPS = 3;

/** @typedef {{ task_id: string, prompt: string, canonical_solution: string, test: string, entry_point: string }} Problem */

/** @returns {Problem[]} */
function loadProblems() {
	const text = gunzipSync(readFileSync(HUMANEVAL)).toString('utf8');
	return text
		.split('\n')
		.filter((line) => line.trim())
		.map((line) => /** @type {Problem} */ (JSON.parse(line)));
}

/** @param {Problem} p */
const programOf = (p) =>
	`${p.prompt}${p.canonical_solution}\n\n${p.test}\n\ncheck(${p.entry_point})\n`;

/**
 * The same programs in native CPython (one process, fresh globals each), or null without python3.
 * @param {string[]} programs
 * @returns {{ passed: number, times: number[] } | null}
 */
function nativeBaseline(programs) {
	const script = [
		'import json, sys, time',
		'programs = json.load(sys.stdin)',
		'out = []',
		'for src in programs:',
		'    t = time.perf_counter()',
		'    try:',
		'        exec(compile(src, "<cell>", "exec"), {"__name__": "__main__"})',
		'        ok = True',
		'    except BaseException:',
		'        ok = False',
		'    out.append([ok, (time.perf_counter() - t) * 1000])',
		'print(json.dumps(out))'
	].join('\n');
	const child = spawnSync('python3', ['-c', script], {
		input: JSON.stringify(programs),
		encoding: 'utf8',
		maxBuffer: 16 * 1024 * 1024
	});
	if (child.status !== 0 || !child.stdout) return null;
	/** @type {[boolean, number][]} */
	const rows = JSON.parse(child.stdout);
	return { passed: rows.filter(([ok]) => ok).length, times: rows.map(([, ms]) => ms) };
}

/**
 * @param {import('@playwright/test').Page} page
 * @param {string} code
 * @param {{ timeoutMs?: number, stopAfterMs?: number }} [options]
 * @returns {Promise<{ ok: boolean, elapsedMs: number, error?: { code?: string, type?: string, message: string } }>}
 */
function python(page, code, options = {}) {
	return page.evaluate(
		([source, opts]) => /** @type {any} */ (window).__hearthPython.run(source, opts),
		/** @type {const} */ ([code, options])
	);
}

/**
 * Opens the app and times Python's first start (nothing cached: a fresh browser context).
 * @param {import('@playwright/test').Browser} browser
 * @param {string} url
 */
async function openCold(browser, url) {
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	await page.goto(url);
	await waitReady(page);
	await page.waitForFunction(() => '__hearthPython' in window, null, { timeout: 30_000 });
	const started = performance.now();
	/** @type {{ fenceMs?: number }} */
	const result = await page.evaluate(() => /** @type {any} */ (window).__hearthPython.start());
	return { context, page, coldMs: performance.now() - started, fenceMs: result.fenceMs ?? 0 };
}

/**
 * Stops `while True: pass` after STOP_AFTER_MS; returns how long the stop took and how long
 * the next (trivial) run took, which includes any restart.
 * @param {import('@playwright/test').Page} page
 */
async function stopTimes(page) {
	/** @type {number[]} */
	const stop = [];
	/** @type {number[]} */
	const next = [];
	for (let i = 0; i < STOPS; i++) {
		const run = await python(page, 'while True:\n    pass', { stopAfterMs: STOP_AFTER_MS });
		if (run.ok || run.error?.code !== 'aborted') {
			throw new Error(`the endless loop did not stop as expected: ${JSON.stringify(run)}`);
		}
		stop.push(run.elapsedMs - STOP_AFTER_MS);
		const after = await python(page, '1');
		if (!after.ok) throw new Error(`Python was not usable after a stop: ${JSON.stringify(after)}`);
		next.push(after.elapsedMs);
	}
	return { stop: summarize(stop), next: summarize(next) };
}

/** @returns {Promise<import('./lib.js').BenchResult>} */
export async function run() {
	const dir = await ensureBuild();
	const problems = loadProblems();
	const programs = problems.map(programOf);
	const native = nativeBaseline(programs);

	const plain = await startServer({ dir, port: 0, quiet: true });
	const isolated = await startServer({ dir, port: 0, quiet: true, isolated: true });
	const browser = await launchChromium();
	try {
		const cold = await openCold(browser, plain.url);
		const { page } = cold;
		let passed = 0;
		/** @type {string[]} */
		const failures = [];
		/** @type {number[]} */
		const times = [];
		for (const [i, program] of programs.entries()) {
			const result = await python(page, program, { timeoutMs: RUN_TIMEOUT_MS });
			times.push(result.elapsedMs);
			if (result.ok && !result.error) passed++;
			else failures.push(`${problems[i]?.task_id}: ${result.error?.type ?? result.error?.code}`);
		}
		const trivial = [];
		for (let i = 0; i < 5; i++) trivial.push((await python(page, 'pass')).elapsedMs);
		const plainStops = await stopTimes(page);
		await cold.context.close();

		const iso = await openCold(browser, isolated.url);
		const isIsolated = await iso.page.evaluate(() => self.crossOriginIsolated);
		const isoStops = await stopTimes(iso.page);
		await iso.context.close();

		const warm = summarize(times);
		const nativeWarm = native ? summarize(native.times) : undefined;
		return {
			title:
				'Python sandbox: HumanEval canonical solutions in Pyodide (Chromium) vs native CPython',
			rows: [
				{
					metric: 'HumanEval passed',
					value: `${passed}/${programs.length}`,
					baseline: native ? `${native.passed}/${programs.length} (CPython)` : '-',
					ratio: '-'
				},
				{
					metric: 'cold start, ms',
					value: round(cold.coldMs, 0),
					baseline: round(iso.coldMs, 0),
					ratio: `${ratio(cold.coldMs, iso.coldMs)} (vs isolated page)`
				},
				{
					metric: 'of which the sandbox fence (policy probes + scope allowlist), ms',
					value: round(cold.fenceMs, 0),
					baseline: round(cold.coldMs, 0),
					ratio: `${round((100 * cold.fenceMs) / cold.coldMs, 2)} % of cold start`
				},
				{
					metric: 'median run, ms',
					value: round(warm.median, 1),
					baseline: nativeWarm ? round(nativeWarm.median, 2) : '-',
					ratio: nativeWarm ? `${ratio(warm.median, nativeWarm.median)} (vs CPython)` : '-'
				},
				{
					metric: 'median empty run, ms',
					value: round(summarize(trivial).median, 1),
					baseline: '-',
					ratio: '-'
				},
				{
					metric: 'stop endless loop, not isolated (terminate), ms',
					value: round(plainStops.stop.median, 0),
					baseline: round(isoStops.stop.median, 0),
					ratio: `${ratio(plainStops.stop.median, isoStops.stop.median)} (vs interrupt)`
				},
				{
					metric: 'next run after stop, not isolated (restart), ms',
					value: round(plainStops.next.median, 0),
					baseline: round(isoStops.next.median, 0),
					ratio: `${ratio(plainStops.next.median, isoStops.next.median)} (vs interrupt)`
				}
			],
			notes: [
				`Isolated page: crossOriginIsolated = ${isIsolated} (scripts/serve.js --isolated); stops there are KeyboardInterrupt through the interrupt buffer.`,
				`Stop times: median of ${STOPS}, measured from the stop request (after ${STOP_AFTER_MS} ms) to the run ending.`,
				`Runs time the whole round trip from the page (worker message, /data mount, run, result).`,
				native
					? 'Baseline CPython: python3 on this machine, same programs, one process.'
					: 'No python3 here: no native baseline.',
				...(failures.length ? [`Failed: ${failures.slice(0, 10).join('; ')}`] : [])
			]
		};
	} finally {
		await browser.close();
		await plain.close();
		await isolated.close();
	}
}
