import type { EmbedProgress } from '$lib/protocol/embed';
import type { CallRequest, CallResult } from '$lib/protocol/rpc';

// The typed protocol between voice/whisper.ts (the page) and workers/stt.worker.ts. Same shape
// as the embed protocol: every call carries an id and is answered by exactly one `result`, after
// any number of `progress` (load) or `partial` (transcribe) events for that id; `cancel` names a
// request id. The worker never touches the network: model files come from our own origin
// (MODELS_PATH in protocol/embed.ts) or from Cache Storage, where the page's ledgered download
// put them, under the same keys as the embedding models.

/** The Cache Storage cache holding downloaded speech models. */
export const STT_CACHE_NAME = 'hearth-speech-models';

/** Whisper's input rate; the same as SAMPLE_RATE in voice/types.ts (workers cannot import it). */
export const STT_SAMPLE_RATE = 16_000;

/** Whisper's window: longer audio is cut into windows this long, overlapping by the stride. */
export const CHUNK_SECONDS = 30;

/** Audio kept on each side of a cut, so no word is lost at it (transformers.js merges the text). */
export const STRIDE_SECONDS = 5;

/** Shorter audio holds no word (a click, the tail of a key press): it is "" without a model run. */
export const MIN_AUDIO_SECONDS = 0.1;

/**
 * Peak amplitude below which audio counts as silence (about -60 dBFS): Whisper would otherwise
 * make words up for a silent recording ("you", "Thank you.").
 */
export const SILENCE_PEAK = 0.001;

export type SttDevice = 'webgpu' | 'wasm';

/** ONNX weight variants transformers.js knows by name (onnx/*_quantized.onnx is 'q8'). */
export type SttDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

/** What the worker needs to load one Whisper model. */
export interface SttModelSpec {
	/** Hugging Face id, e.g. "Xenova/whisper-tiny.en". */
	id: string;
	dtype: SttDtype;
	/** 'auto' is WebGPU when the worker has an adapter, WASM otherwise. */
	device: SttDevice | 'auto';
	/** English-only models (.en) take no language; multilingual ones are told which. */
	multilingual: boolean;
}

export interface SttLoadResult {
	device: SttDevice;
	/** Why WebGPU was not used, when 'auto' ended on WASM. */
	fallbackReason?: string;
	loadMs: number;
}

/** The same report as an embedding model's load: both come from transformers.js. */
export type SttProgress = EmbedProgress;

export interface SttTranscribeParams {
	modelId: string;
	/** 16 kHz mono in [-1, 1], transferred rather than copied. */
	audio: Float32Array;
	/** ISO 639-1 code for multilingual models (English when absent); ignored by .en models. */
	language?: string;
}

export interface SttTranscript {
	/** Trimmed; "" for silence or audio too short to hold a word. */
	text: string;
	audioSeconds: number;
	/** Time spent in the model: audioSeconds / (ms / 1000) is how much faster than real time. */
	ms: number;
}

/** Call name → params and result: a switch on `call` gives typed params without a cast. */
export interface SttCalls {
	load: { params: { model: SttModelSpec }; result: SttLoadResult };
	transcribe: { params: SttTranscribeParams; result: SttTranscript };
	unload: { params: Record<string, never>; result: null };
}

export type SttCallName = keyof SttCalls;

export type SttRequest = CallRequest<SttCalls>;

export type SttToWorker = SttRequest | { type: 'cancel'; id: number };

export type SttResult = CallResult<SttCalls>;

export type SttFromWorker =
	/** Posted once the worker's message handler is installed. */
	| { type: 'ready' }
	| { type: 'progress'; id: number; progress: SttProgress }
	/** The text so far of a transcription still running (trimmed); the result has the final text. */
	| { type: 'partial'; id: number; text: string }
	| SttResult;
