import { VoiceOutput, type SpeakerLike } from '$lib/state/voice-output.svelte';
import { VoiceRecognition } from '$lib/state/voice-recognition.svelte';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { AudioCapture } from '$lib/voice/capture';
import type { SpeakerDeps } from '$lib/voice/speaker';
import type { LoadProgressReport, SpeechToText } from '$lib/voice/types';
import type { VadCallbacks, VadFactory, VoiceActivity } from '$lib/voice/vad';

// Voice as the page sees it: one microphone capture, push-to-talk / toggle / hands-free input, the
// recogniser (VoiceRecognition: Whisper or the browser's, injected), and replies read aloud
// sentence by sentence (VoiceOutput).
//
// Invariants:
// - The microphone is open only while listening: push-to-talk and toggle release it after each
//   utterance; hands-free holds it until stop(), an error, or the page being hidden.
// - Hands-free does not hear itself: while Hearth speaks the detector needs clear, sustained
//   speech (the 'barge-in' sensitivity). Echo cancellation alone is not enough, because
//   speechSynthesis often plays through the system's speech service, outside the audio path
//   the browser's echo canceller knows about. Confirmed speech stops Hearth at once (barge-in),
//   and that utterance is captured and sent like any other.

export type VoiceStatus = 'idle' | 'listening' | 'transcribing' | 'speaking' | 'error';
export type VoiceMode = 'push' | 'toggle' | 'handsfree';
/** What the person can do about an error: the voice bar shows it as a button. */
export type VoiceAction = 'download' | 'retry';

export interface VoiceIssue {
	error: HearthError;
	action: VoiceAction | null;
}

/** The settings voice reads (a subset of Settings, read each time so changes apply). */
export interface VoicePrefs {
	sttLanguage: string;
	voiceName: string;
	speechRate: number;
	speechPitch: number;
	autoRead: boolean;
}

export interface TranscriptMeta {
	/** True in hands-free mode: send it now. False: put it in the composer for review. */
	auto: boolean;
}

export interface VoiceDeps {
	/** The recogniser in use; read each time (the engine setting may change). */
	stt: () => SpeechToText;
	/**
	 * Whether the recogniser's model is on this device. When false, input stops with
	 * model_not_downloaded and a download action, rather than downloading unasked.
	 * Absent: load() is cheap and may be called freely (the browser's recogniser).
	 */
	isDownloaded?: () => Promise<boolean>;
	prefs: () => VoicePrefs;
	onTranscript: (text: string, meta: TranscriptMeta) => void;
	/** Defaults to the real microphone (capture.ts, loaded on first use). */
	openCapture?: () => Promise<AudioCapture>;
	/** Defaults to Silero through @ricky0123/vad-web (loaded when hands-free starts). */
	createVad?: VadFactory;
	/** Defaults to the browser's speechSynthesis; null: no voice out. */
	createSpeaker?: (events: Pick<SpeakerDeps, 'onChange' | 'onError'>) => SpeakerLike | null;
	/** Every error, also shown in the voice bar (e.g. for a toast or a log). */
	onError?: (error: HearthError) => void;
}

async function defaultCapture(): Promise<AudioCapture> {
	const { openCapture } = await import('$lib/voice/capture');
	return openCapture();
}

const defaultVad: VadFactory = async (capture, callbacks) => {
	const { createSileroVad } = await import('$lib/voice/vad');
	return createSileroVad(capture, callbacks);
};

function actionFor(error: HearthError): VoiceAction | null {
	switch (error.code) {
		case 'model_not_downloaded':
			return 'download';
		case 'microphone_denied':
		case 'not_supported':
			return null; // the message says what to do; retrying at once would fail the same way
		default:
			return 'retry';
	}
}

export class VoiceState {
	/** Voice mode is on: the voice bar shows, and replies are read aloud if autoRead. */
	active = $state(false);
	/** How the microphone is being used right now (null: not capturing). */
	mode = $state<VoiceMode | null>(null);
	/** The microphone is open and being heard. */
	listening = $state(false);
	/** The detector hears speech (hands-free). */
	hearing = $state(false);
	/** Microphone level, 0..1. */
	level = $state(0);
	/** The transcript so far, while a recogniser reports one. */
	partial = $state('');
	issue = $state.raw<VoiceIssue | null>(null);

	status: VoiceStatus = $derived(
		this.issue
			? 'error'
			: this.transcriptions > 0
				? 'transcribing'
				: this.speaking
					? 'speaking'
					: this.listening
						? 'listening'
						: 'idle'
	);

	readonly #deps: VoiceDeps;
	readonly #recognition: VoiceRecognition;
	readonly #output: VoiceOutput;
	#capture: AudioCapture | null = null;
	#unsubscribe: (() => void)[] = [];
	#vad: VoiceActivity | null = null;
	/** Bumped by stop() and errors: an opening microphone that arrives late is closed at once. */
	#generation = 0;
	/** Push-to-talk was released before the microphone opened. */
	#stopRequested = false;
	#opening: Promise<void> | null = null;
	#lastMode: VoiceMode | null = null;

	constructor(deps: VoiceDeps) {
		this.#deps = deps;
		this.#recognition = new VoiceRecognition({
			stt: deps.stt,
			isDownloaded: deps.isDownloaded,
			language: () => deps.prefs().sttLanguage || undefined,
			generation: () => this.#generation,
			onPartial: (text) => (this.partial = text),
			onTranscript: (text, auto) => deps.onTranscript(text, { auto }),
			onIssue: (error) => this.#setIssue(error)
		});
		this.#output = new VoiceOutput({
			prefs: deps.prefs,
			createSpeaker: deps.createSpeaker,
			onSpeaking: (speaking) => this.#vad?.setSensitivity(speaking ? 'barge-in' : 'normal'),
			onError: (error) => deps.onError?.(error)
		});
	}

	/** Utterances being transcribed now. */
	get transcriptions(): number {
		return this.#recognition.transcriptions;
	}

	/** The recogniser's model is loading (or downloading): progress, cancellable. */
	get loading(): LoadProgressReport | null {
		return this.#recognition.loading;
	}

	/** Hearth is reading a reply aloud. */
	get speaking(): boolean {
		return this.#output.speaking;
	}

	/** Read replies aloud now (voice mode on, autoRead on, and a voice to read with). */
	get shouldRead(): boolean {
		return this.active && this.#deps.prefs().autoRead && this.#output.available;
	}

	// --- Input -----------------------------------------------------------------------------

	/** Hold to talk: starts listening (the button or Space went down). */
	startPushToTalk(): Promise<void> {
		return this.#startRecording('push');
	}

	/** Hold to talk: stops and transcribes into the composer. */
	async stopPushToTalk(): Promise<void> {
		if (this.mode === 'push') await this.#finishRecording();
	}

	/** Click to start; click again to stop and transcribe into the composer. */
	async toggle(): Promise<void> {
		if (this.mode === 'toggle' || this.mode === 'push') await this.#finishRecording();
		else if (this.mode === null) await this.#startRecording('toggle');
	}

	/** A push-to-talk that was only a tap keeps listening, as a toggle (the mic button). */
	latch(): void {
		if (this.mode === 'push') this.mode = 'toggle';
	}

	/** The error's "Try again": clears it and, if hands-free was on, restarts listening. */
	async retry(): Promise<void> {
		this.issue = null;
		if (this.#lastMode === 'handsfree') await this.startHandsFree();
	}

	/** Drops the current recording without transcribing it (Escape). */
	async cancelRecording(): Promise<void> {
		if (this.mode !== 'push' && this.mode !== 'toggle') return;
		this.#generation++;
		this.#recognition.cancel();
		await this.#release();
	}

	/** Hands-free conversation: each utterance the detector cuts is transcribed and sent. */
	async startHandsFree(): Promise<void> {
		if (this.mode === 'handsfree') return;
		if (this.mode) await this.cancelRecording();
		this.issue = null;
		this.active = true;
		this.mode = 'handsfree';
		this.#lastMode = 'handsfree';
		const generation = ++this.#generation;
		const opening = (async () => {
			const modelReady = this.#recognition.ensureModel();
			const capture = await this.#openCapture(generation);
			if (!capture) return;
			const vad = await (this.#deps.createVad ?? defaultVad)(capture, this.#vadCallbacks());
			if (generation !== this.#generation) {
				await vad.destroy();
				return;
			}
			this.#vad = vad;
			vad.setSensitivity(this.speaking ? 'barge-in' : 'normal');
			await vad.start();
			this.listening = true;
			this.#releaseUnlessReady(modelReady, generation);
		})();
		await this.#track(opening, generation);
	}

	/** Ends voice mode: stops listening and speaking, releases the microphone. */
	async stop(): Promise<void> {
		this.#generation++;
		this.#recognition.abortAll();
		this.#recognition.cancel();
		this.#output.stop();
		this.#output.reset();
		await this.#release();
		this.active = false;
		this.partial = '';
	}

	// --- Output ----------------------------------------------------------------------------

	/** Feeds a streaming reply's delta; complete sentences are spoken as they arrive. */
	speakStreaming(delta: string): void {
		if (this.active) this.#output.streaming(delta);
	}

	/** The reply finished (or stopped): speaks what is left and readies for the next one. */
	endSpeech(): void {
		this.#output.end();
	}

	/** Speaks a whole text (e.g. "Test voice", or reading one message again). */
	speak(markdown: string): void {
		this.#output.speak(markdown);
	}

	/** Stops speaking now; the rest of the reply being streamed is not spoken. */
	stopSpeaking(): void {
		this.#output.stop();
	}

	// --- Model -----------------------------------------------------------------------------

	/** Downloads and loads the recogniser's model (the error's "Download" action). */
	async downloadModel(): Promise<boolean> {
		if (this.issue?.error.code === 'model_not_downloaded') this.issue = null;
		return this.#recognition.load();
	}

	cancelLoad(): void {
		this.#recognition.cancelLoad();
	}

	dismissError(): void {
		this.issue = null;
	}

	/** Releases the microphone when the page is hidden or left; returns the detach. */
	watchPage(doc: Document, win: Window): () => void {
		const onVisibility = () => {
			if (doc.visibilityState === 'hidden') void this.stop();
		};
		const onPageHide = () => void this.stop();
		doc.addEventListener('visibilitychange', onVisibility);
		win.addEventListener('pagehide', onPageHide);
		return () => {
			doc.removeEventListener('visibilitychange', onVisibility);
			win.removeEventListener('pagehide', onPageHide);
		};
	}

	// --- Internals -------------------------------------------------------------------------

	#vadCallbacks(): VadCallbacks {
		return {
			onSpeechStart: () => {
				this.hearing = true;
				this.#recognition.begin();
			},
			onSpeechConfirmed: () => {
				// Barge-in: the person talks over Hearth, so Hearth stops and listens.
				if (this.speaking) {
					this.stopSpeaking();
					this.#vad?.setSensitivity('normal');
				}
			},
			onSpeechEnd: (audio) => {
				this.hearing = false;
				void this.#recognition.enqueue(audio, true);
			},
			onMisfire: () => {
				this.hearing = false;
				this.#recognition.cancel();
			}
		};
	}

	async #startRecording(mode: 'push' | 'toggle'): Promise<void> {
		if (this.mode !== null) return;
		this.issue = null;
		this.active = true;
		this.mode = mode;
		this.#lastMode = mode;
		this.partial = '';
		this.#stopRequested = false;
		const generation = ++this.#generation;
		const opening = (async () => {
			const modelReady = this.#recognition.ensureModel();
			const capture = await this.#openCapture(generation);
			if (!capture) return;
			capture.startRecording();
			this.listening = true;
			this.#recognition.begin();
			this.#releaseUnlessReady(modelReady, generation);
		})();
		await this.#track(opening, generation);
		if (this.#stopRequested && this.mode === mode) await this.#finishRecording();
	}

	/**
	 * Listening goes on while the model loads (speech is kept until it is ready); if it cannot
	 * load (not downloaded: reported with its download action; or cancelled), the microphone
	 * is released, since nothing could be transcribed.
	 */
	#releaseUnlessReady(modelReady: Promise<boolean>, generation: number): void {
		void modelReady.then(async (ready) => {
			if (ready || generation !== this.#generation) return;
			this.#recognition.cancel();
			await this.#release();
		});
	}

	/** Runs an opening sequence; a failure releases everything and shows the error. */
	async #track(opening: Promise<void>, generation: number): Promise<void> {
		this.#opening = opening;
		try {
			await opening;
		} catch (e) {
			if (generation === this.#generation) await this.#fail(toHearthError(e));
		} finally {
			if (this.#opening === opening) this.#opening = null;
		}
	}

	async #openCapture(generation: number): Promise<AudioCapture | null> {
		const capture = await (this.#deps.openCapture ?? defaultCapture)();
		if (generation !== this.#generation) {
			await capture.close();
			return null;
		}
		this.#capture = capture;
		this.#unsubscribe.push(
			capture.onLevel((level) => (this.level = level)),
			capture.onEnded(() => {
				void this.#fail(
					new HearthError(
						'microphone_missing',
						'The microphone stopped (unplugged, or its permission was taken back). Check it and try again.'
					)
				);
			})
		);
		return capture;
	}

	async #finishRecording(): Promise<void> {
		const capture = this.#capture;
		if (!capture) {
			// Released before the microphone opened: finish as soon as it does.
			if (this.#opening) this.#stopRequested = true;
			return;
		}
		const audio = capture.stopRecording();
		await this.#release();
		await this.#recognition.enqueue(audio, false);
	}

	async #fail(error: HearthError): Promise<void> {
		this.#generation++;
		this.#recognition.cancel();
		await this.#release();
		this.#setIssue(error);
	}

	#setIssue(error: HearthError): void {
		this.issue = { error, action: actionFor(error) };
		this.#deps.onError?.(error);
	}

	/** Closes the detector and the microphone (tracks stopped). Voice mode stays as it is. */
	async #release(): Promise<void> {
		const vad = this.#vad;
		const capture = this.#capture;
		this.#vad = null;
		this.#capture = null;
		for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
		this.mode = null;
		this.listening = false;
		this.hearing = false;
		this.level = 0;
		this.#stopRequested = false;
		await vad?.destroy().catch(() => undefined);
		await capture?.close();
	}
}
