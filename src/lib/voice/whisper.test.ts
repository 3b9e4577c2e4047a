import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheStorageLike } from '$lib/engine/cache-storage';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import type { NetFetch, NetPurpose } from '$lib/net/types';
import { STT_CACHE_NAME, STT_SAMPLE_RATE } from '$lib/protocol/stt';
import { HearthError } from '$lib/types/errors';
import { SAMPLE_RATE } from '$lib/voice/types';
import type { LoadProgressReport } from '$lib/voice/types';
import { whisperFromSettings, WhisperSpeechToText } from '$lib/voice/whisper';
import type { SttWorkerLike, WhisperOptions } from '$lib/voice/whisper';
import { findWhisperModel } from '$lib/voice/whisper-catalog';
import type { WhisperModelInfo } from '$lib/voice/whisper-catalog';
import {
	ECHO_TEXT,
	ECHO_WHISPER,
	FOX_WAV,
	readWav,
	realSpeechTransformers,
	requireEchoWhisper,
	SHARED_MODELS,
	startFakeHub
} from '$workers/embed-test-kit';
import type { FakeHub } from '$workers/embed-test-kit';
import { createSttHost } from '$workers/stt-host';
import type { SttTransformersLike } from '$workers/stt-host';
import { readOnlyModelCache } from '$workers/transformers-env';

// The real client talks to the real host over a real MessageChannel (every message is
// structured-cloned, buffers transferred, as between threads), and the host runs the real
// transformers.js Whisper pipeline on the generated echo-whisper.

const ECHO = findWhisperModel(ECHO_WHISPER) as WhisperModelInfo;

interface World {
	workers: number;
	/** Ends the newest worker as a crash would (its `error` event fires). */
	crash?: () => void;
}

interface WorkerSetup {
	localModelPath?: string;
	caches?: CacheStorageLike;
	library?: () => Promise<SttTransformersLike>;
}

function startWorker(w: World, setup: WorkerSetup = {}): SttWorkerLike {
	w.workers++;
	const { port1: page, port2: inside } = new MessageChannel();
	const errorListeners: ((event: Event) => void)[] = [];
	let alive = true;
	const end = () => {
		alive = false;
		page.close();
		inside.close();
	};
	w.crash = () => {
		if (!alive) return;
		end();
		for (const listener of errorListeners) listener(new Event('error'));
	};
	const caches = setup.caches;
	const host = createSttHost({
		loadLibrary: setup.library ?? realSpeechTransformers,
		probeWebGpu: async () => ({ ok: false, reason: 'no WebGPU in Node' }),
		localModelPath: setup.localModelPath ?? `${SHARED_MODELS}/`,
		cache: caches ? readOnlyModelCache(() => caches.open(STT_CACHE_NAME)) : undefined,
		wasmDeviceName: 'cpu',
		post: (message) => {
			if (alive) inside.postMessage(message);
		}
	});
	inside.addEventListener('message', (event) => {
		if (alive) host.handle(event.data);
	});
	inside.start();
	inside.postMessage({ type: 'ready' });
	return {
		postMessage: (message, transfer) => {
			if (alive) page.postMessage(message, transfer ?? []);
		},
		addEventListener: (type, listener) => {
			if (type === 'message') {
				page.addEventListener('message', listener);
				page.start();
			} else if (type === 'error') {
				errorListeners.push(listener);
			}
		},
		terminate: end
	};
}

let stt: WhisperSpeechToText | undefined;
let hub: FakeHub | undefined;
afterEach(async () => {
	stt?.dispose();
	stt = undefined;
	await hub?.close();
	hub = undefined;
});

function served(w: World, options: Partial<WhisperOptions> = {}, setup: WorkerSetup = {}) {
	stt = new WhisperSpeechToText({
		model: ECHO,
		createWorker: () => startWorker(w, setup),
		isServed: async () => true,
		caches: new MemoryCacheStorage(),
		...options
	});
	return stt;
}

function ledgered() {
	const entries: (NetPurpose & { url: string })[] = [];
	const net: NetFetch = (url, init, meta) => {
		entries.push({ url, ...meta });
		return fetch(url, init);
	};
	return { net, entries };
}

const codeOf = (p: Promise<unknown>) =>
	p.then(
		() => 'resolved',
		(e: unknown) => (e instanceof HearthError ? e.code : String(e))
	);

describe('WhisperSpeechToText with the real worker host and pipeline', () => {
	it('loads a served model and transcribes, relaying the text so far', async (ctx) => {
		requireEchoWhisper(ctx);
		const w: World = { workers: 0 };
		const recogniser = served(w);
		expect(recogniser.label).toBe('Test recogniser (echo) on this device');
		expect(recogniser.sendsAudioAway).toBe(false);
		expect(recogniser.ready).toBe(false);
		const reports: LoadProgressReport[] = [];
		await recogniser.load((p) => reports.push(p));
		expect(recogniser.ready).toBe(true);
		expect(recogniser.device).toBe('wasm');
		expect(reports.at(-1)).toEqual({ fraction: 1, text: 'Model ready' });

		const audio = readWav(FOX_WAV).samples;
		const length = audio.length;
		const partials: string[] = [];
		const text = await recogniser.transcribe(audio, { onPartial: (t) => partials.push(t) });
		expect(text).toBe(ECHO_TEXT);
		expect(partials.at(-1)).toBe(ECHO_TEXT);
		expect(partials.length).toBeGreaterThan(1);
		// The caller's recording was copied, not moved into the worker.
		expect(audio.length).toBe(length);
		expect(await recogniser.transcribe(new Float32Array(SAMPLE_RATE))).toBe('');
		expect(w.workers).toBe(1);
	}, 30_000);

	it('a model that is not here is model_not_downloaded, from load and from transcribe', async () => {
		const w: World = { workers: 0 };
		const recogniser = served(w, { isServed: async () => false });
		expect(await recogniser.isDownloaded()).toBe(false);
		await expect(recogniser.load(() => undefined)).rejects.toMatchObject({
			code: 'model_not_downloaded',
			message: expect.stringContaining('not downloaded')
		});
		expect(await codeOf(recogniser.transcribe(new Float32Array(SAMPLE_RATE)))).toBe(
			'model_not_downloaded'
		);
		expect(w.workers).toBe(0);
	});

	it('transcribe() loads a model that is here on first use; short audio needs no worker', async (ctx) => {
		requireEchoWhisper(ctx);
		const w: World = { workers: 0 };
		const recogniser = served(w);
		expect(await recogniser.transcribe(new Float32Array(800))).toBe('');
		expect(w.workers).toBe(0);
		expect(await recogniser.transcribe(readWav(FOX_WAV).samples)).toBe(ECHO_TEXT);
		expect(recogniser.ready).toBe(true);
	}, 30_000);

	it('downloads through the ledger with progress, then loads from Cache Storage alone', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		const caches = new MemoryCacheStorage();
		const { net, entries } = ledgered();
		const w: World = { workers: 0 };
		const empty = `${mkdtempSync(path.join(tmpdir(), 'hearth-empty-'))}/`;
		const recogniser = served(
			w,
			{ isServed: async () => false, net, hubUrl: hub.url, caches },
			// Nothing is served: the files can only come from the cache.
			{ localModelPath: empty, caches }
		);
		const reports: LoadProgressReport[] = [];
		await recogniser.load((p) => reports.push(p));
		expect(entries).toHaveLength(ECHO.files.length);
		for (const e of entries)
			expect(e.purpose).toBe('speech model download: Test recogniser (echo)');
		const downloading = reports.filter((r) => r.text.startsWith('Downloading'));
		expect(downloading.length).toBeGreaterThan(0);
		expect(downloading.at(-1)).toMatchObject({ fraction: 1 });
		expect(downloading.at(-1)?.text).toMatch(
			/^Downloading Test recogniser \(echo\): 2\.\d MB of 2\.\d MB$/
		);
		expect(reports.at(-1)?.text).toBe('Model ready');
		expect(await recogniser.isDownloaded()).toBe(true);
		expect(await recogniser.transcribe(readWav(FOX_WAV).samples)).toBe(ECHO_TEXT);

		// Deleted: the next load has to download again.
		expect(await recogniser.deleteDownload()).toBe(ECHO.files.length);
		expect(await recogniser.isDownloaded()).toBe(false);
	}, 30_000);

	it('a download can be cancelled', async (ctx) => {
		requireEchoWhisper(ctx);
		hub = await startFakeHub();
		hub.stalled.add('onnx/decoder_model_merged_quantized.onnx');
		const caches = new MemoryCacheStorage();
		const recogniser = served(
			{ workers: 0 },
			{ isServed: async () => false, net: ledgered().net, hubUrl: hub.url, caches }
		);
		const controller = new AbortController();
		const loading = codeOf(recogniser.load(() => undefined, controller.signal));
		setTimeout(() => controller.abort(), 300);
		expect(await loading).toBe('aborted');
		expect(await recogniser.isDownloaded()).toBe(false);
	}, 30_000);

	it('an aborted transcription rejects at once with aborted', async (ctx) => {
		requireEchoWhisper(ctx);
		const recogniser = served({ workers: 0 });
		await recogniser.load(() => undefined);
		const controller = new AbortController();
		const audio = new Float32Array(60 * STT_SAMPLE_RATE).fill(0.1);
		const job = codeOf(recogniser.transcribe(audio, { signal: controller.signal }));
		controller.abort();
		expect(await job).toBe('aborted');
		// The worker dropped it: the next one is answered.
		expect(await recogniser.transcribe(readWav(FOX_WAV).samples)).toBe(ECHO_TEXT);
	}, 30_000);

	it('a worker crash fails the call in flight clearly; the next call starts a new worker', async (ctx) => {
		requireEchoWhisper(ctx);
		const w: World = { workers: 0 };
		let crashNext = false;
		const library = async (): Promise<SttTransformersLike> => {
			const real = await realSpeechTransformers();
			return {
				env: real.env,
				createRecognizer: async (model, options) => {
					const recognizer = await real.createRecognizer(model, options);
					const run: typeof recognizer = Object.assign(
						(audio: Float32Array, asr: Parameters<typeof recognizer>[1]) => {
							if (!crashNext) return recognizer(audio, asr);
							crashNext = false;
							w.crash?.();
							return new Promise<never>(() => undefined);
						},
						{ tokenizer: recognizer.tokenizer, dispose: () => recognizer.dispose() }
					);
					return run;
				}
			};
		};
		const recogniser = served(w, {}, { library });
		await recogniser.load(() => undefined);
		crashNext = true;
		const fox = readWav(FOX_WAV).samples;
		await expect(recogniser.transcribe(fox)).rejects.toMatchObject({
			code: 'transcription_failed',
			message: expect.stringContaining('stopped unexpectedly')
		});
		expect(recogniser.ready).toBe(false);
		expect(await recogniser.transcribe(fox)).toBe(ECHO_TEXT);
		expect(w.workers).toBe(2);
		expect(recogniser.ready).toBe(true);
	}, 30_000);
});

describe('whisperFromSettings', () => {
	it('uses the chosen model, or the default for the language', () => {
		const net: NetFetch = (url, init) => fetch(url, init);
		const hubUrl = 'https://huggingface.co/';
		const english = whisperFromSettings(
			{ sttModel: '', sttLanguage: 'en', sttHubUrl: hubUrl },
			net
		);
		expect(english.model.id).toBe('Xenova/whisper-tiny.en');
		expect(english.label).toBe('Whisper tiny.en on this device');
		const german = whisperFromSettings({ sttModel: '', sttLanguage: 'de', sttHubUrl: hubUrl }, net);
		expect(german.model).toMatchObject({ id: 'Xenova/whisper-base', multilingual: true });
		const chosen = whisperFromSettings(
			{ sttModel: 'Xenova/whisper-small.en', sttLanguage: 'en', sttHubUrl: hubUrl },
			net
		);
		expect(chosen.model.id).toBe('Xenova/whisper-small.en');
	});

	it('speaks the same sample rate as the voice seam', () => {
		expect(STT_SAMPLE_RATE).toBe(SAMPLE_RATE);
	});
});
