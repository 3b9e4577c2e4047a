import type { HearthError } from '$lib/types/errors';
import { SentenceStream } from '$lib/voice/sentences';
import { browserSpeaker, type Speaker, type SpeakerDeps } from '$lib/voice/speaker';

/** The parts of Speaker the voice state uses. */
export type SpeakerLike = Pick<Speaker, 'say' | 'stop' | 'speaking' | 'configure'>;

export interface VoiceOutputDeps {
	/** Voice, rate and pitch, read for each sentence so changes apply at once. */
	prefs: () => { voiceName: string; speechRate: number; speechPitch: number };
	/** Defaults to the browser's speechSynthesis; null: no voice out. */
	createSpeaker?: (events: Pick<SpeakerDeps, 'onChange' | 'onError'>) => SpeakerLike | null;
	/** Hearth started or stopped speaking (hands-free listens less eagerly while it speaks). */
	onSpeaking: (speaking: boolean) => void;
	onError: (error: HearthError) => void;
}

/**
 * Replies read aloud: a streaming reply is cut into sentences as it arrives and each is spoken;
 * stopping silences the rest of that reply, not the next one.
 */
export class VoiceOutput {
	speaking = $state(false);
	readonly #deps: VoiceOutputDeps;
	#speaker: SpeakerLike | null | undefined;
	#sentences: SentenceStream | null = null;
	/** The rest of the current reply is not to be spoken (stop button, barge-in). */
	#silenced = false;

	constructor(deps: VoiceOutputDeps) {
		this.#deps = deps;
	}

	/** There is a voice to read with (speechSynthesis exists). */
	get available(): boolean {
		return this.#getSpeaker() !== null;
	}

	/** Feeds a streaming reply's delta; complete sentences are spoken as they arrive. */
	streaming(delta: string): void {
		if (this.#silenced) return;
		this.#sentences ??= new SentenceStream();
		for (const sentence of this.#sentences.push(delta)) this.#say(sentence);
	}

	/** The reply finished (or stopped): speaks what is left and readies for the next one. */
	end(): void {
		const rest = this.#sentences?.flush() ?? [];
		if (!this.#silenced) for (const sentence of rest) this.#say(sentence);
		this.reset();
	}

	/** Forgets the reply being read (voice mode ended). */
	reset(): void {
		this.#sentences = null;
		this.#silenced = false;
	}

	/** Speaks a whole text (e.g. "Test voice", or reading one message again). */
	speak(markdown: string): void {
		const stream = new SentenceStream();
		for (const sentence of [...stream.push(markdown), ...stream.flush()]) this.#say(sentence);
	}

	/** Stops speaking now; the rest of the reply being streamed is not spoken. */
	stop(): void {
		if (this.#sentences) this.#silenced = true;
		this.#speaker?.stop();
	}

	#getSpeaker(): SpeakerLike | null {
		if (this.#speaker === undefined) {
			const events = {
				onChange: (speaking: boolean) => {
					this.speaking = speaking;
					this.#deps.onSpeaking(speaking);
				},
				onError: (error: HearthError) => this.#deps.onError(error)
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
}
