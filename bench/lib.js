// Shared helpers for the benchmarks: Chromium launch, build check, statistics, table output.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.js';

/** Repository root (the folder holding package.json). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} BenchResult
 * @property {string} title
 * @property {Array<Record<string, string | number>>} rows
 * @property {string[]} [notes]
 */

/**
 * Launches Debian's Chromium (never a Playwright download). Playwright gives each launch a fresh
 * temporary profile and deletes it on close.
 * @param {{ args?: string[] }} [options] extra command-line flags
 * @returns {Promise<import('@playwright/test').Browser>}
 */
export function launchChromium({ args = [] } = {}) {
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: [...CHROMIUM_ARGS, ...args]
	});
}

/**
 * The folder a bench serves: `HEARTH_BENCH_DIR` when set (no build step), otherwise `build/`,
 * running `npm run build` first when it has no index.html.
 * @returns {Promise<string>}
 */
export async function ensureBuild() {
	const override = process.env.HEARTH_BENCH_DIR;
	if (override) {
		const dir = path.resolve(override);
		if (!existsSync(path.join(dir, 'index.html'))) {
			throw new Error(`HEARTH_BENCH_DIR=${override} has no index.html`);
		}
		return dir;
	}
	const dir = path.join(ROOT, 'build');
	if (existsSync(path.join(dir, 'index.html'))) return dir;
	console.log('No build/index.html: running `npm run build` first.');
	await new Promise((resolve, reject) => {
		const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
		child.on('error', reject);
		child.on('exit', (code, signal) =>
			code === 0
				? resolve(undefined)
				: reject(new Error(`npm run build failed (${signal ?? `exit code ${code}`})`))
		);
	});
	if (!existsSync(path.join(dir, 'index.html'))) {
		throw new Error('npm run build finished but wrote no build/index.html');
	}
	return dir;
}

/**
 * @param {number[]} values
 * @returns {number} NaN for an empty list
 */
export function median(values) {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	const upper = sorted[mid] ?? NaN;
	return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? NaN) + upper) / 2;
}

/**
 * @param {number[]} values
 * @returns {{ median: number, min: number, max: number }}
 */
export function summarize(values) {
	return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Rounds for display and JSON: `digits` decimals, trailing zeros dropped.
 * @param {number} value
 * @param {number} [digits]
 */
export function round(value, digits = 1) {
	return Number(value.toFixed(digits));
}

/**
 * `a / b` as "2.50x", or '-' when either side is missing.
 * @param {number} a
 * @param {number} b
 */
export function ratio(a, b) {
	return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}

/** @param {number} bytes */
export function kb(bytes) {
	return bytes / 1024;
}

/**
 * Formats rows as an aligned plain-text table.
 * @param {Array<Record<string, string | number>>} rows
 * @returns {string}
 */
export function formatTable(rows) {
	if (rows.length === 0) return '(no rows)';
	/** @type {string[]} */
	const columns = [];
	for (const row of rows) {
		for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
	}
	const cells = rows.map((row) => columns.map((c) => (row[c] === undefined ? '' : String(row[c]))));
	const widths = columns.map((c, i) =>
		Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length))
	);
	// Right-align a column when its values are numbers (placeholders like '-' aside).
	const numeric = columns.map((c) =>
		rows.every((r) => r[c] === undefined || r[c] === '-' || typeof r[c] === 'number')
	);
	/** @param {string[]} values */
	const line = (values) =>
		values
			.map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
			.join(' | ')
			.trimEnd();
	return [line(columns), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join(
		'\n'
	);
}

/** One line describing the machine, so numbers from different runs can be compared fairly. */
export function machineSummary() {
	const cpus = os.cpus();
	const model = cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
	const memory = (os.totalmem() / 1024 ** 3).toFixed(1);
	return `${cpus.length} cores (${model}), ${memory} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/**
 * Waits until Hearth has rendered and marked itself ready.
 * @param {import('@playwright/test').Page} page
 */
export function waitReady(page) {
	return page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
}

/**
 * Opens Hearth at `url` with `settings` stored (as a returning user has them) and waits until it
 * is ready again.
 * @param {import('@playwright/test').Page} page
 * @param {string} url
 * @param {Record<string, unknown>} settings
 */
export async function openWithSettings(page, url, settings) {
	await page.goto(url);
	await waitReady(page);
	await page.evaluate(
		(value) =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const tx = open.result.transaction('settings', 'readwrite');
					tx.objectStore('settings').put({ key: 'settings', value });
					tx.oncomplete = () => resolve(undefined);
					tx.onerror = () => reject(tx.error);
				};
			}),
		settings
	);
	await page.reload();
	await waitReady(page);
}

/**
 * Waits until the model manager's row for `model` says it is downloaded.
 * @param {import('@playwright/test').Page} page
 * @param {string} model
 */
export function waitDownloaded(page, model) {
	return page.waitForFunction(
		(id) =>
			document
				.querySelector(`[data-testid="model-row"][data-model-id="${id}"]`)
				?.getAttribute('data-status') === 'complete',
		model,
		{ polling: 50 }
	);
}
