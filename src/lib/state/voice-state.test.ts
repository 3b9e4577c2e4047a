import { describe, expect, it } from 'vitest';
import { HearthError } from '$lib/types/errors';
import { VoiceState, type VoiceDeps } from '$lib/state/voice.svelte';
import { isNonSpeech, isPushToTalkKey } from '$lib/voice/voice-input';
import type { AudioCapture } from '$lib/voice/capture';
import { micError } from '$lib/voice/mic-errors';
import { Speaker, type SynthLike, type UtteranceLike, type VoiceLike } from '$lib/voice/speaker';
import type { LoadProgressReport, SpeechToText, TranscribeOptions } from '$lib/voice/types';
import type { VadCallbacks, VadSensitivity, VoiceActivity } from '$lib/voice/vad';

// Test doubles stand in for the boundaries we do not own: the microphone (getUserMedia and Web
// Audio), the Silero detector, the recogniser's model and the browser's speechSynthesis.

class FakeCapture implements AudioCapture {
	readonly source = null;
	recording = false;
	closed = false;
	levelListeners = new Set<(level: number) => void>();
	endedListeners = new Set<() => void>();
	constructor(private samples = 16_000) {}
	startRecording(): void {
		this.recording = true;
	}
	stopRecording(): Float32Array {
		this.recording = false;
		return new Float32Array(this.samples).fill(0.1);
	}
	onLevel(listener: (level: number) => void): () => void {
		this.levelListeners.add(listener);
		return () => this.levelListeners.delete(listener);
	}
	onEnded(listener: () => void): () => void {
		this.endedListeners.add(listener);
		return () => this.endedListeners.delete(listener);
	}
	emitLevel(level: number): void {
		for (const l of this.levelListeners) l(level);
	}
	async close(): Promise<void> {
		this.closed = true;
	}
}

class FakeVad implements VoiceActivity {
	started = false;
	destroyed = false;
	sensitivity: VadSensitivity[] = [];
	constructor(readonly callbacks: VadCallbacks) {}
	async start(): Promise<void> {
		this.started = true;
	}
	async pause(): Promise<void> {}
	setSensitivity(s: VadSensitivity): void {
		this.sensitivity.push(s);
	}
	async destroy(): Promise<void> {
		this.destroyed = true;
	}
	/** Someone says something: the detector's events, in order. */
	utter(samples = 16_000): void {
		this.callbacks.onSpeechStart();
		this.callbacks.onSpeechConfirmed();
		this.callbacks.onSpeechEnd(new Float32Array(samples).fill(0.2));
	}
}

class FakeStt implements SpeechToText {
	readonly label = 'Fake';
	readonly sendsAudioAway = false;
	ready = true;
	heard: Float32Array[] = [];
	loads = 0;
	reply = 'Hello Hearth';
	/** When set, transcribe waits for this before answering. */
	gate: Promise<void> | null = null;
	loadGate: Promise<void> | null = null;
	async load(onProgress: (p: LoadProgressReport) => void, signal?: AbortSignal): Promise<void> {
		this.loads++;
		onProgress({ fraction: 0.5, text: 'Downloading 50%' });
		if (this.loadGate) {
			await Promise.race([
				this.loadGate,
				new Promise((_, reject) =>
					signal?.addEventListener('abort', () => reject(new HearthError('aborted', 'Stopped.')))
				)
			]);
		}
		this.ready = true;
	}
	async transcribe(audio: Float32Array, options?: TranscribeOptions): Promise<string> {
		this.heard.push(audio);
		options?.onPartial?.('Hello');
		if (this.gate) await this.gate;
		return ` ${this.reply} `;
	}
	dispose(): void {}
}

class FakeUtterance extends EventTarget implements UtteranceLike {
	rate = 1;
	pitch = 1;
	lang = '';
	voice: VoiceLike | null = null;
	constructor(public text: string) {
		super();
	}
}

class FakeSynth extends EventTarget implements SynthLike {
	queue: FakeUtterance[] = [];
	started: string[] = [];
	cancels = 0;
	get speaking() {
		return this.queue.length > 0;
	}
	get pending() {
		return this.queue.length > 1;
	}
	speak(u: UtteranceLike): void {
		this.queue.push(u as FakeUtterance);
		this.started.push(u.text);
	}
	cancel(): void {
		this.cancels++;
		this.queue = [];
	}
	getVoices(): VoiceLike[] {
		return [];
	}
	finish(): void {
		this.queue.shift()?.dispatchEvent(new Event('end'));
	}
	addEventListener(type: string, listener: () => void): void {
		super.addEventListener(type, listener);
	}
	removeEventListener(type: string, listener: () => void): void {
		super.removeEventListener(type, listener);
	}
}

function setup(overrides: Partial<VoiceDeps> = {}, captureSamples = 16_000) {
	const stt = new FakeStt();
	const synth = new FakeSynth();
	const captures: FakeCapture[] = [];
	const vads: FakeVad[] = [];
	const transcripts: { text: string; auto: boolean }[] = [];
	const voice = new VoiceState({
		stt: () => stt,
		prefs: () => ({
			sttLanguage: 'en',
			voiceName: '',
			speechRate: 1,
			speechPitch: 1,
			autoRead: true
		}),
		onTranscript: (text, meta) => transcripts.push({ text, auto: meta.auto }),
		openCapture: async () => {
			const capture = new FakeCapture(captureSamples);
			captures.push(capture);
			return capture;
		},
		createVad: async (_capture, callbacks) => {
			const vad = new FakeVad(callbacks);
			vads.push(vad);
			return vad;
		},
		createSpeaker: (events) =>
			new Speaker({ synth, createUtterance: (t) => new FakeUtterance(t), ...events }),
		...overrides
	});
	return { voice, stt, synth, captures, vads, transcripts };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('VoiceState: push-to-talk and toggle', () => {
	it('push-to-talk records, releases the microphone and puts the transcript in the composer', async () => {
		const { voice, stt, captures, transcripts } = setup();
		await voice.startPushToTalk();
		expect(voice.active).toBe(true);
		expect(voice.status).toBe('listening');
		expect(captures[0]?.recording).toBe(true);
		captures[0]?.emitLevel(0.6);
		expect(voice.level).toBe(0.6);
		await voice.stopPushToTalk();
		expect(captures[0]?.closed).toBe(true);
		expect(voice.listening).toBe(false);
		expect(voice.level).toBe(0);
		expect(stt.heard).toHaveLength(1);
		expect(transcripts).toEqual([{ text: 'Hello Hearth', auto: false }]);
		expect(voice.status).toBe('idle');
		expect(voice.active).toBe(true); // voice mode stays on until ended
	});

	it('toggle: one click starts, the next stops and transcribes', async () => {
		const { voice, captures, transcripts } = setup();
		await voice.toggle();
		expect(voice.mode).toBe('toggle');
		await voice.toggle();
		expect(captures[0]?.closed).toBe(true);
		expect(transcripts).toEqual([{ text: 'Hello Hearth', auto: false }]);
	});

	it('shows the transcript as it forms and reports transcribing', async () => {
		const { voice, stt, transcripts } = setup();
		let release = () => {};
		stt.gate = new Promise((r) => (release = r));
		await voice.startPushToTalk();
		const done = voice.stopPushToTalk();
		await tick();
		expect(voice.status).toBe('transcribing');
		expect(voice.partial).toBe('Hello');
		release();
		await done;
		expect(voice.partial).toBe('');
		expect(transcripts).toHaveLength(1);
	});

	it('finishes a push-to-talk released before the microphone opened', async () => {
		let open: (c: AudioCapture) => void = () => {};
		const capture = new FakeCapture();
		const { voice, transcripts } = setup({
			openCapture: () => new Promise((r) => (open = r))
		});
		const starting = voice.startPushToTalk();
		await voice.stopPushToTalk();
		open(capture);
		await starting;
		await tick();
		expect(capture.closed).toBe(true);
		expect(transcripts).toHaveLength(1);
	});

	it('drops a tap too short to be speech, and silence words from the recogniser', async () => {
		const short = setup({}, 1000);
		await short.voice.startPushToTalk();
		await short.voice.stopPushToTalk();
		expect(short.stt.heard).toHaveLength(0);
		const blank = setup();
		blank.stt.reply = '[BLANK_AUDIO]';
		await blank.voice.toggle();
		await blank.voice.toggle();
		expect(blank.transcripts).toEqual([]);
	});

	it('cancelRecording discards without transcribing', async () => {
		const { voice, stt, captures } = setup();
		await voice.toggle();
		await voice.cancelRecording();
		expect(captures[0]?.closed).toBe(true);
		expect(stt.heard).toHaveLength(0);
		expect(voice.mode).toBeNull();
	});
});

describe('VoiceState: hands-free', () => {
	it('sends each utterance automatically and keeps listening until stopped', async () => {
		const { voice, captures, vads, transcripts } = setup();
		await voice.startHandsFree();
		expect(voice.listening).toBe(true);
		expect(vads[0]?.started).toBe(true);
		vads[0]?.utter();
		await tick();
		vads[0]?.utter();
		await tick();
		expect(transcripts).toEqual([
			{ text: 'Hello Hearth', auto: true },
			{ text: 'Hello Hearth', auto: true }
		]);
		expect(captures[0]?.closed).toBe(false);
		await voice.stop();
		expect(captures[0]?.closed).toBe(true);
		expect(vads[0]?.destroyed).toBe(true);
		expect(voice.active).toBe(false);
		expect(voice.status).toBe('idle');
	});

	it('uses one capture for the level meter and the detector', async () => {
		let seen: AudioCapture | null = null;
		const { voice, captures } = setup({
			createVad: async (capture, callbacks) => {
				seen = capture;
				return new FakeVad(callbacks);
			}
		});
		await voice.startHandsFree();
		expect(captures).toHaveLength(1);
		expect(seen).toBe(captures[0]);
	});

	it('reads a streaming reply aloud sentence by sentence, and barge-in stops it', async () => {
		const { voice, synth, vads, transcripts } = setup();
		await voice.startHandsFree();
		const vad = vads[0];
		voice.speakStreaming('<think>Plan the answer. Done.</think>Sure. ');
		expect(synth.started).toEqual([]);
		voice.speakStreaming('The first step is easy. The second');
		expect(synth.started).toEqual(['Sure.']);
		expect(voice.status).toBe('speaking');
		// While Hearth speaks only clear speech counts.
		expect(vad?.sensitivity.at(-1)).toBe('barge-in');
		vad?.callbacks.onSpeechStart();
		vad?.callbacks.onSpeechConfirmed();
		expect(voice.speaking).toBe(false);
		expect(synth.queue).toEqual([]);
		expect(synth.cancels).toBeGreaterThan(0);
		expect(vad?.sensitivity.at(-1)).toBe('normal');
		// The rest of that reply is not spoken...
		voice.speakStreaming(' step is harder. And more.');
		voice.endSpeech();
		expect(synth.started).toEqual(['Sure.']);
		// ...and what the person said is captured and sent.
		vad?.callbacks.onSpeechEnd(new Float32Array(16_000));
		await tick();
		expect(transcripts).toEqual([{ text: 'Hello Hearth', auto: true }]);
		// The next reply is read again.
		voice.speakStreaming('New reply. ');
		voice.endSpeech();
		expect(synth.started).toEqual(['Sure.', 'New reply.']);
	});

	it('speaks queued sentences in order and stops on stopSpeaking', () => {
		const { voice, synth } = setup();
		voice.active = true;
		voice.speakStreaming('One. Two. Three.');
		voice.endSpeech();
		expect(synth.started).toEqual(['One.']);
		synth.finish();
		expect(synth.started).toEqual(['One.', 'Two.']);
		voice.stopSpeaking();
		expect(voice.speaking).toBe(false);
		expect(synth.queue).toEqual([]);
		expect(voice.shouldRead).toBe(true);
	});

	it('does not send an utterance after the conversation ended', async () => {
		const { voice, stt, vads, transcripts } = setup();
		let release = () => {};
		stt.gate = new Promise((r) => (release = r));
		await voice.startHandsFree();
		vads[0]?.utter();
		await tick();
		await voice.stop();
		release();
		await tick();
		expect(transcripts).toEqual([]);
	});
});

describe('VoiceState: errors and release', () => {
	it('permission denied: an actionable error, and no microphone left open', async () => {
		const denied = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
		const { voice, transcripts } = setup({
			openCapture: async () => {
				throw micError(denied);
			}
		});
		await voice.startPushToTalk();
		expect(voice.status).toBe('error');
		expect(voice.issue?.error.code).toBe('microphone_denied');
		expect(voice.issue?.error.message).toMatch(/site settings/);
		expect(voice.issue?.action).toBeNull();
		expect(voice.mode).toBeNull();
		expect(voice.listening).toBe(false);
		await voice.stopPushToTalk();
		expect(transcripts).toEqual([]);
	});

	it('a model that is not downloaded: released, with a download action that loads it', async () => {
		const { voice, stt, captures, transcripts } = setup({ isDownloaded: async () => false });
		stt.ready = false;
		await voice.startPushToTalk();
		expect(voice.issue?.error.code).toBe('model_not_downloaded');
		expect(voice.issue?.action).toBe('download');
		expect(captures[0]?.closed).toBe(true);
		expect(stt.loads).toBe(0); // never downloads unasked

		const progress: (string | undefined)[] = [];
		let finish = () => {};
		stt.loadGate = new Promise((r) => (finish = r));
		const loading = voice.downloadModel();
		progress.push(voice.loading?.text);
		expect(voice.issue).toBeNull();
		finish();
		expect(await loading).toBe(true);
		expect(progress).toEqual(['Downloading 50%']);
		expect(voice.loading).toBeNull();

		await voice.toggle();
		await voice.toggle();
		expect(transcripts).toHaveLength(1);
	});

	it('loads a downloaded model on first use, and a load can be cancelled', async () => {
		const { voice, stt, transcripts } = setup({ isDownloaded: async () => true });
		stt.ready = false;
		stt.loadGate = new Promise(() => {});
		await voice.startPushToTalk();
		expect(voice.loading?.text).toBe('Downloading 50%');
		voice.cancelLoad();
		await tick();
		await tick();
		expect(voice.loading).toBeNull();
		expect(voice.issue).toBeNull();
		expect(voice.mode).toBeNull(); // nothing could transcribe: the microphone was released
		expect(transcripts).toEqual([]);
	});

	it('a transcription failure is shown with a retry action', async () => {
		const { voice, stt } = setup();
		stt.transcribe = async () => {
			throw new HearthError('transcription_failed', 'Could not transcribe.');
		};
		await voice.toggle();
		await voice.toggle();
		expect(voice.issue?.error.code).toBe('transcription_failed');
		expect(voice.issue?.action).toBe('retry');
		voice.dismissError();
		expect(voice.status).toBe('idle');
	});

	it('releases the microphone when the device goes away or the page is hidden', async () => {
		const { voice, captures } = setup();
		await voice.startHandsFree();
		for (const l of captures[0]?.endedListeners ?? []) l();
		await tick();
		expect(captures[0]?.closed).toBe(true);
		expect(voice.issue?.error.code).toBe('microphone_missing');

		const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
		const win = new EventTarget();
		const detach = voice.watchPage(doc as unknown as Document, win as unknown as Window);
		await voice.startHandsFree();
		expect(captures[1]?.closed).toBe(false);
		doc.visibilityState = 'hidden';
		doc.dispatchEvent(new Event('visibilitychange'));
		await tick();
		expect(captures[1]?.closed).toBe(true);
		expect(voice.active).toBe(false);
		detach();
	});
});

describe('isPushToTalkKey and isNonSpeech', () => {
	const key = (target: unknown, extra = {}) => ({
		code: 'Space',
		altKey: false,
		ctrlKey: false,
		metaKey: false,
		shiftKey: false,
		target: target as EventTarget,
		...extra
	});
	it('takes Space only when nothing that uses Space is focused', () => {
		const body = { closest: () => null };
		const textarea = { closest: (s: string) => (s.includes('textarea') ? {} : null) };
		expect(isPushToTalkKey(key(body))).toBe(true);
		expect(isPushToTalkKey(key(null))).toBe(true);
		expect(isPushToTalkKey(key(textarea))).toBe(false);
		expect(isPushToTalkKey(key(body, { ctrlKey: true }))).toBe(false);
		expect(isPushToTalkKey(key(body, { code: 'KeyV' }))).toBe(false);
	});
	it('recognises Whisper silence markers', () => {
		expect(isNonSpeech('[BLANK_AUDIO]')).toBe(true);
		expect(isNonSpeech(' (wind blowing) ')).toBe(true);
		expect(isNonSpeech('...')).toBe(true);
		expect(isNonSpeech('Hello (there)')).toBe(false);
	});
});
