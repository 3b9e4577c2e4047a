import { expect, test, type Page } from '@playwright/test';
import { startGgufMirror } from '../fixtures/gguf-mirror.js';
import type { GgufMirror } from '../fixtures/gguf-mirror.js';
import {
	addStories,
	chatCalls,
	FILE,
	forbidRemote,
	ggufSettings,
	loadCalls,
	MODEL_ID,
	rawChat,
	REPO,
	requireModel,
	serveRawWllama,
	spyOnChatCalls,
	STORIES
} from './gguf-kit';

// The eval screen on a real model in the browser: stories260K through Hearth's GGUF engine
// (llama.cpp in WebAssembly, one thread). Each case's answer must be the text raw wllama gives
// for the exact request Hearth sent, and each verdict what the grader makes of that text.

const SET = {
	format: 'hearth-eval-set',
	version: 1,
	sets: [
		{
			id: 'tiny',
			name: 'Tiny',
			version: 1,
			cases: [
				{
					id: 'two-plus-two',
					category: 'arithmetic',
					agent: 'chat',
					turns: [{ text: "What's 2+2?" }],
					graders: [{ kind: 'numeric', expected: 4 }]
				},
				{
					id: 'story',
					category: 'custom',
					agent: 'chat',
					turns: [{ text: 'Tell me a story about a cat.' }],
					graders: [{ kind: 'regex', pattern: '\\bthe\\b', flags: 'i' }]
				}
			]
		}
	]
};

interface StoredRun {
	engine: string;
	model: string;
	startedAt: number;
	options: { temperature: number; seed: number };
	results: {
		caseId: string;
		pass: boolean;
		transcript: { role: string; text: string; status?: string }[];
		timings?: { totalMs: number; timeToFirstTokenMs?: number };
		graders: { kind: string; pass: boolean; reason: string }[];
	}[];
}

async function storedRuns(page: Page): Promise<StoredRun[]> {
	return page.evaluate(
		() =>
			new Promise<StoredRun[]>((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const request = open.result.transaction('evalRuns').objectStore('evalRuns').getAll();
					request.onsuccess = () => {
						open.result.close();
						resolve(request.result as StoredRun[]);
					};
					request.onerror = () => reject(request.error);
				};
			})
	);
}

let mirror: GgufMirror;
let modelUrl: string;

test.beforeAll(async () => {
	mirror = await startGgufMirror();
	modelUrl = mirror.add(REPO, FILE, STORIES);
});
test.afterAll(async () => {
	await mirror?.close();
});

// The model list names stories260K by its file: its GGUF header's general.name is only its
// architecture ("llama"), which Hearth no longer takes for a name (gguf-header modelNameOf).
test('a set runs on stories260K in the browser: raw wllama’s answers, graded as they read', async ({
	page
}) => {
	test.setTimeout(300_000);
	requireModel(test.skip);
	const refused = await forbidRemote(page.context());
	await serveRawWllama(page.context());
	await spyOnChatCalls(page);
	await addStories(page, ggufSettings(mirror));

	await page.getByRole('button', { name: /Evals and metrics/ }).click();
	const dialog = page.getByTestId('quality-dialog');
	await dialog.getByTestId('import-evals').setInputFiles({
		name: 'tiny.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify(SET))
	});
	await dialog.getByTestId('eval-set').selectOption({ label: 'Tiny (2 cases)' });
	const option = dialog.getByTestId('eval-model').locator('option', { hasText: /stories260K/i });
	await dialog.getByTestId('eval-model').selectOption((await option.getAttribute('value')) ?? '');
	await dialog.getByTestId('eval-run').click();
	await expect(dialog.getByTestId('eval-progress')).toBeVisible();
	await expect(dialog.getByTestId('eval-run')).toBeVisible({ timeout: 240_000 });

	// The same set again on the same model: temperature 0 gives the same answers and verdicts.
	await dialog.getByTestId('eval-run').click();
	await expect(dialog.getByTestId('eval-progress')).toBeVisible();
	await expect(dialog.getByTestId('eval-run')).toBeVisible({ timeout: 240_000 });
	const runs = (await storedRuns(page)).sort((a, b) => a.startedAt - b.startedAt);
	expect(runs).toHaveLength(2);
	const [run, again] = runs;
	const said = (r: StoredRun) => r.results.map((c) => [c.transcript.at(-1)?.text, c.pass]);
	expect(said(again!)).toEqual(said(run!));

	expect(run).toMatchObject({
		engine: 'webllm',
		model: MODEL_ID,
		options: { temperature: 0, seed: 42 }
	});
	expect(run!.results.map((r) => r.caseId)).toEqual(['two-plus-two', 'story']);

	// Every answer is the model's own greedy text for the request Hearth sent.
	const all = await chatCalls(page);
	expect(all).toHaveLength(4);
	const chats = all.slice(0, 2);
	expect(all.slice(2)).toEqual(chats);
	const [load] = await loadCalls(page);
	for (const [i, result] of run!.results.entries()) {
		const chat = chats[i]!;
		expect(chat.messages.at(-1)).toEqual({
			role: 'user',
			content: SET.sets[0]!.cases[i]!.turns[0]!.text
		});
		expect(chat.options).toMatchObject({ temperature: 0 });
		const expected = await rawChat(page, modelUrl, chat, {
			gpuLayers: 0,
			contextSize: load!.contextSize
		});
		const answer = result.transcript.at(-1)!;
		expect(answer).toMatchObject({ role: 'assistant', status: 'done', text: expected });
		expect(result.timings!.totalMs).toBeGreaterThan(0);
		expect(result.timings!.timeToFirstTokenMs).toBeGreaterThan(0);
		expect(result.graders[0]!.reason.length).toBeGreaterThan(0);
		// The verdict is what the grader makes of that text (computed here, not typed in).
		const numbers = expected.match(/-?\d+(?:\.\d+)?/g) ?? [];
		const verdict =
			result.caseId === 'story' ? /\bthe\b/i.test(expected) : Number(numbers.at(-1)) === 4;
		expect(result.pass, `${result.caseId}: ${expected}`).toBe(verdict);
	}

	// The report says the same, and nothing left the machine.
	const passed = run!.results.filter((r) => r.pass).length;
	await expect(dialog.getByTestId('run-completion')).toHaveText(
		`${Math.round((passed / 2) * 100)} % (${passed}/2)`
	);
	expect(refused).toEqual([]);
});
