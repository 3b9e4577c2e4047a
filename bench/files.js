// Files benchmark in the real app: a plan of 1,000 moves over the origin-private file system in
// Chromium, applied and undone through Hearth (the plan's card: Apply, then Undo), against the same
// moves made directly with the File System Access API in the same page, both one at a time and
// as many at once as Hearth runs them (the fair baseline: the same parallelism).
import { startServer } from '../scripts/serve.js';
import { startOpenAiFixture } from '../tests/fixtures/openai-fixture.js';
import { ensureBuild, launchChromium, median, openWithSettings, ratio, round } from './lib.js';

const FILES = 1000;
const FOLDERS = 10;
const ROUNDS = Number(process.env.HEARTH_BENCH_ROUNDS ?? 5);
const FOLDER = 'Downloads';
/** As many as Hearth's applier runs at once (src/lib/files/plan/apply.ts, MOVES_IN_FLIGHT). */
const MOVES_IN_FLIGHT = 8;

/** @param {number} i */
const fileName = (i) => `file-${String(i).padStart(4, '0')}.dat`;
/** @param {number} i */
const folderOf = (i) => `Kind-${i % FOLDERS}`;

/**
 * Fresh files (small, with a few bytes each) in the shared folder, nothing else.
 * @param {import('@playwright/test').Page} page
 */
function resetFolder(page) {
	return page.evaluate(
		async ({ folder, files }) => {
			const root = await navigator.storage.getDirectory();
			await root.removeEntry(folder, { recursive: true }).catch(() => {});
			const dir = await root.getDirectoryHandle(folder, { create: true });
			for (let i = 0; i < files; i++) {
				const name = `file-${String(i).padStart(4, '0')}.dat`;
				const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
				await w.write(`contents of ${name}`);
				await w.close();
			}
		},
		{ folder: FOLDER, files: FILES }
	);
}

/**
 * Shares the folder with Hearth as a returning user has it: its handle stored, changes allowed.
 * @param {import('@playwright/test').Page} page
 */
function shareFolder(page) {
	return page.evaluate(async (folder) => {
		const root = await navigator.storage.getDirectory();
		const handle = await root.getDirectoryHandle(folder, { create: true });
		await new Promise((resolve, reject) => {
			const open = indexedDB.open('hearth');
			open.onerror = () => reject(open.error);
			open.onsuccess = () => {
				const tx = open.result.transaction('folders', 'readwrite');
				tx.objectStore('folders').put({
					id: 'bench',
					name: folder,
					handle,
					kind: 'granted',
					addedAt: 1,
					writable: true
				});
				tx.oncomplete = () => resolve(undefined);
				tx.onerror = () => reject(tx.error);
			};
		});
	}, FOLDER);
}

/**
 * The baseline: the same moves straight through the File System Access API (a lookup and a
 * move() per file, the ten folders made first), then back, the folders removed. With
 * `inFlight`, that many moves run at once, as Hearth runs independent file moves.
 * @param {import('@playwright/test').Page} page
 * @param {{ inFlight?: number }} [options]
 */
function directMoves(page, { inFlight = 1 } = {}) {
	return page.evaluate(
		async ({ folder, files, folders, inFlight }) => {
			const root = await navigator.storage.getDirectory();
			const dir = await root.getDirectoryHandle(folder);
			const name = (/** @type {number} */ i) => `file-${String(i).padStart(4, '0')}.dat`;
			let started = performance.now();
			const kinds = [];
			for (let k = 0; k < folders; k++) {
				kinds.push(await dir.getDirectoryHandle(`Kind-${k}`, { create: true }));
			}
			/** Runs `step(i)` for every file, `inFlight` at a time (1: a plain loop). */
			const each = async (/** @type {(i: number) => Promise<void>} */ step) => {
				if (inFlight === 1) {
					for (let i = 0; i < files; i++) await step(i);
					return;
				}
				let next = 0;
				const lane = async () => {
					while (next < files) await step(next++);
				};
				await Promise.all(Array.from({ length: inFlight }, lane));
			};
			await each(async (i) => {
				const handle = await dir.getFileHandle(name(i));
				await /** @type {any} */ (handle).move(kinds[i % folders]);
			});
			const apply = performance.now() - started;
			started = performance.now();
			await each(async (i) => {
				const handle = await kinds[i % folders].getFileHandle(name(i));
				await /** @type {any} */ (handle).move(dir);
			});
			for (let k = 0; k < folders; k++) await dir.removeEntry(`Kind-${k}`);
			const undo = performance.now() - started;
			return { apply, undo };
		},
		{ folder: FOLDER, files: FILES, folders: FOLDERS, inFlight }
	);
}

/**
 * Clicks a button in the page and times until the card's state says it finished. The page
 * watches its own DOM for the change (a MutationObserver), so the wait costs the app nothing:
 * polling every animation frame ran a selector over the page ~60 times a second meanwhile.
 * @param {import('@playwright/test').Page} page
 * @param {string} buttonText
 * @param {string} doneSelector
 */
async function timeClick(page, buttonText, doneSelector) {
	return page.evaluate(
		({ text, selector }) =>
			new Promise((resolve, reject) => {
				const button = [...document.querySelectorAll('button')].find(
					(b) => b.textContent?.trim() === text
				);
				if (!button) throw new Error(`No button "${text}"`);
				const started = performance.now();
				const timer = setTimeout(() => reject(new Error(`"${selector}" never showed`)), 600_000);
				const observer = new MutationObserver(() => {
					if (!document.querySelector(selector)) return;
					observer.disconnect();
					clearTimeout(timer);
					resolve(performance.now() - started);
				});
				observer.observe(document.body, {
					subtree: true,
					childList: true,
					attributes: true,
					attributeFilter: ['data-status', 'data-state']
				});
				button.click();
			}),
		{ text: buttonText, selector: doneSelector }
	);
}

/**
 * One plan through Hearth: the message, the card (timed from sending), Apply, then Undo.
 * @param {import('@playwright/test').Page} page
 */
async function hearthPlan(page) {
	const operations = Array.from({ length: FILES }, (_, i) => ({
		action: 'move',
		from: fileName(i),
		to: `${folderOf(i)}/`
	}));
	const plan = { folder: FOLDER, summary: 'Sort by kind', operations };
	await page.keyboard.press('Control+Shift+O');
	const composer = page.getByLabel('Message Hearth');
	await composer.fill(
		`Organize my downloads folder [[tool:plan_file_changes ${JSON.stringify(plan)}]]`
	);
	const sent = await page.evaluate(() => performance.now());
	await composer.press('Enter');
	await page.waitForSelector('[data-testid="file-plan"][data-state="proposed"] button.primary', {
		timeout: 600_000
	});
	const shown = (await page.evaluate(() => performance.now())) - sent;
	const apply = await timeClick(
		page,
		`Apply ${FILES} changes`,
		'[data-testid="tool-call"][data-status="done"] [data-testid="plan-undo"][data-status="available"]'
	);
	const undo = await timeClick(page, 'Undo', '[data-testid="plan-undo"][data-status="undone"]');
	const left = await page.evaluate(async (folder) => {
		const root = await navigator.storage.getDirectory();
		const names = [];
		for await (const [name] of /** @type {any} */ (
			await root.getDirectoryHandle(folder)
		).entries()) {
			names.push(name);
		}
		return names.filter((n) => n !== '.hearth-trash').length;
	}, FOLDER);
	if (left !== FILES) throw new Error(`After undo the folder holds ${left} entries, not ${FILES}.`);
	return { shown, apply, undo };
}

export async function run() {
	const dir = await ensureBuild();
	const app = await startServer({ dir, port: 0, quiet: true });
	// The plan's 1,000 moves make a prompt of ~33,000 tokens: Ollama's 4,096-token window (what
	// Hearth assumes for Ollama) refuses it, so the model is one that reports a long context.
	const model = await startOpenAiFixture({
		chunkDelayMs: 0,
		models: [{ id: 'bench-long-context', contextLength: 262_144 }]
	});
	const browser = await launchChromium();
	try {
		const page = await browser.newPage();
		await openWithSettings(page, `${app.url}/`, {
			ollamaUrl: 'http://127.0.0.1:9',
			engine: 'openai',
			openaiUrl: model.url,
			openaiModel: 'bench-long-context',
			autoTitle: false,
			agentRouting: false,
			customAgents: [
				{
					id: 'chat',
					name: 'Chat',
					description: 'Casual conversation.',
					systemPrompt: 'You are Hearth.',
					examples: [],
					tools: ['plan_file_changes'],
					model: '',
					chainOfThought: false
				}
			]
		});
		await resetFolder(page);
		await shareFolder(page);
		await page.reload();
		await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');

		/** @type {Record<string, number[]>} */
		const times = {
			shown: [],
			apply: [],
			undo: [],
			directApply: [],
			directUndo: [],
			parallelApply: [],
			parallelUndo: []
		};
		for (let round = 0; round < ROUNDS; round++) {
			const steps = [
				async () => {
					const direct = await directMoves(page);
					times.directApply.push(direct.apply);
					times.directUndo.push(direct.undo);
				},
				async () => {
					const direct = await directMoves(page, { inFlight: MOVES_IN_FLIGHT });
					times.parallelApply.push(direct.apply);
					times.parallelUndo.push(direct.undo);
				},
				async () => {
					const hearth = await hearthPlan(page);
					times.shown.push(hearth.shown);
					times.apply.push(hearth.apply);
					times.undo.push(hearth.undo);
				}
			];
			// Rotate which goes first, so none always meets a warmer disk cache.
			for (let k = 0; k < steps.length; k++) await steps[(k + round) % steps.length]();
		}
		const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
		const row = (
			/** @type {string} */ step,
			/** @type {number} */ hearth,
			/** @type {number} */ one,
			/** @type {number} */ same
		) => ({
			step,
			'Hearth ms': round(hearth),
			'direct, 1 at a time ms': round(one),
			'ratio vs 1 at a time': ratio(hearth, one),
			[`direct, ${MOVES_IN_FLIGHT} at a time ms`]: round(same),
			'ratio vs same parallelism': ratio(hearth, same),
			goal: '≤ 1.2 (same parallelism)'
		});
		return {
			title: `Files: a plan of ${FILES.toLocaleString('en')} moves into ${FOLDERS} folders over OPFS, median of ${ROUNDS} rounds`,
			rows: [
				row('apply (Apply → card done, Undo offered)', m.apply, m.directApply, m.parallelApply),
				row('undo (Undo → undone)', m.undo, m.directUndo, m.parallelUndo),
				{
					step: 'send → plan on its card (read-only check)',
					'Hearth ms': round(m.shown),
					'direct, 1 at a time ms': '-',
					'ratio vs 1 at a time': '-',
					[`direct, ${MOVES_IN_FLIGHT} at a time ms`]: '-',
					'ratio vs same parallelism': '-',
					goal: '-'
				}
			],
			notes: [
				"Hearth applies with FileSystemFileHandle.move() (Chromium 156 has it for files, not folders); it checks the plan against the folder again, journals every move in IndexedDB and keeps each moved file's size and date; undo checks every file first.",
				`Hearth runs file moves that touch none of each other's paths ${MOVES_IN_FLIGHT} at a time: the fair baseline is the direct moves ${MOVES_IN_FLIGHT} at a time ("same parallelism"); the plain loop is shown too.`,
				`Per round: ${ROUNDS} rounds, the order rotated each round; each figure is the median. HEARTH_BENCH_ROUNDS sets the count.`
			]
		};
	} finally {
		await browser.close();
		await model.close();
		await app.close();
	}
}
