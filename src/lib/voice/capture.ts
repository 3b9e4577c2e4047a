import { HearthError } from '$lib/types/errors';
import { createLevelMeter } from '$lib/voice/level';
import { micError, micSupport } from '$lib/voice/mic-errors';
import { concatChunks, resample } from '$lib/voice/resample';

// One microphone stream for everything voice does: the level meter, push-to-talk recording and
// the voice-activity detector all read the same getUserMedia stream and AudioContext, so the
// meter and the detector agree and the browser asks for (and shows) one microphone.

/** The real audio graph, for the voice-activity detector; null for test doubles. */
export interface CaptureSource {
	readonly stream: MediaStream;
	readonly context: AudioContext;
}

export interface AudioCapture {
	readonly source: CaptureSource | null;
	readonly recording: boolean;
	/** Starts keeping samples (anything kept before is dropped). */
	startRecording(): void;
	/** Stops keeping samples and returns them as 16 kHz mono. */
	stopRecording(): Float32Array;
	/** The smoothed level (0..1) after every block of samples; returns the unsubscribe. */
	onLevel(listener: (level: number) => void): () => void;
	/** The microphone went away on its own (unplugged, permission revoked). */
	onEnded(listener: () => void): () => void;
	/** Stops the tracks (the browser's microphone indicator goes off) and closes the graph. */
	close(): Promise<void>;
}

export interface OpenCaptureOptions {
	deviceId?: string;
	signal?: AbortSignal;
}

/** Samples per block (~43 ms at 48 kHz): how often the level meter moves. */
const BLOCK = 2048;
/** A recording stops growing after this long (a stuck push-to-talk must not fill memory). */
const MAX_SECONDS = 300;

function stopTracks(stream: MediaStream): void {
	for (const track of stream.getTracks()) track.stop();
}

/** Asks for the microphone (echo cancellation and noise suppression on) and starts metering. */
export async function openCapture(options: OpenCaptureOptions = {}): Promise<AudioCapture> {
	const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
	const unsupported = micSupport({
		isSecureContext: globalThis.isSecureContext,
		mediaDevices: media
	});
	if (unsupported || !media)
		throw unsupported ?? new HearthError('not_supported', 'No microphone API.');
	let stream: MediaStream;
	try {
		stream = await media.getUserMedia({
			audio: {
				echoCancellation: true,
				noiseSuppression: true,
				autoGainControl: true,
				channelCount: { ideal: 1 },
				...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {})
			}
		});
	} catch (e) {
		throw micError(e);
	}
	if (options.signal?.aborted) {
		stopTracks(stream);
		throw new HearthError('aborted', 'Stopped.');
	}
	try {
		return await captureFrom(stream);
	} catch (e) {
		stopTracks(stream);
		throw e instanceof HearthError
			? e
			: new HearthError('microphone_busy', 'The microphone could not be read. Try again.', {
					cause: e
				});
	}
}

async function captureFrom(stream: MediaStream): Promise<AudioCapture> {
	// The device's own rate (a fake device or a Bluetooth headset may not be 48 kHz): samples are
	// resampled to 16 kHz once, when a recording ends.
	const context = new AudioContext();
	if (context.state === 'suspended') await context.resume().catch(() => undefined);
	const rate = context.sampleRate;
	const input = context.createMediaStreamSource(stream);
	// A ScriptProcessor, not an AudioWorklet: the page's CSP (script-src 'self') rules out a
	// blob: worklet module, and this needs no separate file. The VAD brings its own worklet.
	const processor = context.createScriptProcessor(BLOCK, 1, 1);
	// Chrome only runs a processor that is connected to the output: through a muted gain.
	const mute = context.createGain();
	mute.gain.value = 0;
	input.connect(processor);
	processor.connect(mute);
	mute.connect(context.destination);

	const meter = createLevelMeter();
	const levelListeners = new Set<(level: number) => void>();
	const endedListeners = new Set<() => void>();
	let chunks: Float32Array[] = [];
	let kept = 0;
	let recording = false;
	let closed = false;

	processor.onaudioprocess = (event) => {
		const block = event.inputBuffer.getChannelData(0);
		const level = meter.push(block);
		for (const listener of levelListeners) listener(level);
		if (recording && kept < MAX_SECONDS * rate) {
			chunks.push(new Float32Array(block));
			kept += block.length;
		}
	};
	const track = stream.getAudioTracks()[0];
	const onTrackEnded = () => {
		if (!closed) for (const listener of endedListeners) listener();
	};
	track?.addEventListener('ended', onTrackEnded);

	return {
		source: { stream, context },
		get recording() {
			return recording;
		},
		startRecording() {
			chunks = [];
			kept = 0;
			recording = true;
		},
		stopRecording() {
			recording = false;
			const audio = concatChunks(chunks);
			chunks = [];
			kept = 0;
			return resample(audio, rate);
		},
		onLevel(listener) {
			levelListeners.add(listener);
			return () => levelListeners.delete(listener);
		},
		onEnded(listener) {
			endedListeners.add(listener);
			return () => endedListeners.delete(listener);
		},
		async close() {
			if (closed) return;
			closed = true;
			recording = false;
			chunks = [];
			track?.removeEventListener('ended', onTrackEnded);
			processor.onaudioprocess = null;
			input.disconnect();
			processor.disconnect();
			mute.disconnect();
			stopTracks(stream);
			levelListeners.clear();
			endedListeners.clear();
			await context.close().catch(() => undefined);
		}
	};
}
