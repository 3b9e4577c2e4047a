import { describe, expect, it } from 'vitest';
import {
	BrowserSpeechToText,
	findRecognition,
	isLive,
	recognitionVendor,
	type RecognitionLike,
	type RecognitionResultEvent
} from '$lib/voice/browser-stt';

// A fake of the browser's SpeechRecognition (a boundary we do not own).
class FakeRecognition implements RecognitionLike {
	static last: FakeRecognition | null = null;
	lang = '';
	continuous = false;
	interimResults = false;
	onresult: ((event: RecognitionResultEvent) => void) | null = null;
	onerror: ((event: { error: string }) => void) | null = null;
	onend: (() => void) | null = null;
	started = false;
	aborted = false;
	constructor() {
		FakeRecognition.last = this;
	}
	start(): void {
		this.started = true;
	}
	stop(): void {
		queueMicrotask(() => this.onend?.());
	}
	abort(): void {
		this.aborted = true;
		this.onerror?.({ error: 'aborted' });
		this.onend?.();
	}
	results(...parts: [string, boolean][]): void {
		const results = parts.map(([transcript, isFinal]) =>
			Object.assign([{ transcript }], { isFinal })
		);
		this.onresult?.({ results });
	}
}

const CHROME =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

describe('BrowserSpeechToText', () => {
	it('says where the audio goes', () => {
		const stt = new BrowserSpeechToText(FakeRecognition, CHROME);
		expect(stt.sendsAudioAway).toBe(true);
		expect(stt.label).toMatch(/sends your audio to Google/);
		expect(isLive(stt)).toBe(true);
		expect(recognitionVendor('... Chrome/130 Safari/537.36 Edg/130')).toBe('Microsoft');
		expect(recognitionVendor('Version/17.0 Safari/605.1.15')).toBe('Apple');
	});

	it('returns what was heard between begin and transcribe, with partials on the way', async () => {
		const stt = new BrowserSpeechToText(FakeRecognition, CHROME);
		await stt.load(() => {});
		expect(stt.ready).toBe(true);
		const partials: string[] = [];
		stt.begin({ language: 'en-GB', onPartial: (t) => partials.push(t) });
		const rec = FakeRecognition.last;
		expect(rec?.lang).toBe('en-GB');
		expect(rec?.continuous).toBe(true);
		rec?.results(['Hello', false]);
		rec?.results(['Hello there', true], [' friend', false]);
		expect(partials).toEqual(['Hello', 'Hello there friend']);
		await expect(stt.transcribe(new Float32Array(0))).resolves.toBe('Hello there friend');
	});

	it('maps recognition errors to actionable ones, and silence to empty text', async () => {
		const stt = new BrowserSpeechToText(FakeRecognition, CHROME);
		stt.begin();
		FakeRecognition.last?.onerror?.({ error: 'network' });
		await expect(stt.transcribe(new Float32Array(0))).rejects.toMatchObject({
			code: 'speech_unavailable'
		});
		stt.begin();
		FakeRecognition.last?.onerror?.({ error: 'not-allowed' });
		await expect(stt.transcribe(new Float32Array(0))).rejects.toMatchObject({
			code: 'microphone_denied'
		});
		stt.begin();
		FakeRecognition.last?.onerror?.({ error: 'no-speech' });
		await expect(stt.transcribe(new Float32Array(0))).resolves.toBe('');
	});

	it('cancel drops the session; transcribe without one fails plainly', async () => {
		const stt = new BrowserSpeechToText(FakeRecognition, CHROME);
		stt.begin();
		const rec = FakeRecognition.last;
		stt.cancel();
		expect(rec?.aborted).toBe(true);
		await expect(stt.transcribe(new Float32Array(0))).rejects.toMatchObject({
			code: 'transcription_failed'
		});
	});

	it('is not_supported where the browser has no recognition', async () => {
		expect(findRecognition({})).toBeNull();
		expect(findRecognition({ webkitSpeechRecognition: FakeRecognition })).toBe(FakeRecognition);
		const stt = new BrowserSpeechToText(null, CHROME);
		expect(stt.available).toBe(false);
		await expect(stt.load(() => {})).rejects.toMatchObject({ code: 'not_supported' });
	});
});
