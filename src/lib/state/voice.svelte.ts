import { HearthError, toHearthError } from '$lib/types/errors';
import { isLive } from '$lib/voice/browser-stt';
import type { AudioCapture } from '$lib/voice/capture';
import { SentenceStream } from '$lib/voice/sentences';
import { browserSpeaker, type Speaker, type SpeakerDeps } from '$lib/voice/speaker';
import { SAMPLE_RATE, type LoadProgressReport, type SpeechToText } from '$lib/voice/types';
import type { VadCallbacks, VadFactory, VoiceActivity } from '$lib/voice/vad';

// Voice as the page sees it: one microphone capture, push-to-talk / toggle / hands-free input, the
// recogniser (injected: Whisper or the browser's), and replies read aloud sentence by sentence.
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

/** The parts of Speaker the state uses. */
export type SpeakerLike = Pick<Speaker, 'say' | 'stop' | 'speaking' | 'configure'>;

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

/** Shorter recordings are a tap, not speech: dropped without a transcript. */
const MIN_SAMPLES = Math.round(SAMPLE_RATE * 0.25);

/** Whisper's words for silence or noise ("[BLANK_AUDIO]", "(wind blowing)"): not a message. */
export function isNonSpeech(text: string): boolean {
	return /^\s*(?:[[(][^\])]*[\])]\s*)+$/.test(text) || !/[\p{L}\p{N}]/u.test(text);
}

interface KeyLike {
	code: string;
	repeat?: boolean;
	altKey: boolean;
	ctrlKey: boolean;
	metaKey: boolean;
	shiftKey: boolean;
	target: EventTarget | null;
}

/** Where Space means something else: typing, pressing a control, or inside a dialog. */
const SPACE_IS_TAKEN =
	'input, textarea, select, button, a[href], summary, audio, video, dialog[open], [contenteditable]:not([contenteditable="false"]), [role="button"], [role="textbox"], [role="slider"], [role="checkbox"], [role="radio"], [role="switch"], [role="tab"], [role="menuitem"], [role="option"]';

/** Space held with nothing else focused is push-to-talk. */
export function isPushToTalkKey(event: KeyLike): boolean {
	if (event.code !== 'Space' || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
		return false;
	}
	const target = event.target as { closest?: (selector: string) => unknown } | null;
	return !target?.closest?.(SPACE_IS_TAKEN);
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
	transcriptions = $state(0);
	speaking = $state(false);
	/** Microphone level, 0..1. */
	level = $state(0);
	/** The transcript so far, while a recogniser reports one. */
	partial = $state('');
	issue = $state.raw<VoiceIssue | null>(null);
	/** The recogniser's model is loading (or downloading): progress, cancellable. */
	loading = $state.raw<LoadProgressReport | null>(null);

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
	#capture: AudioCapture | null = null;
	#unsubscribe: (() => void)[] = [];
	#vad: VoiceActivity | null = null;
	#speaker: SpeakerLike | null | undefined;
	#sentences: SentenceStream | null = null;
	/** The rest of the current reply is not to be spoken (stop button, barge-in). */
	#silenced = false;
	/** Bumped by stop() and errors: an opening microphone that arrives late is closed at once. */
	#generation = 0;
	/** Push-to-talk was released before the microphone opened. */
	#stopRequested = false;
	#opening: Promise<void> | null = null;
	/** Transcriptions run one at a time, in order. */
	#queue: Promise<void> = Promise.resolve();
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not shown
	#aborts = new Set<AbortController>();
	#loadAbort: AbortController | null = null;
	#loadPromise: Promise<boolean> | null = null;
	#lastMode: VoiceMode | null = null;

	constructor(deps: VoiceDeps) {
		this.#deps = deps;
	}

	/** Read replies aloud now (voice mode on, autoRead on, and a voice to read with). */
	get shouldRead(): boolean {
		return this.active && this.#deps.prefs().autoRead && this.#getSpeaker() !== null;
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
		this.#currentStt()?.cancel();
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
			const modelReady = this.#ensureModel();
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
		for (const controller of this.#aborts) controller.abort();
		this.#currentStt()?.cancel();
		this.stopSpeaking();
		this.#silenced = false;
		this.#sentences = null;
		await this.#release();
		this.active = false;
		this.partial = '';
	}

	// --- Output ----------------------------------------------------------------------------

	/** Feeds a streaming reply's delta; complete sentences are spoken as they arrive. */
	speakStreaming(delta: string): void {
		if (this.#silenced || !this.active) return;
		this.#sentences ??= new SentenceStream();
		for (const sentence of this.#sentences.push(delta)) this.#say(sentence);
	}

	/** The reply finished (or stopped): speaks what is left and readies for the next one. */
	endSpeech(): void {
		const rest = this.#sentences?.flush() ?? [];
		if (!this.#silenced) for (const sentence of rest) this.#say(sentence);
		this.#sentences = null;
		this.#silenced = false;
	}

	/** Speaks a whole text (e.g. "Test voice", or reading one message again). */
	speak(markdown: string): void {
		const stream = new SentenceStream();
		for (const sentence of [...stream.push(markdown), ...stream.flush()]) this.#say(sentence);
	}

	/** Stops speaking now; the rest of the reply being streamed is not spoken. */
	stopSpeaking(): void {
		if (this.#sentences) this.#silenced = true;
		this.#speaker?.stop();
	}

	// --- Model -----------------------------------------------------------------------------

	/** Downloads and loads the recogniser's model (the error's "Download" action). */
	async downloadModel(): Promise<boolean> {
		if (this.issue?.error.code === 'model_not_downloaded') this.issue = null;
		return this.#load();
	}

	cancelLoad(): void {
		this.#loadAbort?.abort();
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

	#currentStt() {
		const stt = this.#deps.stt();
		return isLive(stt) ? stt : null;
	}

	#getSpeaker(): SpeakerLike | null {
		if (this.#speaker === undefined) {
			const events = {
				onChange: (speaking: boolean) => this.#onSpeaking(speaking),
				onError: (error: HearthError) => this.#report(error)
			};
			this.#speaker = this.#deps.createSpeaker
				? this.#deps.createSpeaker(events)
				: browserSpeaker(events);
		}
		return this.#speaker;
	}

	#say(sentence: string): void {
		const speaker = this.#getSpeaker();
		if (!speaker) return;
		const prefs = this.#deps.prefs();
		speaker.configure({
			voiceName: prefs.voiceName,
			rate: prefs.speechRate,
			pitch: prefs.speechPitch
		});
		speaker.say(sentence);
	}

	#onSpeaking(speaking: boolean): void {
		this.speaking = speaking;
		this.#vad?.setSensitivity(speaking ? 'barge-in' : 'normal');
	}

	#vadCallbacks(): VadCallbacks {
		return {
			onSpeechStart: () => {
				this.hearing = true;
				this.#currentStt()?.begin({
					language: this.#deps.prefs().sttLanguage || undefined,
					onPartial: (text) => (this.partial = text)
				});
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
				this.#enqueue(audio, true);
			},
			onMisfire: () => {
				this.hearing = false;
				this.#currentStt()?.cancel();
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
			const modelReady = this.#ensureModel();
			const capture = await this.#openCapture(generation);
			if (!capture) return;
			capture.startRecording();
			this.listening = true;
			this.#currentStt()?.begin({
				language: this.#deps.prefs().sttLanguage || undefined,
				onPartial: (text) => (this.partial = text)
			});
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
			this.#currentStt()?.cancel();
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
		await this.#enqueue(audio, false);
	}

	#enqueue(audio: Float32Array, auto: boolean): Promise<void> {
		const live = this.#currentStt() !== null;
		if (!live && audio.length < MIN_SAMPLES) return this.#queue;
		const generation = this.#generation;
		// A live recogniser's session is taken now, before the next utterance begins another;
		// Whisper runs one utterance at a time. Either way transcripts arrive in order.
		const early = live ? this.#transcribe(audio, generation) : null;
		this.#queue = this.#queue.then(async () => {
			const text = await (early ?? this.#transcribe(audio, generation));
			if (text !== null && generation === this.#generation) this.#deps.onTranscript(text, { auto });
		});
		return this.#queue;
	}

	/** The utterance's text, or null when there is nothing to send (silence, stopped, failed). */
	async #transcribe(audio: Float32Array, generation: number): Promise<string | null> {
		if (generation !== this.#generation) return null;
		const controller = new AbortController();
		this.#aborts.add(controller);
		this.transcriptions++;
		try {
			if (!(await this.#ensureModel())) return null;
			const text = (
				await this.#deps.stt().transcribe(audio, {
					language: this.#deps.prefs().sttLanguage || undefined,
					onPartial: (partial) => (this.partial = partial),
					signal: controller.signal
				})
			).trim();
			if (controller.signal.aborted || generation !== this.#generation) return null;
			this.partial = '';
			return text && !isNonSpeech(text) ? text : null;
		} catch (e) {
			const error = toHearthError(e);
			if (error.code !== 'aborted' && !controller.signal.aborted) this.#setIssue(error);
			return null;
		} finally {
			this.transcriptions--;
			this.#aborts.delete(controller);
		}
	}

	/** True when the recogniser can transcribe now (loading it if it is on the device). */
	async #ensureModel(): Promise<boolean> {
		const stt = this.#deps.stt();
		if (stt.ready) return true;
		if (this.#loadPromise) return this.#loadPromise;
		const downloaded = this.#deps.isDownloaded
			? await this.#deps.isDownloaded().catch(() => false)
			: true;
		if (!downloaded) {
			this.#setIssue(
				new HearthError(
					'model_not_downloaded',
					'The speech model is not on this device yet. Download it once to talk to Hearth; after that it works offline.'
				)
			);
			return false;
		}
		return this.#load();
	}

	#load(): Promise<boolean> {
		if (this.#loadPromise) return this.#loadPromise;
		const controller = new AbortController();
		this.#loadAbort = controller;
		this.loading = { fraction: null, text: 'Preparing speech recognition…' };
		this.#loadPromise = (async () => {
			try {
				await this.#deps.stt().load((progress) => {
					if (!controller.signal.aborted) this.loading = progress;
				}, controller.signal);
				return true;
			} catch (e) {
				const error = toHearthError(e);
				if (error.code !== 'aborted') this.#setIssue(error);
				return false;
			} finally {
				this.loading = null;
				this.#loadAbort = null;
				this.#loadPromise = null;
			}
		})();
		return this.#loadPromise;
	}

	async #fail(error: HearthError): Promise<void> {
		this.#generation++;
		this.#currentStt()?.cancel();
		await this.#release();
		this.#setIssue(error);
	}

	#setIssue(error: HearthError): void {
		this.issue = { error, action: actionFor(error) };
		this.#deps.onError?.(error);
	}

	#report(error: HearthError): void {
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
