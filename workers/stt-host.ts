import type {
	SttCalls,
	SttDevice,
	SttFromWorker,
	SttModelSpec,
	SttToWorker,
	SttTranscribeParams,
	SttTranscript
} from '$lib/protocol/stt';
import {
	CHUNK_SECONDS,
	MIN_AUDIO_SECONDS,
	SILENCE_PEAK,
	STRIDE_SECONDS,
	STT_SAMPLE_RATE
} from '$lib/protocol/stt';
import { answerCall } from '$lib/protocol/rpc';
import { HearthError, stopped } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import {
	createHostCalls,
	libraryLoader,
	progressMapper,
	startOnDevice,
	toSerializedLibraryError
} from '$workers/transformers-env';
import type {
	HostTask,
	LibraryEnv,
	LibraryEnvOptions,
	LibraryProgress,
	ModelDevice,
	WebGpuProbe
} from '$workers/transformers-env';

// The adapter between transformers.js's Whisper pipeline and the typed speech protocol, free of
// `self` so it runs in Node against the real library and the generated echo-whisper model.
// Audio over 30 s is cut into overlapping windows (the pipeline merges their text). The text so
// far is reported as the decoder produces it, through a streamer; the same streamer is where a
// cancelled transcription stops, between two tokens. The library setup, WebGPU → WASM, progress
// and the one-call-at-a-time queue are shared with the embeddings host (transformers-env.ts).

/** What the host hands generate(): tokens as they come (bigint ids), and the end of a window. */
export interface StreamerLike {
	put(value: bigint[][]): void;
	end(): void;
}

/** The pipeline options the host uses (a subset of AutomaticSpeechRecognitionConfig). */
export interface AsrOptions {
	language?: string;
	task?: 'transcribe';
	chunk_length_s?: number;
	stride_length_s?: number;
	max_new_tokens?: number;
	streamer?: StreamerLike;
}

/** An automatic-speech-recognition pipeline, as far as the host uses it. */
export type RecognizerLike = ((
	audio: Float32Array,
	options: AsrOptions
) => Promise<{ text: string }>) & {
	tokenizer: { decode(ids: number[], options: { skip_special_tokens: boolean }): string };
	dispose(): Promise<unknown>;
};

/** The part of @huggingface/transformers the host uses. */
export interface SttTransformersLike {
	env: LibraryEnv;
	createRecognizer(
		model: string,
		options: {
			device: string;
			dtype: string;
			progress_callback: (info: LibraryProgress) => void;
		}
	): Promise<RecognizerLike>;
}

export interface SttHostDeps extends LibraryEnvOptions {
	/** Imported on the first load, so the worker answers `ready` before the library is parsed. */
	loadLibrary: () => Promise<SttTransformersLike>;
	post: (message: SttFromWorker) => void;
	probeWebGpu: () => Promise<WebGpuProbe>;
	/** The library's name for the CPU device: 'wasm' in a browser, 'cpu' in Node. */
	wasmDeviceName?: string;
	now?: () => number;
}

export interface SttHost {
	handle(message: SttToWorker): void;
}

type Task = HostTask<SttCalls>;

interface Loaded {
	key: string;
	spec: SttModelSpec;
	recognizer: RecognizerLike;
	device: SttDevice;
	fallbackReason?: string;
}

/** The library's wording of a failure, turned into a code a person can act on. */
export function toSerializedSttError(e: unknown, modelId?: string): SerializedError {
	const name = modelId ?? 'The speech model';
	return toSerializedLibraryError(e, {
		notDownloaded: `${name} is not downloaded. Download it in the voice settings, then try again.`,
		corrupt: `${name}'s files are damaged. Delete the model and download it again.`,
		other: (text) => {
			const language = /Language "([^"]*)" is not supported/.exec(text)?.[1];
			if (language !== undefined) {
				return {
					code: 'transcription_failed',
					message: `Whisper does not know the language "${language}". Pick another one in the voice settings.`
				};
			}
			return {
				code: 'transcription_failed',
				message: `Transcription failed${text ? `: ${text}` : '.'}`
			};
		}
	});
}

const normalWord = (word: string): string => word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');

/** How far back in the text so far a new window's first words are looked for. */
const OVERLAP_WORDS = 60;

/**
 * Joins a new window's text to the text so far for a partial report. Windows overlap (the
 * stride), so the new one begins with words already there: the longest run of its first words
 * found at the end of `previous` is dropped; a window whose words so far all lie within the
 * overlap adds nothing yet. Only for partials: the final text is the pipeline's token-level merge.
 */
export function mergeOverlapping(previous: string, next: string): string {
	const a = previous.split(/\s+/).filter(Boolean);
	const b = next.split(/\s+/).filter(Boolean);
	if (b.length === 0) return a.join(' ');
	if (a.length === 0) return b.join(' ');
	const na = a.map(normalWord);
	const nb = b.map(normalWord);
	let best: { start: number; length: number } | undefined;
	for (let start = Math.max(0, a.length - OVERLAP_WORDS); start < a.length; start++) {
		let length = 0;
		while (start + length < a.length && length < b.length && na[start + length] === nb[length]) {
			length++;
		}
		const reachesEnd = start + length === a.length;
		const containsAll = length === b.length;
		if (length > 0 && (reachesEnd || containsAll) && length > (best?.length ?? 0)) {
			best = { start, length };
		}
	}
	if (!best) return [...a, ...b].join(' ');
	return [...a, ...b.slice(best.length)].join(' ');
}

/** The loudest sample: below SILENCE_PEAK the recording holds nothing to transcribe. */
function peakOf(audio: Float32Array): number {
	let peak = 0;
	for (const x of audio) {
		const v = Math.abs(x);
		if (v > peak) peak = v;
	}
	return peak;
}

/**
 * Follows the decoder through every window: the first `put` of a window is its prompt, then one
 * token per `put`; `end` closes the window. Reports the text so far when it changes, and stops
 * the run (by throwing out of generate()) once the call is cancelled.
 */
function partialStreamer(
	recognizer: RecognizerLike,
	task: Task,
	report: (text: string) => void
): StreamerLike {
	let finished = '';
	let tokens: number[] = [];
	let prompt = true;
	let last = '';
	const decode = () => recognizer.tokenizer.decode(tokens, { skip_special_tokens: true });
	const emit = (text: string) => {
		if (text === last) return;
		last = text;
		report(text);
	};
	return {
		put(value) {
			if (task.cancelled) throw stopped();
			if (prompt) {
				prompt = false;
				return;
			}
			for (const id of value[0] ?? []) tokens.push(Number(id));
			emit(mergeOverlapping(finished, decode()));
		},
		end() {
			finished = mergeOverlapping(finished, decode());
			tokens = [];
			prompt = true;
			emit(finished);
		}
	};
}

export function createSttHost(deps: SttHostDeps): SttHost {
	const now = deps.now ?? (() => performance.now());
	const ensureLibrary = libraryLoader(deps.loadLibrary, deps);
	let loaded: Loaded | undefined;

	/** Creates the pipeline on `device`; on WebGPU one short run compiles it (or fails here). */
	async function start(
		task: Task,
		lib: SttTransformersLike,
		spec: SttModelSpec,
		device: ModelDevice
	): Promise<RecognizerLike> {
		const toProgress = progressMapper();
		const recognizer = await lib.createRecognizer(spec.id, {
			device: device === 'wasm' ? (deps.wasmDeviceName ?? 'wasm') : 'webgpu',
			dtype: spec.dtype,
			progress_callback: (info) => {
				const progress = toProgress(info);
				if (progress && !task.cancelled) {
					deps.post({ type: 'progress', id: task.request.id, progress });
				}
			}
		});
		try {
			if (device === 'webgpu') {
				// One second of silence, one token: the encoder and the decoder both run once.
				await recognizer(new Float32Array(STT_SAMPLE_RATE), {
					max_new_tokens: 1,
					...(spec.multilingual ? { language: 'en', task: 'transcribe' } : {})
				});
			}
			if (task.cancelled) throw stopped();
			return recognizer;
		} catch (e) {
			await recognizer.dispose().catch(() => undefined);
			throw e;
		}
	}

	async function load(task: Task, spec: SttModelSpec): Promise<SttCalls['load']['result']> {
		const started = now();
		const key = JSON.stringify([spec.id, spec.dtype, spec.device]);
		if (loaded?.key === key) {
			return { device: loaded.device, fallbackReason: loaded.fallbackReason, loadMs: 0 };
		}
		const lib = await ensureLibrary();
		await unload();
		const { made, device, fallbackReason } = await startOnDevice(
			spec.device,
			deps.probeWebGpu,
			(on) => start(task, lib, spec, on),
			() => task.cancelled
		);
		loaded = { key, spec, recognizer: made, device, fallbackReason };
		return { device, fallbackReason, loadMs: now() - started };
	}

	async function transcribe(task: Task, params: SttTranscribeParams): Promise<SttTranscript> {
		const model = loaded;
		if (!model || model.spec.id !== params.modelId) {
			throw new HearthError(
				'model_not_found',
				`The speech model ${params.modelId} is not loaded. Load it, then try again.`
			);
		}
		const { audio } = params;
		const audioSeconds = audio.length / STT_SAMPLE_RATE;
		if (audioSeconds < MIN_AUDIO_SECONDS || peakOf(audio) < SILENCE_PEAK) {
			return { text: '', audioSeconds, ms: 0 };
		}
		const options: AsrOptions = {
			streamer: partialStreamer(model.recognizer, task, (text) =>
				deps.post({ type: 'partial', id: task.request.id, text })
			)
		};
		if (audioSeconds > CHUNK_SECONDS) {
			options.chunk_length_s = CHUNK_SECONDS;
			options.stride_length_s = STRIDE_SECONDS;
		}
		// English-only models refuse a language; multilingual ones would guess English without one.
		if (model.spec.multilingual) {
			options.language = params.language ?? 'en';
			options.task = 'transcribe';
		}
		const started = now();
		const output = await model.recognizer(audio, options);
		if (task.cancelled) throw stopped();
		return { text: output.text.trim(), audioSeconds, ms: now() - started };
	}

	async function unload(): Promise<null> {
		const model = loaded;
		loaded = undefined;
		await model?.recognizer.dispose().catch(() => undefined);
		return null;
	}

	function run(task: Task): Promise<void> {
		const { request } = task;
		const modelId = request.call === 'load' ? request.params.model.id : undefined;
		return answerCall<SttCalls>(
			request,
			{
				load: (params) => load(task, params.model),
				transcribe: (params) => transcribe(task, params),
				unload
			},
			deps.post,
			(e) => (task.cancelled ? stopped().toJSON() : toSerializedSttError(e, modelId))
		);
	}

	const calls = createHostCalls(run, deps.post);

	return {
		handle(message) {
			if (message.type === 'cancel') calls.cancel(message.id);
			else calls.push(message);
		}
	};
}
