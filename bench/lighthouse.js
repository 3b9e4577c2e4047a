// Lighthouse (performance only) on a served build, in Debian's headless Chromium: the mobile run
// is Lighthouse's default phone emulation (Moto G Power, 4x CPU slowdown, slow 4G), the desktop
// run its desktop preset. Each run gets a fresh Chromium profile, so the service worker and the
// HTTP cache start empty, as for a first visit.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.js';

/**
 * @typedef {object} LighthouseFigures
 * @property {number} score performance score, 0-100
 * @property {number} fcp ms
 * @property {number} lcp ms
 * @property {number} tbt ms
 * @property {number} cls
 * @property {number} longestTask ms, the longest main-thread task Lighthouse lists (long-tasks
 *   audit; simulated at its CPU slowdown on mobile)
 * @property {number} consoleErrors entries the best-practices console audit would list
 */

/**
 * @param {string} url
 * @param {'mobile' | 'desktop'} formFactor
 * @returns {Promise<LighthouseFigures>}
 */
export async function runLighthouse(url, formFactor) {
	try {
		return await runOnce(url, formFactor);
	} catch (error) {
		// Lighthouse sometimes loses the trace on a loaded machine (NO_NAVSTART, NO_FCP): once more.
		if (!(error instanceof LighthouseRunError)) throw error;
		return runOnce(url, formFactor);
	}
}

class LighthouseRunError extends Error {}

/**
 * @param {string} url
 * @param {'mobile' | 'desktop'} formFactor
 * @returns {Promise<LighthouseFigures>}
 */
async function runOnce(url, formFactor) {
	const chrome = await chromeLauncher.launch({
		chromePath: CHROMIUM_PATH,
		// chrome-launcher adds its own headless flag otherwise; ours already says --headless=new.
		chromeFlags: CHROMIUM_ARGS,
		logLevel: 'silent'
	});
	try {
		const result = await lighthouse(
			url,
			{
				port: chrome.port,
				output: 'json',
				logLevel: 'error',
				onlyCategories: ['performance', 'best-practices']
			},
			formFactor === 'desktop' ? desktopConfig : undefined
		);
		if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
		const { lhr } = result;
		if (lhr.runtimeError) {
			throw new LighthouseRunError(
				`Lighthouse ${formFactor}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`
			);
		}
		/** @param {string} id */
		const value = (id) => lhr.audits[id]?.numericValue ?? NaN;
		const longTasks = /** @type {{ items?: { duration: number }[] } | undefined} */ (
			lhr.audits['long-tasks']?.details
		);
		const consoleDetails = /** @type {{ items?: unknown[] } | undefined} */ (
			lhr.audits['errors-in-console']?.details
		);
		return {
			score: Math.round((lhr.categories.performance?.score ?? NaN) * 100),
			fcp: value('first-contentful-paint'),
			lcp: value('largest-contentful-paint'),
			tbt: value('total-blocking-time'),
			cls: value('cumulative-layout-shift'),
			longestTask: Math.max(0, ...(longTasks?.items ?? []).map((t) => t.duration)),
			consoleErrors: consoleDetails?.items?.length ?? 0
		};
	} finally {
		chrome.kill();
	}
}
