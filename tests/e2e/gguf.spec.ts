import { expect, test, type Page } from '@playwright/test';
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
import { answers, send } from './helpers';

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

test.describe.configure({ timeout: 180_000 });

test('stories260K streams its real greedy text through the app, and nothing leaves the machine', async ({
	page,
	context
}) => {
	requireModel(test.skip);
	const refused = await forbidRemote(context);
	await serveRawWllama(context);
	await spyOnChatCalls(page);
	await addStories(page, ggufSettings(mirror));

	await send(page, 'Once upon a time');
	const answer = await answerSettled(page);
	await expect(answer).toHaveAttribute('data-status', 'done');
	const stored = await lastStoredAnswer(page);
	expect(stored).toMatchObject({
		status: 'done',
		engine: 'webllm',
		model: `gguf:hf:${REPO}:${FILE}`
	});
	expect(stored.content.length).toBeGreaterThan(10);
	await expect(answer).toContainText(stored.content.trim().split(/\s+/).slice(0, 3).join(' '));

	// The exact prompt the engine sent, replayed through raw wllama in this page.
	const [chat] = await chatCalls(page);
	expect(chat?.messages.at(-1)).toEqual({ role: 'user', content: 'Once upon a time' });
	const [load] = await loadCalls(page);
	const expected = await rawChat(page, modelUrl, chat!, {
		gpuLayers: 0,
		contextSize: load!.contextSize
	});
	expect(stored.content).toBe(expected);
	// Through the chat template (ChatML, as stories260K has none) it is not the raw continuation.
	const raw = await rawCompletion(page, 'Once upon a time');
	expect(stored.content).not.toBe(raw);
	expect(stored.usage?.completionTokens).toBeGreaterThan(0);
	expect(refused).toEqual([]);
	await expect(answers(page)).toHaveCount(1);
});

/** Raw wllama's plain completion (no chat template) of `prompt`. */
async function rawCompletion(page: Page, prompt: string): Promise<string> {
	return page.evaluate(
		async ({ modelUrl, prompt }) => {
			const { Wllama } = (await import(/* @vite-ignore */ '/__test/wllama.js')) as {
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
