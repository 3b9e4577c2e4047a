import { expect, test, type Page } from '@playwright/test';
import { startGgufMirror } from '../fixtures/gguf-mirror.js';
import type { GgufMirror } from '../fixtures/gguf-mirror.js';
import {
	addStories,
	answerSettled,
	chatCalls,
	FILE,
	forbidRemote,
	ggufRow,
	ggufSettings,
	lastStoredAnswer,
	loadCalls,
	MODEL_ID,
	rawChat,
	REPO,
	requireModel,
	serveRawWllama,
	spyOnChatCalls,
	STORIES,
	storedConversation
} from './gguf-kit';
import { answers, composer, openHearth, send } from './helpers';
import type { EngineDebugHook } from '../../src/lib/state/engine-debug';

// A real model in the built app: stories260K (a 260K-parameter Llama trained on children's
// stories) served to the test by a mirror fixture, downloaded through Hearth's verified store,
// run by llama.cpp in Hearth's GGUF worker on one thread. Expectations come from raw wllama run
// in the same page on the exact prompt Hearth built: nothing here is a string typed by hand.

let mirror: GgufMirror;
let modelUrl: string;

test.beforeAll(async () => {
	mirror = await startGgufMirror();
	modelUrl = mirror.add(REPO, FILE, STORIES);
});
test.afterAll(async () => {
	await mirror?.close();
});

test.describe.configure({ timeout: 240_000 });

/** Adds stories260K with the spy, the raw module and the remote guard in place. */
async function ready(page: Page, settings: Record<string, unknown> = {}): Promise<string[]> {
	requireModel(test.skip);
	const refused = await forbidRemote(page.context());
	await serveRawWllama(page.context());
	await spyOnChatCalls(page);
	await addStories(page, ggufSettings(mirror, settings));
	return refused;
}

/** Raw wllama's answer to the newest chat Hearth sent, on the device Hearth used. */
async function expectedForLastChat(page: Page, gpuLayers = 0): Promise<string> {
	const chats = await chatCalls(page);
	const loads = await loadCalls(page);
	return rawChat(page, modelUrl, chats.at(-1)!, {
		gpuLayers,
		contextSize: loads.at(-1)!.contextSize
	});
}

test('stories260K streams its real greedy text through the app, and nothing leaves the machine', async ({
	page
}) => {
	const refused = await ready(page);
	await send(page, 'Once upon a time');
	const answer = await answerSettled(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	const stored = await lastStoredAnswer(page);
	expect(stored).toMatchObject({ status: 'done', engine: 'webllm', model: MODEL_ID });
	expect(stored.content.length).toBeGreaterThan(10);
	await expect(answer).toContainText(stored.content.trim().split(/\s+/).slice(0, 3).join(' '));

	// The exact prompt the engine sent, replayed through raw wllama in this page.
	const [chat] = await chatCalls(page);
	expect(chat?.messages.at(-1)).toEqual({ role: 'user', content: 'Once upon a time' });
	expect(chat?.options).toMatchObject({ temperature: 0, maxTokens: 48 });
	const [load] = await loadCalls(page);
	expect(load).toMatchObject({ device: 'auto', threads: 1 });
	expect(stored.content).toBe(await expectedForLastChat(page));
	// Through the chat template (ChatML, as stories260K has none) it is not the raw continuation.
	expect(stored.content).not.toBe(await rawCompletion(page, 'Once upon a time'));

	// The second turn reuses llama.cpp's cache for everything before the new message.
	await send(page, 'The dog ran home');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const second = await lastStoredAnswer(page);
	expect(second.content).toBe(await expectedForLastChat(page));
	expect(second.usage?.cachedPromptTokens).toBeGreaterThan(0);
	expect(second.usage!.cachedPromptTokens!).toBeLessThan(second.usage!.promptTokens);
	await expect(answers(page).last().getByTestId('message-stats')).toContainText('cached');
	expect(refused).toEqual([]);
});

test('stop keeps the partial text, which is the start of the model’s answer', async ({ page }) => {
	await ready(page, { maxTokens: 600 });
	await send(page, 'Once upon a time there was a big dog');
	const answer = answers(page).last();
	await expect(answer.locator('.markdown')).not.toBeEmpty({ timeout: 90_000 });
	await composer(page).press('Escape');
	await expect(answer).toHaveAttribute('data-status', 'aborted', { timeout: 30_000 });
	const stored = await lastStoredAnswer(page);
	expect(stored.status).toBe('aborted');
	expect(stored.content.length).toBeGreaterThan(0);
	const full = await expectedForLastChat(page);
	expect(full.startsWith(stored.content)).toBe(true);
	expect(stored.content.length).toBeLessThan(full.length);
});

test('regenerate gives the model’s real greedy text again; continue carries a stopped answer on', async ({
	page
}) => {
	await ready(page, { maxTokens: 600 });
	await send(page, 'Once upon a time there was a small bird');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const first = await lastStoredAnswer(page);
	expect(first.content).toBe(await expectedForLastChat(page));

	// Regenerate: the same prompt again, so greedy decoding gives the same text, kept beside it.
	await page.getByRole('button', { name: 'Regenerate answer' }).click();
	await expect(page.getByText('2 / 2')).toBeVisible();
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const chats = await chatCalls(page);
	expect(chats.at(-1)?.messages).toEqual(chats.at(-2)?.messages);
	const again = await lastStoredAnswer(page);
	expect(again.content).toBe(await expectedForLastChat(page));
	expect(again.content).toBe(first.content);

	// Continue a stopped answer: the prompt ends with the partial answer, and what llama.cpp
	// generates from there is appended to it.
	await send(page, 'The bird flew over the big green hill');
	const answer = answers(page).last();
	await expect(answer.locator('.markdown')).not.toBeEmpty({ timeout: 90_000 });
	await composer(page).press('Escape');
	await expect(answer).toHaveAttribute('data-status', 'aborted', { timeout: 30_000 });
	const partial = (await lastStoredAnswer(page)).content;
	expect(partial.length).toBeGreaterThan(0);
	await answer.getByRole('button', { name: 'Continue' }).click();
	await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
	const continued = (await chatCalls(page)).at(-1)!;
	expect(continued.messages.at(-1)).toEqual({ role: 'assistant', content: partial });
	const stored = await lastStoredAnswer(page);
	expect(stored.status).toBe('done');
	expect(stored.content.startsWith(partial)).toBe(true);
	expect(stored.content.length).toBeGreaterThan(partial.length);
	// Not compared with raw wllama's text for the same request: Hearth's llama.cpp still holds the
	// tokens it generated for the partial answer, which stories260K's tokenizer reads back as other
	// tokens (see the turn 10 row of bench/gguf.js), so the model sees a different sequence than a
	// fresh raw wllama re-reading the text, and a tiny model's greedy path then differs.
});

test('a reload mid-answer keeps what arrived, marked interrupted', async ({ page }) => {
	await ready(page, { maxTokens: 600 });
	await send(page, 'Once upon a time there was a little cat');
	const answer = answers(page).last();
	await expect(answer.locator('.markdown')).not.toBeEmpty({ timeout: 90_000 });
	// Streamed text is saved every 250 ms: let at least one save happen.
	await page.waitForTimeout(400);
	const chat = (await chatCalls(page)).at(-1)!;
	const load = (await loadCalls(page)).at(-1)!;
	await page.reload();
	await expect(answers(page).last()).toHaveAttribute('data-status', 'interrupted', {
		timeout: 30_000
	});
	const stored = await lastStoredAnswer(page);
	expect(stored.status).toBe('interrupted');
	expect(stored.content.length).toBeGreaterThan(0);
	const full = await rawChat(page, modelUrl, chat, { gpuLayers: 0, contextSize: load.contextSize });
	expect(full.startsWith(stored.content)).toBe(true);
});

test('a conversation longer than a 512-token window gets a rolling summary written by the model', async ({
	page
}) => {
	await ready(page, { ggufContextSize: 512, maxTokens: 40 });
	const sentence =
		'The little girl walked to the park with her mother and saw a big red ball under the tree.';
	for (let turn = 0; turn < 6; turn++) {
		await send(page, `${turn + 1}. ${sentence} ${sentence}`);
		const answer = await answerSettled(page);
		await expect(answer).toHaveAttribute('data-status', 'done');
	}
	const stored = await lastStoredAnswer(page);
	const context = stored.context as { summarizedTurns: number; contextWindow: number } | undefined;
	expect(context?.contextWindow).toBe(512);
	expect(context?.summarizedTurns).toBeGreaterThan(0);
	await expect(page.getByText(/Earlier messages \(\d+\) were summarized/).last()).toBeVisible();
	const conversation = await storedConversation(page);
	expect(conversation.summary?.text.trim().length).toBeGreaterThan(0);
	// The last prompt fits the window: what was sent is the summary and the newest turns.
	const last = (await chatCalls(page)).at(-1)!;
	expect(last.messages[0]?.content).toContain('Summary of the earlier conversation:');
	expect(last.messages.length).toBeLessThan(13);
});

test('with the network off, a reload loads the stored model and answers the same', async ({
	page,
	context
}) => {
	await ready(page);
	await send(page, 'Once upon a time');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const online = await lastStoredAnswer(page);
	// Offline, only a service worker that controls the page can answer: wait until one does.
	await page.evaluate(() => navigator.serviceWorker.ready);
	if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
		await page.reload();
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
	}
	const served = mirror.requests.length;
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByTestId('engine-status')).toContainText('In-browser engine', {
		timeout: 30_000
	});
	// A new conversation, so the prompt is the first one's exactly.
	await page.keyboard.press('Control+Shift+O');
	await expect(answers(page)).toHaveCount(0);
	await send(page, 'Once upon a time');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	expect((await lastStoredAnswer(page)).content).toBe(online.content);
	expect(mirror.requests.length).toBe(served);
	await context.setOffline(false);
});

test('a truncated or non-GGUF file gives a clear, coded error and is not kept', async ({
	page
}) => {
	requireModel(test.skip);
	await forbidRemote(page.context());
	mirror.add('test/cut', 'stories-cut.gguf', STORIES);
	mirror.setFault('test/cut', 'stories-cut.gguf', 'truncate', 700_000);
	mirror.add('test/page', 'login.gguf', STORIES);
	mirror.setFault('test/page', 'login.gguf', 'html');
	await openHearth(page, ggufSettings(mirror));
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const dialog = page.getByTestId('models-dialog');

	for (const [repo, file, words] of [
		['test/cut', 'stories-cut.gguf', /cut short: it is 700,000 bytes, but its own header needs/],
		['test/page', 'login.gguf', /not a GGUF model: it starts with "<!do" instead of "GGUF"/]
	] as const) {
		await dialog.getByTestId('gguf-repo').fill(repo);
		await dialog.getByTestId('gguf-file').fill(file);
		await dialog.getByTestId('gguf-add-hub').click();
		const row = ggufRow(page, `gguf:hf:${repo}:${file}`);
		await expect(row.getByRole('alert')).toContainText('The downloaded model files are damaged', {
			timeout: 60_000
		});
		await expect(row.getByRole('alert')).toContainText(words);
		await expect(row).toHaveAttribute('data-status', 'absent');
	}

	// A picked file that is not a GGUF is refused before anything is stored.
	await dialog.getByTestId('gguf-file-input').setInputFiles({
		name: 'notes.gguf',
		mimeType: 'application/octet-stream',
		buffer: Buffer.from('These are my notes, not a model.')
	});
	await expect(page.getByText(/notes\.gguf is not a usable GGUF model/)).toBeVisible();
	await expect(dialog.locator('[data-testid="gguf-row"][data-model-id^="gguf:file:"]')).toHaveCount(
		0
	);
});

test('a killed worker is restarted once; killed twice, the answer fails with advice', async ({
	page
}) => {
	await ready(page);
	await page.evaluate(() => ((window as unknown as { __killOnChat: number }).__killOnChat = 1));
	await send(page, 'Once upon a time');
	const answer = await answerSettled(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	expect(
		await page.evaluate(
			() => (window as unknown as { __ggufWorkers: Worker[] }).__ggufWorkers.length
		)
	).toBe(2);
	expect((await lastStoredAnswer(page)).content).toBe(await expectedForLastChat(page));

	await page.evaluate(() => ((window as unknown as { __killOnChat: number }).__killOnChat = 2));
	await send(page, 'The cat sat down');
	const failed = await answerSettled(page);
	await expect(failed).toHaveAttribute('data-status', 'error');
	await expect(failed).toContainText('The in-browser engine stopped');
	await expect(failed).toContainText(/stopped twice/);
});

test('WebGPU with all layers (SwiftShader here) gives raw wllama’s WebGPU answer', async ({
	page
}) => {
	await ready(page, { ggufDevice: 'webgpu' });
	await send(page, 'Once upon a time');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const [load] = await loadCalls(page);
	expect(load?.device).toBe('webgpu');
	expect((await lastStoredAnswer(page)).content).toBe(await expectedForLastChat(page, 999));
});

test('schema mode on the real model: 200 constrained steps over the real tool schemas all parse and validate', async ({
	page
}) => {
	test.setTimeout(1_800_000);
	// The answer's own limit (Settings' default is 2,048): a step cut off by it is not JSON.
	await ready(page, { maxTokens: 1024 });
	const result = await page.evaluate(async () => {
		const hook = (window as unknown as { __hearthEngine: EngineDebugHook }).__hearthEngine;
		const protocol = await hook.toolProtocol();
		// The grammar carries every real tool's schema. The prompt only names the tools: listing
		// their schemas too is ~7,500 tokens of stories260K's small vocabulary, past its window.
		const system = `Reply with one JSON object: call one of these tools (${protocol.tools.join(', ')}) or answer.`;
		const openings = ['Once upon a time', 'The dog', 'Lily wanted', 'One day', 'Tom and Sue'];
		const outcomes: {
			ok: boolean;
			toolOk?: boolean;
			kind?: string;
			tool?: string;
			error?: string;
			finish?: string;
		}[] = [];
		for (let i = 0; i < 200; i++) {
			const reply = await hook.chat({
				messages: [
					{ role: 'system', content: system },
					{ role: 'user', content: `${openings[i % openings.length]} ${i}` }
				],
				options: { temperature: 1, topP: 1, maxTokens: 1024 },
				responseSchema: protocol.schema
			});
			if (!reply.ok) {
				outcomes.push({ ok: false, error: `${reply.error.code}: ${reply.error.message}` });
				continue;
			}
			const checked = await hook.checkStep(reply.text, protocol.schema);
			outcomes.push({ ...checked, finish: reply.finishReason });
		}
		return { tools: protocol.tools, outcomes };
	});
	expect(result.tools.length).toBeGreaterThan(10);
	expect(result.outcomes).toHaveLength(200);
	// The grammar keeps every token valid, not the end: at temperature 1 a string can run on until
	// the token limit cuts it off (finish 'length'; the agent's repair turn handles that). Every
	// step that finished parses and matches the schema the grammar enforced: never invalid JSON.
	const finished = result.outcomes.filter((o) => o.finish !== 'length');
	expect(finished.filter((o) => !o.ok)).toEqual([]);
	expect(finished.length).toBeGreaterThanOrEqual(190);
	// Story text under a grammar still picks tools: the steps are not all the same.
	expect(new Set(result.outcomes.map((o) => o.tool ?? o.kind)).size).toBeGreaterThan(1);
	// Beyond JSON Schema (valibot's own checks, e.g. a time Hearth can read) a story model fails
	// some; the agent's repair turn exists for them. Reported, not asserted.
	const toolOk = result.outcomes.filter((o) => o.toolOk).length;
	test.info().annotations.push({ type: 'tool checks passed', description: `${toolOk}/200` });
	test.info().annotations.push({
		type: 'cut off by the token limit',
		description: `${200 - finished.length}/200`
	});
});

/** Raw wllama's plain completion (no chat template) of `prompt`. */
async function rawCompletion(page: Page, prompt: string): Promise<string> {
	return page.evaluate(
		async ({ modelUrl, prompt }) => {
			const module = '/__test/wllama.js';
			const { Wllama } = (await import(/* @vite-ignore */ module)) as {
				Wllama: new (
					paths: { default: string },
					config: object
				) => {
					setCompat(c: null): void;
					loadModel(blobs: Blob[], params: object): Promise<void>;
					createCompletion(req: object): Promise<{ choices: { text: string }[] }>;
					exit(): Promise<void>;
				};
			};
			const wllama = new Wllama({ default: '/wllama/wllama.wasm' }, { suppressNativeLog: true });
			wllama.setCompat(null);
			await wllama.loadModel([await (await fetch(modelUrl)).blob()], {
				n_ctx: 256,
				n_threads: 1,
				n_gpu_layers: 0
			});
			const reply = await wllama.createCompletion({ prompt, max_tokens: 24, temperature: 0 });
			await wllama.exit();
			return reply.choices[0]?.text ?? '';
		},
		{ modelUrl, prompt }
	);
}
