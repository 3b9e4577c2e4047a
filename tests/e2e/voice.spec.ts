import { expect, test } from '@playwright/test';
import { answers } from './helpers';
import { ECHO_WHISPER_TEXT, openWithVoice, useFakeMicrophone } from './voice-kit';

// Voice in the built app with Chromium's fake microphone playing the TTS fixture: capture at the
// device's rate → 16 kHz → the real Whisper worker (transformers.js, generated model) → text.
// The generated model says one sentence for any audible input: these prove the audio path and
// the voice UI, not what was said.

// Two seconds of silence after each loop of the clip: a pause ends an utterance.
useFakeMicrophone('tts-fixtures/quick_brown_fox_16k.wav', 2);

test('click to talk, click to stop: the recorded audio comes back as text in the composer, for review', async ({
	page
}) => {
	// Every stream the page opens, to check that none is left live at the end.
	await page.addInitScript(() => {
		const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
		const streams: MediaStream[] = [];
		(window as { __streams?: MediaStream[] }).__streams = streams;
		navigator.mediaDevices.getUserMedia = async (constraints) => {
			const stream = await open(constraints);
			streams.push(stream);
			return stream;
		};
	});
	await openWithVoice(page);
	const mic = page.getByTestId('mic-button');
	await mic.click();
	const bar = page.getByTestId('voice-bar');
	await expect(bar).toHaveAttribute('data-status', 'listening', { timeout: 30_000 });
	// The level meter moves with the fake microphone's audio.
	await expect
		.poll(async () => Number(await page.getByTestId('voice-level').getAttribute('data-level')), {
			timeout: 10_000
		})
		.toBeGreaterThan(0);
	await page.waitForTimeout(2500);
	await mic.click();
	await expect(page.getByLabel('Message Hearth')).toHaveValue(ECHO_WHISPER_TEXT, {
		timeout: 60_000
	});
	// Nothing was sent: the user reads it first.
	await expect(answers(page)).toHaveCount(0);
	// Voice mode ends and the microphone is released.
	await page.getByRole('button', { name: 'Turn voice mode off' }).click();
	await expect(bar).toBeHidden();
	const live = await page.evaluate(
		() =>
			((window as { __streams?: MediaStream[] }).__streams ?? []).flatMap((s) =>
				s.getTracks().filter((t) => t.readyState === 'live')
			).length
	);
	expect(live).toBe(0);
});

test('hands-free: the voice detector cuts the utterance and it is sent by itself', async ({
	page
}) => {
	test.setTimeout(120_000);
	await openWithVoice(page);
	await page.getByTestId('mic-button').click();
	const bar = page.getByTestId('voice-bar');
	await expect(bar).toHaveAttribute('data-status', 'listening', { timeout: 30_000 });
	await bar.getByRole('button', { name: 'Hands-free' }).click();
	await expect(bar).toHaveAttribute('data-mode', 'handsfree');
	// Silero (from /vad/) hears the speech end; Whisper transcribes; the message goes out.
	const sent = page.getByRole('article', { name: 'Your message' }).first();
	await expect(sent).toContainText(ECHO_WHISPER_TEXT, { timeout: 90_000 });
	// Its answer finishes, or is cut short by the next loop of the clip: the fake microphone keeps
	// talking, so "the newest answer" may always be one just started on a loaded machine.
	await expect(answers(page).first()).toHaveAttribute('data-status', /done|aborted/, {
		timeout: 30_000
	});
	await bar.getByRole('button', { name: 'End conversation' }).click();
	await expect(bar).toBeHidden();
});

test('a refused microphone says how to allow it', async ({ page }) => {
	await page.addInitScript(() => {
		navigator.mediaDevices.getUserMedia = () =>
			Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
	});
	await openWithVoice(page);
	await page.getByTestId('mic-button').click();
	const error = page.getByTestId('voice-error');
	await expect(error).toHaveAttribute('data-code', 'microphone_denied', { timeout: 15_000 });
	await expect(error).toContainText(/address bar|site settings/i);
});

test('hands-free replies are read aloud as they stream, and speaking over Hearth stops it', async ({
	page
}) => {
	test.setTimeout(150_000);
	// The browser's speech synthesis is ours to stand in for: it records what it is asked to say,
	// "speaks" each utterance for 20 s, and notes when it is cut off.
	await page.addInitScript(() => {
		const log = { spoken: [] as string[], cancels: 0 };
		(window as { __speech?: typeof log }).__speech = log;
		let current: { u: SpeechSynthesisUtterance; timer: ReturnType<typeof setTimeout> } | null =
			null;
		const queue: SpeechSynthesisUtterance[] = [];
		const next = () => {
			const u = queue.shift();
			if (!u) return;
			log.spoken.push(u.text);
			const timer = setTimeout(() => {
				current = null;
				u.dispatchEvent(new Event('end'));
				next();
			}, 20_000);
			current = { u, timer };
			u.dispatchEvent(new Event('start'));
		};
		const synth = new EventTarget() as EventTarget & Record<string, unknown>;
		Object.assign(synth, {
			get speaking() {
				return current !== null;
			},
			get pending() {
				return queue.length > 0;
			},
			speak(u: SpeechSynthesisUtterance) {
				queue.push(u);
				if (!current) next();
			},
			cancel() {
				log.cancels++;
				queue.length = 0;
				if (current) {
					clearTimeout(current.timer);
					const { u } = current;
					current = null;
					u.dispatchEvent(new Event('end'));
				}
			},
			getVoices: () => []
		});
		Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
	});
	await openWithVoice(page);
	await page.getByTestId('mic-button').click();
	const bar = page.getByTestId('voice-bar');
	await expect(bar).toHaveAttribute('data-status', 'listening', { timeout: 30_000 });
	await bar.getByRole('button', { name: 'Hands-free' }).click();

	// The fixture echoes what was said; that answer is read out sentence by sentence.
	const speech = () =>
		page.evaluate(() => (window as { __speech?: { spoken: string[]; cancels: number } }).__speech);
	await expect
		.poll(async () => (await speech())?.spoken.join(' ') ?? '', { timeout: 90_000 })
		.toContain(ECHO_WHISPER_TEXT);
	// The microphone loops: the next utterance starts while Hearth is still speaking and stops it.
	await expect
		.poll(async () => (await speech())?.cancels ?? 0, { timeout: 60_000 })
		.toBeGreaterThan(0);
	// The microphone keeps looping, so more utterances follow: at least the second was sent.
	await expect
		.poll(() => page.getByRole('article', { name: 'Your message' }).count(), { timeout: 60_000 })
		.toBeGreaterThanOrEqual(2);
	await bar.getByRole('button', { name: 'End conversation' }).click();
});
