import { HearthError } from '$lib/types/errors';

// Speech out through the browser's speechSynthesis. The Speaker keeps its own queue and hands the
// browser one piece at a time, which works around the quirks of Chrome's implementation:
// - an utterance longer than ~15 s is cut off silently: text is cut into ≤ 200-character pieces;
// - an utterance object that is garbage-collected never fires 'end': the current one is held;
// - a stale or stuck queue swallows new speech: it is cancelled before a fresh run starts;
// - 'end' is sometimes never fired at all: a watchdog moves on once the browser is silent.

/** The parts of SpeechSynthesisVoice used here. */
export interface VoiceLike {
	readonly name: string;
	readonly lang: string;
	readonly default?: boolean;
	readonly localService?: boolean;
}

/** The parts of SpeechSynthesisUtterance used here. */
export interface UtteranceLike {
	text: string;
	rate: number;
	pitch: number;
	lang: string;
	voice: VoiceLike | null;
	addEventListener(type: 'start' | 'end' | 'error', listener: (event: Event) => void): void;
}

/** The parts of window.speechSynthesis used here. */
export interface SynthLike {
	readonly speaking: boolean;
	readonly pending: boolean;
	speak(utterance: UtteranceLike): void;
	cancel(): void;
	getVoices(): VoiceLike[];
	addEventListener(type: 'voiceschanged', listener: () => void): void;
	removeEventListener(type: 'voiceschanged', listener: () => void): void;
}

export interface SpeakerSettings {
	/** A voice's name from getVoices(); '' or unknown = the browser's default. */
	voiceName: string;
	/** 0.5–2. */
	rate: number;
	/** 0–2. */
	pitch: number;
}

export interface SpeakerDeps {
	synth: SynthLike;
	createUtterance: (text: string) => UtteranceLike;
	settings?: SpeakerSettings;
	/** Called when speaking starts or stops (the whole queue, not each piece). */
	onChange?: (speaking: boolean) => void;
	onError?: (error: HearthError) => void;
}

/** Longest piece handed to the browser at once. */
export const MAX_PIECE = 200;

/** Cuts text into pieces of at most `max` characters, at a comma or clause break where possible. */
export function splitForSpeech(text: string, max: number = MAX_PIECE): string[] {
	const pieces: string[] = [];
	let rest = text.replace(/\s+/g, ' ').trim();
	while (rest.length > max) {
		const head = rest.slice(0, max + 1);
		let cut = Math.max(
			head.lastIndexOf(', '),
			head.lastIndexOf('; '),
			head.lastIndexOf(': '),
			head.lastIndexOf(' – '),
			head.lastIndexOf(' — ')
		);
		// A clause break very early would leave a long tail: a space near the end is better.
		if (cut < max / 3) cut = head.lastIndexOf(' ');
		else cut += 1;
		if (cut <= 0) cut = max;
		pieces.push(rest.slice(0, cut).trim());
		rest = rest.slice(cut).trim();
	}
	if (rest) pieces.push(rest);
	return pieces;
}

/** The voice with this name, or null for the default. */
export function findVoice(voices: readonly VoiceLike[], name: string): VoiceLike | null {
	if (!name) return null;
	return voices.find((v) => v.name === name) ?? null;
}

/** Calls `onVoices` now and whenever the list changes (Chrome fills it in asynchronously). */
export function watchVoices(synth: SynthLike, onVoices: (voices: VoiceLike[]) => void): () => void {
	const update = () => onVoices(synth.getVoices());
	update();
	synth.addEventListener('voiceschanged', update);
	return () => synth.removeEventListener('voiceschanged', update);
}

const DEFAULT_SETTINGS: SpeakerSettings = { voiceName: '', rate: 1, pitch: 1 };

function errorName(event: Event): string {
	const value = (event as Event & { error?: unknown }).error;
	return typeof value === 'string' ? value : 'unknown';
}

export class Speaker {
	readonly #deps: SpeakerDeps;
	#settings: SpeakerSettings;
	#queue: string[] = [];
	/** Held until it ends (see the garbage-collection quirk above). */
	#current: UtteranceLike | null = null;
	/** Bumped by stop(): events from cancelled utterances are ignored. */
	#generation = 0;
	#speaking = false;
	#watchdog: ReturnType<typeof setTimeout> | null = null;
	#idle: (() => void)[] = [];

	constructor(deps: SpeakerDeps) {
		this.#deps = deps;
		this.#settings = deps.settings ?? DEFAULT_SETTINGS;
	}

	get speaking(): boolean {
		return this.#speaking;
	}

	configure(settings: SpeakerSettings): void {
		this.#settings = settings;
	}

	/** Queues text to be spoken after what is already queued. */
	say(text: string): void {
		const pieces = splitForSpeech(text);
		if (pieces.length === 0) return;
		this.#queue.push(...pieces);
		if (!this.#current) this.#next(true);
	}

	/** Stops at once and drops the queue. */
	stop(): void {
		this.#generation++;
		this.#queue = [];
		const wasActive = this.#current !== null;
		this.#current = null;
		this.#clearWatchdog();
		if (wasActive || this.#deps.synth.speaking || this.#deps.synth.pending) {
			this.#deps.synth.cancel();
		}
		this.#setSpeaking(false);
	}

	/** Resolves when nothing is queued or speaking. */
	whenIdle(): Promise<void> {
		if (!this.#speaking) return Promise.resolve();
		return new Promise((resolve) => this.#idle.push(resolve));
	}

	#next(fresh: boolean): void {
		const text = this.#queue.shift();
		if (text === undefined) {
			this.#current = null;
			this.#setSpeaking(false);
			return;
		}
		const { synth } = this.#deps;
		const utterance = this.#deps.createUtterance(text);
		const voice = findVoice(synth.getVoices(), this.#settings.voiceName);
		if (voice) {
			utterance.voice = voice;
			utterance.lang = voice.lang;
		}
		utterance.rate = this.#settings.rate;
		utterance.pitch = this.#settings.pitch;
		const generation = this.#generation;
		const done = () => {
			if (generation !== this.#generation || this.#current !== utterance) return;
			this.#clearWatchdog();
			this.#current = null;
			this.#next(false);
		};
		utterance.addEventListener('end', done);
		utterance.addEventListener('error', (event) => {
			const name = errorName(event);
			// 'interrupted' and 'canceled' are what our own cancel() causes.
			if (generation === this.#generation && name !== 'interrupted' && name !== 'canceled') {
				this.#deps.onError?.(
					new HearthError(
						'speech_unavailable',
						`The browser could not read the reply aloud (${name}). Check the voice in Settings → Voice.`
					)
				);
			}
			done();
		});
		this.#current = utterance;
		this.#setSpeaking(true);
		if (fresh && (synth.speaking || synth.pending)) synth.cancel();
		synth.speak(utterance);
		this.#armWatchdog(utterance, text.length);
	}

	/** Moves on if the browser fell silent without an 'end' (a known Chrome bug). */
	#armWatchdog(utterance: UtteranceLike, length: number): void {
		this.#clearWatchdog();
		// Generous: ~12 characters a second at rate 1, plus slack for a slow start.
		const ms = (length * 85) / Math.max(0.25, this.#settings.rate) + 4000;
		this.#watchdog = setTimeout(() => {
			if (this.#current !== utterance) return;
			if (this.#deps.synth.speaking) {
				this.#armWatchdog(utterance, length);
				return;
			}
			this.#current = null;
			this.#watchdog = null;
			this.#next(false);
		}, ms);
	}

	#clearWatchdog(): void {
		if (this.#watchdog !== null) clearTimeout(this.#watchdog);
		this.#watchdog = null;
	}

	#setSpeaking(speaking: boolean): void {
		if (speaking === this.#speaking) return;
		this.#speaking = speaking;
		this.#deps.onChange?.(speaking);
		if (!speaking) {
			const waiting = this.#idle;
			this.#idle = [];
			for (const resolve of waiting) resolve();
		}
	}
}

/** The browser's speechSynthesis, or null where there is none. */
export function browserSynth(): SynthLike | null {
	if (typeof speechSynthesis === 'undefined' || typeof SpeechSynthesisUtterance === 'undefined') {
		return null;
	}
	return speechSynthesis;
}

/** A Speaker on the browser's speechSynthesis, or null where there is none. */
export function browserSpeaker(
	deps: Omit<SpeakerDeps, 'synth' | 'createUtterance'> = {}
): Speaker | null {
	const synth = browserSynth();
	if (!synth) return null;
	return new Speaker({
		...deps,
		synth,
		createUtterance: (text) => new SpeechSynthesisUtterance(text)
	});
}
