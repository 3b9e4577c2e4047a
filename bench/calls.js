// Model calls per message, as a person's message really costs them: the built app in Chromium
// with its default settings (the router, the agents, reviews, titles, memory proposals all on)
// against the fixture Ollama, which records every request. Each kind of message is sent as the
// first message of a new conversation (so its title counts), and the background calls (title,
// memory proposals) are counted once answering has been quiet long enough for them to run.
//
// HEARTH_BENCH_BASELINE_DIR names another build (e.g. an older commit's `build/`) to measure in
// the same run, for the ratio column.
import path from 'node:path';
import { startServer } from '../scripts/serve.js';
import { startOllamaFixture } from '../tests/fixtures/ollama-fixture.js';
import { ensureBuild, launchChromium, ratio, round } from './lib.js';

/** What each kind of message is; the fixture echoes, so the answers are the messages. */
const MESSAGES = [
	{ kind: 'plain question', text: 'What is a good name for a grey cat?' },
	{ kind: 'personal note', text: 'I live in Porto and I prefer short answers.' },
	{
		kind: 'tool question',
		text: 'What is the weather in Berlin? [[tool:weather {"location":"Berlin"}]]'
	},
	{ kind: 'code question', text: 'Write a Python function that reverses a string.' }
];

/** Long enough for the memory-proposal queue's quiet spell (10 s) and the idle title. */
const QUIET_MS = 12_000;

/**
 * Which part of Hearth made a request, from its system prompt.
 * @param {unknown} body
 */
function purpose(body) {
	const messages = /** @type {{ messages?: { role: string, content: string }[] } | null} */ (body)
		?.messages;
	const system = messages?.find((m) => m.role === 'system')?.content ?? '';
	if (system.startsWith('Write a short title')) return 'title';
	if (system.startsWith('Choose which assistant')) return 'router';
	if (system.startsWith("You review an assistant's answer")) return 'review';
	if (system.includes('Rewrite your draft answer')) return 'review';
	if (system.startsWith('You pick out durable facts')) return 'memory';
	if (system.startsWith('You keep notes on a conversation')) return 'summary';
	return 'answer';
}

/**
 * @param {string} dir a build to serve
 * @param {string} label
 */
async function measure(dir, label) {
	const app = await startServer({ dir, port: 0, quiet: true });
	const ollama = await startOllamaFixture({ allowedOrigins: [app.url], chunkDelayMs: 5 });
	const browser = await launchChromium();
	/** @type {Array<Record<string, string | number>>} */
	const rows = [];
	try {
		for (const message of MESSAGES) {
			const context = await browser.newContext();
			const page = await context.newPage();
			await page.goto(app.url);
			await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
			await page.evaluate(async (ollamaUrl) => {
				await new Promise((resolve, reject) => {
					// The first visit made the database; this is a returning person's settings row.
					const open = indexedDB.open('hearth');
					open.onerror = () => reject(open.error);
					open.onsuccess = () => {
						const tx = open.result.transaction('settings', 'readwrite');
						tx.objectStore('settings').put({ key: 'settings', value: { ollamaUrl } });
						tx.oncomplete = () => {
							open.result.close();
							resolve(undefined);
						};
					};
				});
			}, ollama.url);
			await page.reload();
			await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
			await page.getByTestId('engine-status').getByText('llama3.2:1b').waitFor();
			const before = ollama.requests.length;
			const composer = page.getByLabel('Message Hearth');
			await composer.fill(message.text);
			const sent = performance.now();
			await composer.press('Enter');
			const answer = page.getByRole('article', { name: 'Hearth’s answer' }).last();
			await answer.waitFor();
			await page.waitForFunction(
				() =>
					[...document.querySelectorAll('article')].at(-1)?.getAttribute('data-status') === 'done',
				undefined,
				{ timeout: 60_000 }
			);
			const answered = performance.now() - sent;
			const during = ollama.requests.slice(before).filter((r) => r.path === '/api/chat');
			await page.waitForTimeout(QUIET_MS);
			const all = ollama.requests.slice(before).filter((r) => r.path === '/api/chat');
			/** @type {Record<string, number>} */
			const by = {};
			for (const r of all) by[purpose(r.body)] = (by[purpose(r.body)] ?? 0) + 1;
			rows.push({
				build: label,
				message: message.kind,
				'calls before the answer is done': during.length,
				'calls in all': all.length,
				'by purpose': Object.entries(by)
					.map(([p, n]) => `${p} ${n}`)
					.join(', '),
				'time to final answer (ms)': Math.round(answered)
			});
			await context.close();
		}
	} finally {
		await browser.close();
		await Promise.all([app.close(), ollama.close()]);
	}
	return rows;
}

export async function run() {
	const rows = await measure(await ensureBuild(), 'this build');
	const baselineDir = process.env.HEARTH_BENCH_BASELINE_DIR;
	const notes = [
		'Fixture Ollama (echo replies, 5 ms per chunk): counts are exact, times are the app’s own overhead plus the fixture’s pacing.',
		'Goal: one model call for a plain question.'
	];
	if (baselineDir) {
		const base = await measure(path.resolve(baselineDir), 'baseline');
		for (const row of rows) {
			const old = base.find((b) => b.message === row.message);
			if (!old) continue;
			row['calls in all, baseline'] = old['calls in all'];
			row['calls ratio'] = ratio(Number(row['calls in all']), Number(old['calls in all']));
			row['time ratio'] = ratio(
				Number(row['time to final answer (ms)']),
				Number(old['time to final answer (ms)'])
			);
		}
		notes.push(`Baseline: ${baselineDir}, measured in the same run.`);
	}
	for (const row of rows) {
		row['time to final answer (ms)'] = round(Number(row['time to final answer (ms)']), 0);
	}
	return { title: 'Model calls per message (fixture engine, default settings)', rows, notes };
}
