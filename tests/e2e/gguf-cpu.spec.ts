import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.js';
import { startGgufMirror } from '../fixtures/gguf-mirror.js';
import type { GgufMirror } from '../fixtures/gguf-mirror.js';
import {
	addStories,
	answerSettled,
	chatCalls,
	FILE,
	forbidRemote,
	ggufSettings,
	lastStoredAnswer,
	loadCalls,
	rawChat,
	REPO,
	requireModel,
	serveRawWllama,
	spyOnChatCalls,
	STORIES
} from './gguf-kit';
import { send } from './helpers';

// "A user without Ollama and without WebGPU opens Hearth, picks a GGUF, and chats with it on the
// CPU": a browser that offers no GPU at all (as Firefox does). Chromium is started without
// WebGPU enabled and the page's navigator.gpu is removed, so the in-browser engine must stay in
// the chain with llama.cpp on the CPU alone. Its own file: launch options force a new browser.

test.use({
	launchOptions: {
		executablePath: CHROMIUM_PATH,
		args: CHROMIUM_ARGS.filter((arg) => arg !== '--enable-unsafe-webgpu')
	}
});

let mirror: GgufMirror;
let modelUrl: string;

test.beforeAll(async () => {
	mirror = await startGgufMirror();
	modelUrl = mirror.add(REPO, FILE, STORIES);
});
test.afterAll(async () => {
	await mirror?.close();
});

test('without WebGPU a GGUF model runs on the CPU and gives raw wllama’s CPU answer', async ({
	page
}) => {
	test.setTimeout(240_000);
	requireModel(test.skip);
	await page.addInitScript(() => {
		delete (Navigator.prototype as { gpu?: unknown }).gpu;
	});
	const refused = await forbidRemote(page.context());
	await serveRawWllama(page.context());
	await spyOnChatCalls(page);
	await addStories(page, ggufSettings(mirror));
	expect(await page.evaluate(() => 'gpu' in navigator)).toBe(false);

	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const dialog = page.getByTestId('models-dialog');
	await expect(dialog.getByTestId('gguf-runtime')).toContainText('Runs on the CPU (1 thread)');
	await dialog.getByRole('button', { name: 'Close' }).click();

	await send(page, 'Once upon a time');
	await expect(await answerSettled(page)).toHaveAttribute('data-status', 'done');
	const chats = await chatCalls(page);
	const [load] = await loadCalls(page);
	const expected = await rawChat(page, modelUrl, chats.at(-1)!, {
		gpuLayers: 0,
		contextSize: load!.contextSize
	});
	expect((await lastStoredAnswer(page)).content).toBe(expected);
	expect(refused).toEqual([]);
});
