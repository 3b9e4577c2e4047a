import type { HearthError } from '$lib/types/errors';

// The seam between speech recognition (Whisper in a worker, or the browser's own) and the voice
// state that captures audio and decides when an utterance ends.

/** 16 kHz mono samples in [-1, 1]: what every recogniser here takes. */
export const SAMPLE_RATE = 16_000;

export type SttState =
	| { kind: 'missing' } /** the model is not downloaded */
	| { kind: 'downloading'; fraction: number; text: string }
	| { kind: 'loading'; text: string }
	| { kind: 'ready'; device: 'webgpu' | 'wasm' | 'browser' }
	| { kind: 'failed'; error: HearthError };

export interface TranscribeOptions {
	/** ISO 639-1 code; undefined = the model's default (or detection, multilingual models). */
	language?: string;
	/** The text so far, while a long recording is still being processed. */
	onPartial?: (text: string) => void;
	signal?: AbortSignal;
}

export interface LoadProgressReport {
	/** 0..1, or null when the total is not known. */
	fraction: number | null;
	text: string;
}

export interface SpeechToText {
	/** Shown beside the microphone: "Whisper tiny.en on this device", "Browser (sends audio to …)". */
	readonly label: string;
	/** True when audio leaves the device (the browser's own recognition in Chrome). */
	readonly sendsAudioAway: boolean;
	/** Downloads (if needed) and loads the model; cancellable; resolves when ready. */
	load(onProgress: (p: LoadProgressReport) => void, signal?: AbortSignal): Promise<void>;
	/** Whether `load` has finished. */
	readonly ready: boolean;
	/** Text of one utterance (16 kHz mono). Throws HearthError('transcription_failed' | 'aborted' | 'model_not_downloaded'). */
	transcribe(audio: Float32Array, options?: TranscribeOptions): Promise<string>;
	dispose(): void;
}
