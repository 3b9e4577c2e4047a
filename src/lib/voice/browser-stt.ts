import { HearthError } from '$lib/types/errors';
import type { LoadProgressReport, SpeechToText, TranscribeOptions } from '$lib/voice/types';

// The browser's own speech recognition (Web Speech API) as a SpeechToText. It listens to the
// microphone itself rather than taking samples, so it is "live": the voice state calls begin()
// when an utterance starts, and transcribe() ends that session and returns its text (the
// samples passed in are not used). In Chrome, Edge and Safari the audio goes to the browser
// maker's servers: sendsAudioAway is true and the label says where.

/** The parts of SpeechRecognition used here (TypeScript's DOM types do not include it). */
export interface RecognitionLike {
	lang: string;
	continuous: boolean;
	interimResults: boolean;
	onresult: ((event: RecognitionResultEvent) => void) | null;
	onerror: ((event: { error: string }) => void) | null;
	onend: (() => void) | null;
	start(): void;
	stop(): void;
	abort(): void;
}

export interface RecognitionResultEvent {
	results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>;
}

export type RecognitionConstructor = new () => RecognitionLike;

/** A recogniser that hears the microphone itself: begin() when an utterance starts. */
export interface LiveSpeechToText extends SpeechToText {
	readonly live: true;
	begin(options?: TranscribeOptions): void;
	/** Drops the current session without a result. */
	cancel(): void;
}

export function isLive(stt: SpeechToText): stt is LiveSpeechToText {
	return (stt as Partial<LiveSpeechToText>).live === true;
}

/** The browser's SpeechRecognition constructor, or null where there is none (Firefox). */
export function findRecognition(scope: object = globalThis): RecognitionConstructor | null {
	const s = scope as { SpeechRecognition?: unknown; webkitSpeechRecognition?: unknown };
	const ctor = s.SpeechRecognition ?? s.webkitSpeechRecognition;
	return typeof ctor === 'function' ? (ctor as RecognitionConstructor) : null;
}

/** Who receives the audio, judged from the user agent. */
export function recognitionVendor(userAgent: string): string {
	if (/Edg\//.test(userAgent)) return 'Microsoft';
	if (/Chrome\/|Chromium\//.test(userAgent)) return 'Google';
	if (/Safari\//.test(userAgent)) return 'Apple';
	return "the browser's maker";
}

function recognitionError(code: string, vendor: string): HearthError {
	switch (code) {
		case 'not-allowed':
		case 'service-not-allowed':
			return new HearthError(
				'microphone_denied',
				"The browser's speech recognition was refused. Allow the microphone in the address bar's site settings, or switch to Whisper in Settings → Voice."
			);
		case 'audio-capture':
			return new HearthError(
				'microphone_missing',
				'No microphone was found. Connect one and try again.'
			);
		case 'network':
			return new HearthError(
				'speech_unavailable',
				`The browser's speech recognition needs the internet (it sends audio to ${vendor}). Use Whisper on this device to work offline.`
			);
		default:
			return new HearthError(
				'transcription_failed',
				`The browser's speech recognition failed (${code}). Try again, or switch to Whisper in Settings → Voice.`
			);
	}
}

interface Session {
	recognition: RecognitionLike;
	finals: string;
	interim: string;
	ended: boolean;
	error: HearthError | null;
	onEnd: (() => void)[];
}

/** Longest wait for the browser's last result once a session is told to stop. */
const END_TIMEOUT_MS = 4000;

export class BrowserSpeechToText implements LiveSpeechToText {
	readonly live = true;
	readonly sendsAudioAway = true;
	readonly label: string;
	readonly #ctor: RecognitionConstructor | null;
	readonly #vendor: string;
	#ready = false;
	#session: Session | null = null;

	constructor(ctor: RecognitionConstructor | null = findRecognition(), userAgent = '') {
		this.#ctor = ctor;
		this.#vendor = recognitionVendor(
			userAgent || (typeof navigator === 'undefined' ? '' : navigator.userAgent)
		);
		this.label = `The browser's speech recognition (sends your audio to ${this.#vendor})`;
	}

	get available(): boolean {
		return this.#ctor !== null;
	}

	get ready(): boolean {
		return this.#ready;
	}

	async load(onProgress: (p: LoadProgressReport) => void, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
		this.#requireCtor();
		onProgress({ fraction: 1, text: 'Ready' });
		this.#ready = true;
	}

	begin(options: TranscribeOptions = {}): void {
		const Ctor = this.#requireCtor();
		this.cancel();
		const recognition = new Ctor();
		recognition.lang =
			options.language || (typeof navigator === 'undefined' ? '' : navigator.language) || 'en';
		recognition.continuous = true;
		recognition.interimResults = true;
		const session: Session = {
			recognition,
			finals: '',
			interim: '',
			ended: false,
			error: null,
			onEnd: []
		};
		recognition.onresult = (event) => {
			let finals = '';
			let interim = '';
			for (let i = 0; i < event.results.length; i++) {
				const result = event.results[i];
				const text = result?.[0]?.transcript ?? '';
				if (result?.isFinal) finals += text;
				else interim += text;
			}
			session.finals = finals;
			session.interim = interim;
			options.onPartial?.(`${finals}${interim}`.trim());
		};
		recognition.onerror = (event) => {
			// Silence and our own abort are not failures: the result is just empty.
			if (event.error === 'no-speech' || event.error === 'aborted') return;
			session.error = recognitionError(event.error, this.#vendor);
		};
		recognition.onend = () => {
			session.ended = true;
			for (const resolve of session.onEnd.splice(0)) resolve();
		};
		this.#session = session;
		recognition.start();
	}

	/** Ends the session begun by begin() and returns its text; `audio` is not used. */
	async transcribe(_audio: Float32Array, options: TranscribeOptions = {}): Promise<string> {
		const session = this.#session;
		if (!session) {
			throw new HearthError(
				'transcription_failed',
				"The browser's speech recognition was not listening. Try again."
			);
		}
		this.#session = null;
		if (!session.ended) {
			const ended = new Promise<void>((resolve) => session.onEnd.push(resolve));
			session.recognition.stop();
			let timer: ReturnType<typeof setTimeout> | undefined;
			const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, END_TIMEOUT_MS)));
			const aborted = new Promise<void>((resolve) =>
				options.signal?.addEventListener('abort', () => resolve(), { once: true })
			);
			await Promise.race([ended, timeout, aborted]);
			clearTimeout(timer);
			if (!session.ended) session.recognition.abort();
		}
		if (options.signal?.aborted) throw new HearthError('aborted', 'Stopped.');
		if (session.error) throw session.error;
		return `${session.finals}${session.interim}`.trim();
	}

	cancel(): void {
		const session = this.#session;
		this.#session = null;
		if (session && !session.ended) session.recognition.abort();
	}

	dispose(): void {
		this.cancel();
		this.#ready = false;
	}

	#requireCtor(): RecognitionConstructor {
		if (!this.#ctor) {
			throw new HearthError(
				'not_supported',
				'This browser has no speech recognition of its own. Use Whisper on this device instead (Settings → Voice).'
			);
		}
		return this.#ctor;
	}
}
