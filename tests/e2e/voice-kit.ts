import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../scripts/chromium.js';
import { sharedMissing } from '../fixtures/ci.js';
import { openHearth } from './helpers';

// Shared by the voice specs: Chromium's fake microphone playing a WAV from ../shared/data on a
// loop, and Hearth set up with the generated Whisper model served under /models/ (it answers
// " Hearth heard you clearly." for any audible input; real weights are opt-in elsewhere).

export const SHARED_DATA = path.resolve('../shared/data');

/**
 * A copy of a PCM WAV with `seconds` of silence after it, in a temporary folder. Chromium plays
 * the fake microphone's file on a loop: without a pause between loops nobody ever stops talking.
 */
export function withTrailingSilence(file: string, seconds: number): string {
	const wav = readFileSync(file);
	let at = 12;
	while (at + 8 <= wav.length && wav.toString('ascii', at, at + 4) !== 'data') {
		at += 8 + wav.readUInt32LE(at + 4);
	}
	if (at + 8 > wav.length) throw new Error(`${file} has no data chunk`);
	const rate = wav.readUInt32LE(24);
	const blockAlign = wav.readUInt16LE(32);
	const dataSize = wav.readUInt32LE(at + 4);
	const silence = Buffer.alloc(Math.round(rate * seconds) * blockAlign);
	const out = Buffer.concat([wav.subarray(0, at + 8 + dataSize), silence]);
	out.writeUInt32LE(out.length - 8, 4);
	out.writeUInt32LE(dataSize + silence.length, at + 4);
	const target = path.join(mkdtempSync(path.join(os.tmpdir(), 'hearth-mic-')), path.basename(file));
	writeFileSync(target, out);
	return target;
}

/**
 * Runs the file's tests with the fake microphone playing `wav` (relative to ../shared/data),
 * followed by `pauseSeconds` of silence when given.
 */
export function useFakeMicrophone(wav: string, pauseSeconds = 0): void {
	const source = path.join(SHARED_DATA, wav);
	const missing = !existsSync(source);
	// Without ../shared/models, global-setup has already failed under CI.
	const reason = missing ? sharedMissing(source) : '../shared/models is missing';
	test.skip(missing || !process.env.HEARTH_E2E_MODELS, `skipped: ${reason}`);
	const file = missing || pauseSeconds === 0 ? source : withTrailingSilence(source, pauseSeconds);
	test.use({
		permissions: ['microphone'],
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				...CHROMIUM_ARGS,
				'--use-fake-device-for-media-stream',
				'--use-fake-ui-for-media-stream',
				`--use-file-for-fake-audio-capture=${file}`
			]
		}
	});
}

export const ECHO_WHISPER_TEXT = 'Hearth heard you clearly.';

export async function openWithVoice(page: Page, settings: Record<string, unknown> = {}) {
	await openHearth(page, {
		sttEngine: 'whisper',
		sttModel: 'hearth-test/echo-whisper',
		sttLanguage: 'en',
		agentRouting: false,
		...settings
	});
	// The microphone button arrives with the media services, after the first paint.
	await expect(page.getByTestId('mic-button')).toBeVisible({ timeout: 20_000 });
}
