import { HearthError, toHearthError } from '$lib/types/errors';
import { isLive } from '$lib/voice/browser-stt';
import type { LoadProgressReport, SpeechToText } from '$lib/voice/types';
import { isNonSpeech, MIN_SAMPLES } from '$lib/voice/voice-input';

export interface VoiceRecognitionDeps {
	/** The recogniser in use; read each time (the engine setting may change). */
	stt: () => SpeechToText;
	/**
	 * Whether the recogniser's model is on this device. When false, input stops with
	 * model_not_downloaded and a download action, rather than downloading unasked.
	 * Absent: load() is cheap and may be called freely (the browser's recogniser).
	 */
	isDownloaded?: () => Promise<boolean>;
	/** Spoken language (ISO 639-1), or undefined to detect it. */
	language: () => string | undefined;
	/** Bumped by a stop or an error: work begun under an older value is dropped. */
	generation: () => number;
	onPartial: (text: string) => void;
	/** An utterance's text, in the order they were spoken; `auto` in hands-free (send it now). */
	onTranscript: (text: string, auto: boolean) => void;
	/** A failure the voice bar shows (model missing, load failed, recogniser error). */
	onIssue: (error: HearthError) => void;
}

/**
 * Speech to text for the voice state: the recogniser's model (checked, loaded, downloaded on
 * request, with progress and cancel) and the utterances, transcribed one at a time and in order.
 */
export class VoiceRecognition {
	/** Utterances being transcribed now. */
	transcriptions = $state(0);
	/** The recogniser's model is loading (or downloading): progress, cancellable. */
	loading = $state.raw<LoadProgressReport | null>(null);
	readonly #deps: VoiceRecognitionDeps;
	/** Transcriptions run one at a time, in order. */
	#queue: Promise<void> = Promise.resolve();
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not shown
	#aborts = new Set<AbortController>();
	#loadAbort: AbortController | null = null;
	#loadPromise: Promise<boolean> | null = null;

	constructor(deps: VoiceRecognitionDeps) {
		this.#deps = deps;
	}

	/** The recogniser when it listens live (the browser's), else null (Whisper). */
	live() {
		const stt = this.#deps.stt();
		return isLive(stt) ? stt : null;
	}

	/** Starts a live recogniser's session for the utterance beginning now. */
	begin(): void {
		this.live()?.begin({ language: this.#deps.language(), onPartial: this.#deps.onPartial });
	}

	/** Drops the live recogniser's session (the utterance being heard is not transcribed). */
	cancel(): void {
		this.live()?.cancel();
	}

	/** Stops every transcription running now (voice mode ended). */
	abortAll(): void {
		for (const controller of this.#aborts) controller.abort();
	}

	/** Transcribes an utterance after those before it; silence and taps give nothing. */
	enqueue(audio: Float32Array, auto: boolean): Promise<void> {
		const live = this.live() !== null;
		if (!live && audio.length < MIN_SAMPLES) return this.#queue;
		const generation = this.#deps.generation();
		// A live recogniser's session is taken now, before the next utterance begins another;
		// Whisper runs one utterance at a time. Either way transcripts arrive in order.
		const early = live ? this.#transcribe(audio, generation) : null;
		this.#queue = this.#queue.then(async () => {
			const text = await (early ?? this.#transcribe(audio, generation));
			if (text !== null && generation === this.#deps.generation()) {
				this.#deps.onTranscript(text, auto);
			}
		});
		return this.#queue;
	}

	/** True when the recogniser can transcribe now (loading it if it is on the device). */
	async ensureModel(): Promise<boolean> {
		const stt = this.#deps.stt();
		if (stt.ready) return true;
		if (this.#loadPromise) return this.#loadPromise;
		const downloaded = this.#deps.isDownloaded
			? await this.#deps.isDownloaded().catch(() => false)
			: true;
		if (!downloaded) {
			this.#deps.onIssue(
				new HearthError(
					'model_not_downloaded',
					'The speech model is not on this device yet. Download it once to talk to Hearth; after that it works offline.'
				)
			);
			return false;
		}
		return this.load();
	}

	/** Loads (downloading if needed) the recogniser's model, with progress on `loading`. */
	load(): Promise<boolean> {
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
				if (error.code !== 'aborted') this.#deps.onIssue(error);
				return false;
			} finally {
				this.loading = null;
				this.#loadAbort = null;
				this.#loadPromise = null;
			}
		})();
		return this.#loadPromise;
	}

	cancelLoad(): void {
		this.#loadAbort?.abort();
	}

	/** The utterance's text, or null when there is nothing to send (silence, stopped, failed). */
	async #transcribe(audio: Float32Array, generation: number): Promise<string | null> {
		if (generation !== this.#deps.generation()) return null;
		const controller = new AbortController();
		this.#aborts.add(controller);
		this.transcriptions++;
		try {
			if (!(await this.ensureModel())) return null;
			const text = (
				await this.#deps.stt().transcribe(audio, {
					language: this.#deps.language(),
					onPartial: this.#deps.onPartial,
					signal: controller.signal
				})
			).trim();
			if (controller.signal.aborted || generation !== this.#deps.generation()) return null;
			this.#deps.onPartial('');
			return text && !isNonSpeech(text) ? text : null;
		} catch (e) {
			const error = toHearthError(e);
			if (error.code !== 'aborted' && !controller.signal.aborted) this.#deps.onIssue(error);
			return null;
		} finally {
			this.transcriptions--;
			this.#aborts.delete(controller);
		}
	}
}
