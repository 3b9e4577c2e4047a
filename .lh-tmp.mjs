import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startServer } from './scripts/serve.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.js';
import { writeFileSync } from 'node:fs';
const server = await startServer({ dir: process.argv[2] ?? '/tmp/lh-build', port: 0, quiet: true, isolated: true });
const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_PATH, chromeFlags: CHROMIUM_ARGS, logLevel: 'silent' });
const r = await lighthouse(`${server.url}/`, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] });
const a = r.lhr.audits;
console.log('score', r.lhr.categories.performance.score, 'FCP', a['first-contentful-paint'].numericValue, 'LCP', a['largest-contentful-paint'].numericValue, 'TBT', a['total-blocking-time'].numericValue, 'SI', a['speed-index'].numericValue);
for (const id of ['bootup-time', 'mainthread-work-breakdown', 'long-tasks', 'largest-contentful-paint-element', 'network-requests']) {
  const d = a[id]?.details;
  console.log('==', id, a[id]?.displayValue);
  for (const it of (d?.items ?? []).slice(0, 25)) console.log(JSON.stringify(it).slice(0, 300));
}
writeFileSync('/tmp/lh.json', JSON.stringify(r.lhr));
await chrome.kill(); await server.close();
