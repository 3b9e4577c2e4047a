import { expect, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { answers, openHearth } from './helpers';
import type { GgufMirror } from '../fixtures/gguf-mirror.js';

// What the GGUF specs share: the real stories260K model served by a mirror to the test only,
// a guard that fails the test on any request leaving the machine (no CDN, ever), a spy on the
// chat calls the page hands the GGUF worker (the exact prompt the engine built), and raw wllama
// loaded into the same page to compute what the model really says for that prompt.

export const STORIES = path.resolve('../shared/models/gguf/stories260K.gguf');
export const REPO = 'ggml-org/models';
export const FILE = 'tinyllamas/stories260K.gguf';
export const MODEL_ID = `gguf:hf:${REPO}:${FILE}`;

/** Every tool off: one plain generation per answer, so its prompt is the one the spy records. */
export const NO_TOOLS = Object.fromEntries(
	[
		'run_python',
		'calculator',
		'list_files',
		'find_files',
		'read_file',
		'write_file',
		'create_file',
		'web_search',
		'fetch_page',
		'search_knowledge',
		'set_reminder',
		'list_reminders',
		'cancel_reminder',
		'current_time',
		'convert_time',
		'date_difference',
		'day_of_week',
		'weather',
		'remember',
		'forget',
		'recall_conversations'
	].map((name) => [name, false])
);

/** Settings for a plain, deterministic chat with the tiny model on one thread. */
export function ggufSettings(mirror: GgufMirror, extra: Record<string, unknown> = {}) {
	return {
		ggufBaseUrl: mirror.url,
		ggufThreads: 1,
		temperature: 0,
		maxTokens: 48,
		agentRouting: false,
		toolsEnabled: NO_TOOLS,
		useMemories: false,
		proposeMemories: false,
		autoTitle: false,
		...extra
	};
}

export function requireModel(skip: (condition: boolean, reason: string) => void): void {
	const missing = !existsSync(STORIES);
	if (missing && process.env.CI === 'true') throw new Error(`${STORIES} is missing in CI`);
	skip(missing, `skipped: ${STORIES} is missing`);
}

/**
 * Fails every request to a host other than loopback (the app, the fixtures, the mirror): the
 * runtime, its compat build and the model must never come from a CDN. Returns what was refused.
 */
export async function forbidRemote(context: BrowserContext): Promise<string[]> {
	const refused: string[] = [];
	await context.route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (url.protocol === 'data:' || url.protocol === 'blob:') return route.fallback();
		if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.fallback();
		refused.push(url.href);
		return route.abort('blockedbyclient');
	});
	return refused;
}

/**
 * Records the params of every `load` and `chat` call the page posts to a worker (the exact
 * prompts the GGUF worker gets), and keeps every GGUF worker so a test can kill one the way the
 * browser does: `window.__killOnChat = n` ends the worker right after each of the next n chats
 * reach it (terminated, and its `error` event fired), before any text.
 */
export async function spyOnChatCalls(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const calls: unknown[] = [];
		const scope = window as unknown as {
			__ggufChats: unknown[];
			__ggufWorkers: Worker[];
			__killOnChat: number;
		};
		scope.__ggufChats = calls;
		scope.__ggufWorkers = [];
		scope.__killOnChat = 0;
		const NativeWorker = window.Worker;
		window.Worker = class extends NativeWorker {
			constructor(url: string | URL, options?: WorkerOptions) {
				super(url, options);
				if (String(url).includes('gguf.worker')) scope.__ggufWorkers.push(this);
			}
		};
		const post = NativeWorker.prototype.postMessage;
		NativeWorker.prototype.postMessage = function (
			this: Worker,
			message: unknown,
			...rest: unknown[]
		) {
			const m = message as { type?: string; call?: string; params?: unknown };
			if (m?.type === 'call' && (m.call === 'chat' || m.call === 'load')) {
				calls.push(structuredClone({ call: m.call, params: stripBlobs(m.params) }));
			}
			const result = (post as (...args: unknown[]) => void).call(this, message, ...rest);
			if (m?.type === 'call' && m.call === 'chat' && scope.__killOnChat > 0) {
				scope.__killOnChat--;
				setTimeout(() => {
					this.terminate();
					this.dispatchEvent(new ErrorEvent('error', { message: 'killed by the test' }));
				}, 0);
			}
			return result;
		};
		function stripBlobs(value: unknown): unknown {
			if (value instanceof Blob) return { blobBytes: value.size };
			if (Array.isArray(value)) return value.map(stripBlobs);
			if (value && typeof value === 'object') {
				return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripBlobs(v)]));
			}
			return value;
		}
	});
}

export interface RecordedChat {
	modelId: string;
	messages: { role: string; content: string }[];
	options?: { temperature?: number; topP?: number; maxTokens?: number; stop?: string[] };
}

export async function chatCalls(page: Page): Promise<RecordedChat[]> {
	return page.evaluate(() =>
		(window as unknown as { __ggufChats: { call: string; params: RecordedChat }[] }).__ggufChats
			.filter((c) => c.call === 'chat')
			.map((c) => c.params)
	);
}

export async function loadCalls(page: Page): Promise<{ contextSize: number; device: string }[]> {
	return page.evaluate(() =>
		(
			window as unknown as {
				__ggufChats: { call: string; params: { model: { contextSize: number; device: string } } }[];
			}
		).__ggufChats
			.filter((c) => c.call === 'load')
			.map((c) => c.params.model)
	);
}

/** Serves wllama's own module to the page, so a test can run raw wllama beside Hearth. */
export async function serveRawWllama(context: BrowserContext): Promise<void> {
	const code = readFileSync(path.resolve('node_modules/@wllama/wllama/esm/index.js'), 'utf8');
	await context.route('**/__test/wllama.js', (route) =>
		route.fulfill({ status: 200, contentType: 'text/javascript', body: code })
	);
}

export interface RawOptions {
	gpuLayers: number;
	contextSize: number;
}

/**
 * What raw wllama (the same llama.cpp, no Hearth in between) generates for `chat` with greedy
 * sampling, in this page, from the model file at `modelUrl`.
 */
export async function rawChat(
	page: Page,
	modelUrl: string,
	chat: RecordedChat,
	options: RawOptions
): Promise<string> {
	return page.evaluate(
		async ({ modelUrl, chat, options }) => {
			const module = '/__test/wllama.js';
			const { Wllama } = (await import(/* @vite-ignore */ module)) as {
				Wllama: new (
					paths: { default: string },
					config: object
				) => {
					setCompat(c: null): void;
					loadModel(blobs: Blob[], params: object): Promise<void>;
					createChatCompletion(
						req: object
					): Promise<{ choices: { message: { content: string } }[] }>;
					exit(): Promise<void>;
				};
			};
			const wllama = new Wllama({ default: '/wllama/wllama.wasm' }, { suppressNativeLog: true });
			wllama.setCompat(null);
			const blob = await (await fetch(modelUrl)).blob();
			await wllama.loadModel([blob], {
				n_ctx: options.contextSize,
				n_threads: 1,
				n_gpu_layers: options.gpuLayers,
				reasoning_format: 'none',
				jinja: true
			});
			const o = chat.options ?? {};
			const reply = await wllama.createChatCompletion({
				messages: chat.messages.map((m) => ({ role: m.role, content: m.content })),
				temperature: o.temperature,
				top_p: o.topP,
				max_tokens: o.maxTokens,
				...(o.stop && o.stop.length > 0 ? { stop: o.stop } : {})
			});
			await wllama.exit();
			return reply.choices[0]?.message.content ?? '';
		},
		{ modelUrl, chat, options }
	);
}

/** Opens Hearth with the mirror set, adds stories260K by repository and file, waits until stored. */
export async function addStories(page: Page, settings: Record<string, unknown>): Promise<void> {
	await openHearth(page, settings);
	await page.getByRole('button', { name: 'Models in this browser' }).click();
	const dialog = page.getByTestId('models-dialog');
	await expect(dialog).toBeVisible();
	await dialog.getByTestId('gguf-repo').fill(REPO);
	await dialog.getByTestId('gguf-file').fill(FILE);
	await dialog.getByTestId('gguf-add-hub').click();
	const row = ggufRow(page, MODEL_ID);
	await expect(row).toHaveAttribute('data-status', 'complete', { timeout: 60_000 });
	await row.getByTestId('model-default').click();
	await dialog.getByRole('button', { name: 'Close' }).click();
	await expect(page.getByTestId('engine-status')).toContainText('In-browser engine', {
		timeout: 30_000
	});
}

/** Waits (a model load included) until the last answer stops streaming, and returns it. */
export async function answerSettled(page: Page, timeout = 120_000) {
	const last = answers(page).last();
	await expect(last).toHaveAttribute('data-status', /done|error|aborted|interrupted/, { timeout });
	return last;
}

export function ggufRow(page: Page, id: string) {
	return page
		.getByTestId('models-dialog')
		.locator(`[data-testid="gguf-row"][data-model-id="${id}"]`);
}

/** The stored text of the newest assistant message, straight from IndexedDB. */
export async function lastStoredAnswer(page: Page): Promise<{
	content: string;
	status: string;
	usage?: { promptTokens: number; completionTokens: number; cachedPromptTokens?: number };
	engine?: string;
	model?: string;
	context?: unknown;
}> {
	return page.evaluate(
		() =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const request = db.transaction('messages').objectStore('messages').getAll();
					request.onsuccess = () => {
						const answers = (request.result as { role: string; createdAt: number }[])
							.filter((m) => m.role === 'assistant')
							.sort((a, b) => a.createdAt - b.createdAt);
						db.close();
						resolve(answers.at(-1) as never);
					};
					request.onerror = () => reject(request.error);
				};
			})
	);
}

/** The open conversation's stored record (its rolling summary, when one was written). */
export async function storedConversation(
	page: Page
): Promise<{ id: string; summary?: { text: string; coversCount: number } }> {
	return page.evaluate(
		() =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('hearth');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const request = db.transaction('conversations').objectStore('conversations').getAll();
					request.onsuccess = () => {
						const rows = request.result as { updatedAt: number }[];
						db.close();
						resolve(rows.sort((a, b) => a.updatedAt - b.updatedAt).at(-1) as never);
					};
					request.onerror = () => reject(request.error);
				};
			})
	);
}
