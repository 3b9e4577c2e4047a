import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordErrorRate } from '$lib/models/wer';
import type {
	SttCallName,
	SttCalls,
	SttFromWorker,
	SttModelSpec,
	SttProgress
} from '$lib/protocol/stt';
import { HearthError } from '$lib/types/errors';
import {
	ECHO_TEXT,
	ECHO_WHISPER,
	FOX_WAV,
	librispeechSample,
	longRecording,
	readWav,
	realSpeechTransformers,
	requireEchoWhisper,
	SHARED_MODELS
} from '$workers/embed-test-kit';
import { createSttHost, mergeOverlapping, toSerializedSttError } from '$workers/stt-host';
import type { AsrOptions, SttHost, SttHostDeps, SttTransformersLike } from '$workers/stt-host';
import type { WebGpuProbe } from '$workers/transformers-env';

// The host against the real transformers.js Whisper pipeline and the generated echo-whisper
// (" Hearth heard you clearly." for any audible input, "" for silence): capture → features →
// encoder → decoder → tokenizer all run for real. Only WebGPU is a stand-in.

const SPEC: SttModelSpec = { id: ECHO_WHISPER, dtype: 'q8', device: 'auto', multilingual: false };
const NO_GPU: WebGpuProbe = { ok: false, reason: 'no WebGPU adapter was found' };

interface Harness {
	host: SttHost;
	/** Every message, in the order the host posted it. */
	posted: SttFromWorker[];
	/** The options each pipeline run was given. */
	runs: AsrOptions[];
	/** Called as each partial is posted, inside the host's post (so before its next token). */
	onPartial?: (id: number, text: string) => void;
	call<K extends SttCallName>(
		call: K,
		params: SttCalls[K]['params']
	): {
		id: number;
		done: Promise<SttCalls[K]['result']>;
		progress: SttProgress[];
		partials: string[];
	};
}

/** The real library, with every pipeline run's options recorded. */
async function recordingLibrary(runs: AsrOptions[]): Promise<SttTransformersLike> {
	const real = await realSpeechTransformers();
	return {
		env: real.env,
		createRecognizer: async (model, options) => {
			const recognizer = await real.createRecognizer(model, options);
			const run = (audio: Float32Array, asr: AsrOptions) => {
				runs.push(asr);
				return recognizer(audio, asr);
			};
			return Object.assign(run, {
				tokenizer: recognizer.tokenizer,
				dispose: () => recognizer.dispose()
			});
		}
	};
}

function harness(overrides: Partial<SttHostDeps> = {}): Harness {
	const posted: SttFromWorker[] = [];
	const runs: AsrOptions[] = [];
	const waiting = new Map<
		number,
		{ resolve: (v: unknown) => void; reject: (e: unknown) => void }
	>();
	const progressOf = new Map<number, SttProgress[]>();
	const partialsOf = new Map<number, string[]>();
	let nextId = 1;
	const host = createSttHost({
		loadLibrary: () => recordingLibrary(runs),
		probeWebGpu: async () => NO_GPU,
		localModelPath: `${SHARED_MODELS}/`,
		wasmDeviceName: 'cpu',
		post: (message) => {
			posted.push(message);
			if (message.type === 'progress') progressOf.get(message.id)?.push(message.progress);
			if (message.type === 'partial') {
				partialsOf.get(message.id)?.push(message.text);
				harnessed.onPartial?.(message.id, message.text);
			}
			if (message.type !== 'result') return;
			const pending = waiting.get(message.id);
			waiting.delete(message.id);
			if (message.ok) pending?.resolve(message.value);
			else pending?.reject(new HearthError(message.error.code, message.error.message));
		},
		...overrides
	});
	const harnessed: Harness = {
		host,
		posted,
		runs,
		call(call, params) {
			const id = nextId++;
			const progress: SttProgress[] = [];
			const partials: string[] = [];
			progressOf.set(id, progress);
			partialsOf.set(id, partials);
			// The reply to call K carries K's result: the protocol's map says so.
			const done = new Promise<unknown>((resolve, reject) => waiting.set(id, { resolve, reject }));
			// `call` and `params` are tied by K; the request union cannot see that through it.
			host.handle({ type: 'call', id, call, params } as never);
			return { id, done: done as Promise<SttCalls[typeof call]['result']>, progress, partials };
		}
	};
	return harnessed;
}

const codeOf = (p: Promise<unknown>) =>
	p.then(
		() => 'resolved',
		(e: unknown) => (e instanceof HearthError ? e.code : String(e))
	);

const fox = () => readWav(FOX_WAV).samples;

describe('speech host with the real transformers.js Whisper pipeline', () => {
	it('loads echo-whisper on WASM when there is no WebGPU, reporting progress', async (ctx) => {
		requireEchoWhisper(ctx);
		const { call } = harness();
		const load = call('load', { model: SPEC });
		const result = await load.done;
		expect(result).toMatchObject({ device: 'wasm', fallbackReason: NO_GPU.reason });
		expect(result.loadMs).toBeGreaterThan(0);
		// Byte progress over the whole model, never going back, ending ready.
		expect(load.progress.length).toBeGreaterThan(2);
		const fractions = load.progress.map((p) => p.fraction ?? 0);
		expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
		expect(load.progress.some((p) => p.file === 'tokenizer.json' && p.totalBytes)).toBe(true);
		expect(load.progress.at(-1)).toMatchObject({ fraction: 1, text: 'Model ready' });
		expect((await call('load', { model: SPEC }).done).loadMs).toBe(0);
	}, 30_000);

	it('transcribes speech, reporting the text as it is produced', async (ctx) => {
		requireEchoWhisper(ctx);
		const wav = readWav(FOX_WAV);
		expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
		const { call, runs } = harness();
		await call('load', { model: SPEC }).done;
		const job = call('transcribe', { modelId: ECHO_WHISPER, audio: wav.samples });
		const result = await job.done;
		expect(result.text).toBe(ECHO_TEXT);
		expect(result.audioSeconds).toBeCloseTo(3.44, 1);
		expect(result.ms).toBeGreaterThan(0);
		// Word by word, then the whole sentence.
		expect(job.partials.length).toBeGreaterThan(1);
		expect(job.partials[0]).toBe('Hearth');
		expect(job.partials.at(-1)).toBe(ECHO_TEXT);
		// Short audio is one window: no chunking, and no language for an English-only model.
		expect(runs[0]).not.toHaveProperty('chunk_length_s');
		expect(runs[0]).not.toHaveProperty('language');
	}, 30_000);

	it('silence, and audio too short to hold a word, are "" without an error', async (ctx) => {
		requireEchoWhisper(ctx);
		const { call, runs } = harness();
		await call('load', { model: SPEC }).done;
		const silence = await call('transcribe', {
			modelId: ECHO_WHISPER,
			audio: new Float32Array(32_000)
		}).done;
		expect(silence.text).toBe('');
		const blip = await call('transcribe', {
			modelId: ECHO_WHISPER,
			audio: fox().slice(16_000, 16_000 + 1_200)
		}).done;
		expect(blip).toMatchObject({ text: '', audioSeconds: 0.075 });
		expect(
			await call('transcribe', { modelId: ECHO_WHISPER, audio: new Float32Array(0) }).done
		).toMatchObject({ text: '' });
		// None of them ran the model.
		expect(runs).toHaveLength(0);
	}, 30_000);

	it('the model itself gives "" for near-silence it is shown', async (ctx) => {
		requireEchoWhisper(ctx);
		const { call } = harness();
		await call('load', { model: SPEC }).done;
		// Just above the silence gate, so the pipeline runs; echo-whisper hears nothing in it.
		const hum = new Float32Array(32_000).map((_, i) => 0.002 * Math.sin(i / 10));
		const result = await call('transcribe', { modelId: ECHO_WHISPER, audio: hum }).done;
		expect(result.text).toBe('');
		expect(result.ms).toBeGreaterThan(0);
	}, 30_000);

	it('a 70 s recording runs in 30 s windows with a stride, with partials before the result', async (ctx) => {
		requireEchoWhisper(ctx);
		const { call, posted, runs } = harness();
		await call('load', { model: SPEC }).done;
		const audio = longRecording(70);
		expect(audio.length).toBe(70 * 16_000);
		const job = call('transcribe', { modelId: ECHO_WHISPER, audio });
		const result = await job.done;
		expect(result.text).toBe(ECHO_TEXT);
		expect(result.audioSeconds).toBe(70);
		expect(runs.at(-1)).toMatchObject({ chunk_length_s: 30, stride_length_s: 5 });
		// Every window's words overlap the one before: the partials never repeat the sentence.
		expect(job.partials.length).toBeGreaterThan(2);
		expect(job.partials.every((text) => ECHO_TEXT.startsWith(text))).toBe(true);
		const mine = posted.filter((m) => 'id' in m && m.id === job.id);
		expect(mine.at(-1)?.type).toBe('result');
		expect(mine.slice(0, -1).every((m) => m.type === 'partial')).toBe(true);
	}, 60_000);

	it('the language goes to multilingual models and is left out for English-only ones', async (ctx) => {
		requireEchoWhisper(ctx);
		const { call, runs } = harness();
		await call('load', { model: SPEC }).done;
		const english = await call('transcribe', {
			modelId: ECHO_WHISPER,
			audio: fox(),
			language: 'fr'
		}).done;
		expect(english.text).toBe(ECHO_TEXT);
		expect(runs.at(-1)).not.toHaveProperty('language');

		// echo-whisper is English-only: as a "multilingual" model the real library refuses the
		// language it is given, which shows the host passed it on, and how a failure is worded.
		const multi = harness();
		await multi.call('load', { model: { ...SPEC, multilingual: true } }).done;
		const refused = multi.call('transcribe', {
			modelId: ECHO_WHISPER,
			audio: fox(),
			language: 'de'
		});
		await expect(refused.done).rejects.toMatchObject({
			code: 'transcription_failed',
			message: expect.stringContaining('English-only')
		});
		expect(multi.runs.at(-1)).toMatchObject({ language: 'de', task: 'transcribe' });
	}, 30_000);

	it('cancel: a queued call answers aborted at once, a running one stops and answers aborted', async (ctx) => {
		requireEchoWhisper(ctx);
		const harnessed = harness();
		const { call, host } = harnessed;
		const load = call('load', { model: SPEC });
		const queued = call('transcribe', { modelId: ECHO_WHISPER, audio: fox() });
		host.handle({ type: 'cancel', id: queued.id });
		expect(await codeOf(queued.done)).toBe('aborted');
		await load.done;

		// Cancelled as the first word comes out: the decoder stops before its next token, and the
		// rest of the recording (two more windows) is never decoded.
		harnessed.onPartial = (id) => host.handle({ type: 'cancel', id });
		const running = call('transcribe', { modelId: ECHO_WHISPER, audio: longRecording(70) });
		expect(await codeOf(running.done)).toBe('aborted');
		expect(running.partials).toEqual(['Hearth']);
		harnessed.onPartial = undefined;
		// The host is still usable.
		expect((await call('transcribe', { modelId: ECHO_WHISPER, audio: fox() }).done).text).toBe(
			ECHO_TEXT
		);
	}, 60_000);

	it('falls back to WASM when WebGPU is there but the model fails on it', async (ctx) => {
		requireEchoWhisper(ctx);
		const devices: string[] = [];
		const { call } = harness({
			probeWebGpu: async () => ({ ok: true }),
			loadLibrary: async () => {
				const real = await realSpeechTransformers();
				return {
					env: real.env,
					createRecognizer: (model, options) => {
						devices.push(options.device);
						if (options.device === 'webgpu') throw new Error('no available backend: webgpu');
						return real.createRecognizer(model, options);
					}
				};
			}
		});
		const result = await call('load', { model: SPEC }).done;
		expect(devices).toEqual(['webgpu', 'cpu']);
		expect(result).toMatchObject({ device: 'wasm' });
		expect(result.fallbackReason).toContain('no available backend');
	}, 30_000);

	it('a model that is neither served nor downloaded is model_not_downloaded', async () => {
		const empty = mkdtempSync(path.join(tmpdir(), 'hearth-models-'));
		const { call } = harness({ localModelPath: `${empty}/` });
		await expect(call('load', { model: SPEC }).done).rejects.toMatchObject({
			code: 'model_not_downloaded',
			message: expect.stringContaining('not downloaded')
		});
	}, 30_000);

	it('transcribing before loading names the model', async () => {
		const { call } = harness();
		const job = call('transcribe', { modelId: 'x/y', audio: new Float32Array(16_000) });
		await expect(job.done).rejects.toMatchObject({ code: 'model_not_found' });
	});
});

// Opt-in: HEARTH_STT_MODELS=<folder holding Xenova/whisper-tiny.en with onnx/>.
const REAL = process.env.HEARTH_STT_MODELS;
const REAL_MODEL = process.env.HEARTH_STT_MODEL ?? 'Xenova/whisper-tiny.en';
const realPresent =
	REAL !== undefined &&
	existsSync(path.join(REAL, REAL_MODEL, 'onnx', 'decoder_model_merged_quantized.onnx'));

describe.skipIf(!realPresent)(`real Whisper weights (${REAL_MODEL})`, () => {
	it('transcribes the LibriSpeech sample close to its reference', async () => {
		const { call } = harness({ localModelPath: `${path.resolve(REAL ?? '')}/` });
		await call('load', {
			model: {
				id: REAL_MODEL,
				dtype: 'q8',
				device: 'wasm',
				multilingual: !REAL_MODEL.endsWith('.en')
			}
		}).done;
		const pairs = [];
		for (const utterance of librispeechSample()) {
			const { text } = await call('transcribe', {
				modelId: REAL_MODEL,
				audio: readWav(utterance.wav).samples,
				language: 'en'
			}).done;
			pairs.push({ reference: utterance.text, hypothesis: text });
		}
		// tiny.en scores 5.6 % on all of test-clean; four utterances get some slack.
		expect(wordErrorRate(pairs).wer).toBeLessThan(0.15);
		expect(pairs[2]?.hypothesis.toLowerCase()).toContain('could wait no longer');
	}, 120_000);
});

describe('mergeOverlapping', () => {
	it('drops the words a window repeats from the one before', () => {
		expect(mergeOverlapping('', 'one two')).toBe('one two');
		expect(mergeOverlapping('one two three four', 'three four five six')).toBe(
			'one two three four five six'
		);
		// Case and punctuation differ at a cut.
		expect(mergeOverlapping('he hoped there would be stew.', 'Be stew for dinner')).toBe(
			'he hoped there would be stew. for dinner'
		);
	});

	it('a window whose words so far lie inside the overlap adds nothing yet', () => {
		expect(mergeOverlapping('a b c d e', 'c d')).toBe('a b c d e');
		expect(mergeOverlapping('Hearth heard you clearly.', 'Hearth heard')).toBe(
			'Hearth heard you clearly.'
		);
	});

	it('without a common run, the texts are joined', () => {
		expect(mergeOverlapping('one two', 'three four')).toBe('one two three four');
		expect(mergeOverlapping('one two', '')).toBe('one two');
	});
});

describe('toSerializedSttError', () => {
	it('maps the library wording to codes with plain messages', () => {
		expect(
			toSerializedSttError(new Error('file was not found locally at "/models/x"'), 'X').code
		).toBe('model_not_downloaded');
		expect(toSerializedSttError(new Error('Protobuf parsing failed.')).code).toBe('model_corrupt');
		expect(
			toSerializedSttError(new Error('Language "xx" is not supported. Must be one of: [...]'))
		).toEqual({
			code: 'transcription_failed',
			message: 'Whisper does not know the language "xx". Pick another one in the voice settings.'
		});
		expect(toSerializedSttError('boom')).toEqual({
			code: 'transcription_failed',
			message: 'Transcription failed: boom'
		});
		expect(toSerializedSttError(new HearthError('aborted', 'Stopped.')).code).toBe('aborted');
	});
});
