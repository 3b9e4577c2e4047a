import { expect, test } from '@playwright/test';
import { ECHO_WHISPER_TEXT, openWithVoice, useFakeMicrophone } from './voice-kit';

// Push-to-talk with a LibriSpeech test-clean utterance on the fake microphone: held down, the
// button records; released, the recording (resampled to 16 kHz) goes to the Whisper worker.
// These prove the audio path, not recognition: the generated echo model says the same sentence
// for any audible input ("" for silence). The words are checked against the transcripts with
// real weights in workers/stt-host.test.ts (HEARTH_STT_MODELS).

useFakeMicrophone('librispeech-test-clean-sample/wav16k/1089-134686-0000.wav', 1);

test('hold to talk: a recorded LibriSpeech clip reaches the Whisper worker, and its text the composer', async ({
	page
}) => {
	await openWithVoice(page);
	const mic = page.getByTestId('mic-button');
	await mic.hover();
	await page.mouse.down();
	const bar = page.getByTestId('voice-bar');
	await expect(bar).toHaveAttribute('data-status', 'listening', { timeout: 30_000 });
	await page.waitForTimeout(3000);
	await page.mouse.up();
	await expect(page.getByLabel('Message Hearth')).toHaveValue(ECHO_WHISPER_TEXT, {
		timeout: 60_000
	});
});

test('hold Space to talk when no text field has focus: the recording reaches the composer as text', async ({
	page
}) => {
	await openWithVoice(page);
	await page.getByRole('heading', { name: 'What can I help with?' }).click();
	await page.keyboard.down('Space');
	const bar = page.getByTestId('voice-bar');
	await expect(bar).toHaveAttribute('data-status', 'listening', { timeout: 30_000 });
	await page.waitForTimeout(2500);
	await page.keyboard.up('Space');
	await expect(page.getByLabel('Message Hearth')).toHaveValue(ECHO_WHISPER_TEXT, {
		timeout: 60_000
	});
});
