import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HearthError } from '$lib/types/errors';
import {
	MAX_PIECE,
	Speaker,
	splitForSpeech,
	watchVoices,
	type SynthLike,
	type UtteranceLike,
	type VoiceLike
} from '$lib/voice/speaker';

// A fake of the browser's speechSynthesis (a boundary we do not own): it queues utterances as
// Chrome does, and the test decides when each one finishes.
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
	spoken: FakeUtterance[] = [];
	cancels = 0;
	voices: VoiceLike[] = [];
	/** When false, the browser "forgets" to fire 'end' (a Chrome bug). */
	firesEnd = true;
	get speaking(): boolean {
		return this.queue.length > 0;
	}
	get pending(): boolean {
		return this.queue.length > 1;
	}
	speak(u: UtteranceLike): void {
		const utterance = u as FakeUtterance;
		this.queue.push(utterance);
		if (this.queue.length === 1) utterance.dispatchEvent(new Event('start'));
	}
	cancel(): void {
		this.cancels++;
		const dropped = this.queue;
		this.queue = [];
		for (const u of dropped)
			u.dispatchEvent(Object.assign(new Event('error'), { error: 'interrupted' }));
	}
	getVoices(): VoiceLike[] {
		return this.voices;
	}
	/** The current utterance finishes. */
	finish(): FakeUtterance | undefined {
		const u = this.queue.shift();
		if (!u) return undefined;
		this.spoken.push(u);
		if (this.firesEnd) u.dispatchEvent(new Event('end'));
		return u;
	}
	fail(error: string): void {
		const u = this.queue.shift();
		u?.dispatchEvent(Object.assign(new Event('error'), { error }));
	}
	addEventListener(type: string, listener: () => void): void {
		super.addEventListener(type, listener);
	}
	removeEventListener(type: string, listener: () => void): void {
		super.removeEventListener(type, listener);
	}
}

function setup(settings = { voiceName: '', rate: 1, pitch: 1 }) {
	const synth = new FakeSynth();
	const changes: boolean[] = [];
	const errors: HearthError[] = [];
	const speaker = new Speaker({
		synth,
		createUtterance: (text) => new FakeUtterance(text),
		settings,
		onChange: (s) => changes.push(s),
		onError: (e) => errors.push(e)
	});
	return { synth, speaker, changes, errors };
}

describe('splitForSpeech', () => {
	it('keeps short text whole and cuts long text at commas, within the limit', () => {
		expect(splitForSpeech('  Short  text. ')).toEqual(['Short text.']);
		const clause = 'this clause is about forty characters ok';
		const long = Array.from({ length: 12 }, () => clause).join(', ') + '.';
		const pieces = splitForSpeech(long);
		expect(pieces.length).toBeGreaterThan(2);
		for (const p of pieces) expect(p.length).toBeLessThanOrEqual(MAX_PIECE);
		expect(pieces.slice(0, -1).every((p) => p.endsWith(','))).toBe(true);
		expect(pieces.join(' ')).toBe(long);
	});

	it('falls back to spaces, then to a hard cut', () => {
		const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
		for (const p of splitForSpeech(words)) expect(p.length).toBeLessThanOrEqual(MAX_PIECE);
		const blob = 'x'.repeat(450);
		expect(splitForSpeech(blob).map((p) => p.length)).toEqual([200, 200, 50]);
	});
});

describe('Speaker', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('speaks queued sentences one at a time, in order, with the chosen voice, rate and pitch', async () => {
		const { synth, speaker, changes } = setup({ voiceName: 'Bella', rate: 1.5, pitch: 0.8 });
		synth.voices = [
			{ name: 'Adam', lang: 'en-US' },
			{ name: 'Bella', lang: 'en-GB' }
		];
		speaker.say('First sentence.');
		speaker.say('Second sentence.');
		expect(speaker.speaking).toBe(true);
		expect(synth.queue.map((u) => u.text)).toEqual(['First sentence.']);
		const first = synth.queue[0];
		expect(first?.voice?.name).toBe('Bella');
		expect(first?.lang).toBe('en-GB');
		expect(first?.rate).toBe(1.5);
		expect(first?.pitch).toBe(0.8);
		const idle = speaker.whenIdle();
		synth.finish();
		expect(synth.queue.map((u) => u.text)).toEqual(['Second sentence.']);
		synth.finish();
		await idle;
		expect(speaker.speaking).toBe(false);
		expect(synth.spoken.map((u) => u.text)).toEqual(['First sentence.', 'Second sentence.']);
		expect(changes).toEqual([true, false]);
	});

	it('cuts a long utterance into pieces of at most 200 characters', () => {
		const { synth, speaker } = setup();
		speaker.say(Array.from({ length: 10 }, () => 'a clause of some thirty chars').join(', '));
		while (synth.queue.length) synth.finish();
		expect(synth.spoken.length).toBeGreaterThan(1);
		for (const u of synth.spoken) expect(u.text.length).toBeLessThanOrEqual(200);
	});

	it('stop() silences at once, drops the queue and ignores late events', () => {
		const { synth, speaker, errors, changes } = setup();
		speaker.say('One.');
		speaker.say('Two.');
		speaker.stop();
		expect(synth.queue).toEqual([]);
		expect(synth.cancels).toBe(1);
		expect(speaker.speaking).toBe(false);
		expect(errors).toEqual([]); // 'interrupted' from our own cancel is not an error
		expect(changes).toEqual([true, false]);
		speaker.say('Three.');
		expect(synth.queue.map((u) => u.text)).toEqual(['Three.']);
	});

	it('cancels a stale browser queue before starting a fresh run (Chrome quirk)', () => {
		const { synth, speaker } = setup();
		synth.queue.push(new FakeUtterance('left over from another page'));
		speaker.say('Fresh.');
		expect(synth.cancels).toBe(1);
		expect(synth.queue.map((u) => u.text)).toEqual(['Fresh.']);
	});

	it('moves on when the browser never fires end (watchdog)', () => {
		const { synth, speaker } = setup();
		synth.firesEnd = false;
		speaker.say('One.');
		speaker.say('Two.');
		synth.finish();
		expect(speaker.speaking).toBe(true);
		vi.advanceTimersByTime(10_000);
		expect(synth.queue.map((u) => u.text)).toEqual(['Two.']);
	});

	it('keeps waiting while the browser is still speaking a long piece', () => {
		const { synth, speaker } = setup();
		speaker.say('One.');
		speaker.say('Two.');
		vi.advanceTimersByTime(30_000);
		expect(synth.queue.map((u) => u.text)).toEqual(['One.']);
	});

	it('reports a real synthesis error and carries on with the next piece', () => {
		const { synth, speaker, errors } = setup();
		speaker.say('One.');
		speaker.say('Two.');
		synth.fail('synthesis-failed');
		expect(errors.map((e) => e.code)).toEqual(['speech_unavailable']);
		expect(synth.queue.map((u) => u.text)).toEqual(['Two.']);
	});
});

describe('watchVoices', () => {
	it('reports voices now and when the browser fills the list in', () => {
		const synth = new FakeSynth();
		const seen: string[][] = [];
		const stop = watchVoices(synth, (v) => seen.push(v.map((x) => x.name)));
		synth.voices = [{ name: 'Adam', lang: 'en' }];
		synth.dispatchEvent(new Event('voiceschanged'));
		stop();
		synth.dispatchEvent(new Event('voiceschanged'));
		expect(seen).toEqual([[], ['Adam']]);
	});
});
