import { ORT_PATH } from '$lib/protocol/embed';
import { HearthError } from '$lib/types/errors';
import type { MicVAD } from '@ricky0123/vad-web';
import type { AudioCapture } from '$lib/voice/capture';

// Voice-activity detection for hands-free mode: Silero (v5) through @ricky0123/vad-web, run on the
// capture's own stream and AudioContext (one microphone, one graph). The library and its ONNX
// Runtime are imported only when hands-free starts, so they cost nothing until then.

export interface VadCallbacks {
	/** Speech may have begun (early: good for "hearing you…"). */
	onSpeechStart(): void;
	/** Speech went on long enough to count: the moment to interrupt Hearth (barge-in). */
	onSpeechConfirmed(): void;
	/** An utterance ended: its samples, 16 kHz mono. */
	onSpeechEnd(audio: Float32Array): void;
	/** What started was too short to be speech (a cough, a click). */
	onMisfire(): void;
}

/**
 * 'normal' while Hearth is silent; 'barge-in' while it speaks: only clear, sustained speech
 * counts then, so Hearth's own voice leaking past echo cancellation does not interrupt it.
 */
export type VadSensitivity = 'normal' | 'barge-in';

export interface VoiceActivity {
	start(): Promise<void>;
	pause(): Promise<void>;
	setSensitivity(sensitivity: VadSensitivity): void;
	destroy(): Promise<void>;
}

export type VadFactory = (capture: AudioCapture, callbacks: VadCallbacks) => Promise<VoiceActivity>;

/** Where our origin serves the Silero models and the VAD's audio worklet (see vite.config.ts). */
export const VAD_ASSET_PATH = '/vad/';

export const VAD_THRESHOLDS: Record<
	VadSensitivity,
	{ positiveSpeechThreshold: number; negativeSpeechThreshold: number }
> = {
	normal: { positiveSpeechThreshold: 0.5, negativeSpeechThreshold: 0.35 },
	'barge-in': { positiveSpeechThreshold: 0.85, negativeSpeechThreshold: 0.7 }
};

/** Silero v5 on the capture's stream. Throws HearthError('speech_unavailable') if it cannot load. */
export const createSileroVad: VadFactory = async (capture, callbacks) => {
	const source = capture.source;
	if (!source) throw new HearthError('not_supported', 'Hands-free mode needs a real microphone.');
	let vad: MicVAD;
	try {
		const { MicVAD } = await import('@ricky0123/vad-web');
		vad = await MicVAD.new({
			model: 'v5',
			baseAssetPath: VAD_ASSET_PATH,
			onnxWASMBasePath: ORT_PATH,
			ortConfig: (ort) => {
				ort.env.logLevel = 'error';
			},
			// Our stream and graph: the capture owns the tracks, so pausing must not stop them.
			audioContext: source.context,
			getStream: async () => source.stream,
			pauseStream: async () => undefined,
			resumeStream: async (stream) => stream,
			startOnLoad: false,
			...VAD_THRESHOLDS.normal,
			// A pause of ~0.9 s ends an utterance; 0.3 s before speech is kept so first syllables survive.
			redemptionMs: 900,
			preSpeechPadMs: 300,
			minSpeechMs: 250,
			submitUserSpeechOnPause: false,
			onSpeechStart: () => callbacks.onSpeechStart(),
			onSpeechRealStart: () => callbacks.onSpeechConfirmed(),
			onSpeechEnd: (audio) => callbacks.onSpeechEnd(audio),
			onVADMisfire: () => callbacks.onMisfire()
		});
	} catch (e) {
		throw new HearthError(
			'speech_unavailable',
			'The voice detector could not start, so hands-free mode is off. Push-to-talk still works.',
			{ cause: e }
		);
	}
	let started = false;
	return {
		async start() {
			await vad.start();
			started = true;
		},
		async pause() {
			if (started) await vad.pause();
		},
		setSensitivity(sensitivity) {
			vad.setOptions(VAD_THRESHOLDS[sensitivity]);
		},
		async destroy() {
			// MicVAD.destroy() throws if it never started; there is nothing to release then but the model.
			if (started) await vad.destroy().catch(() => undefined);
		}
	};
};
