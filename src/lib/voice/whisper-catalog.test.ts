import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	DEFAULT_MULTILINGUAL_MODEL_ID,
	DEFAULT_WHISPER_MODEL_ID,
	findWhisperModel,
	offeredWhisperModels,
	speaksLanguage,
	WHISPER_CATALOG,
	WHISPER_LANGUAGES,
	whisperModelFor
} from '$lib/voice/whisper-catalog';
import type { WhisperModelInfo } from '$lib/voice/whisper-catalog';
import { ECHO_WHISPER, ECHO_WHISPER_DIR, requireEchoWhisper } from '$workers/embed-test-kit';

/** The language list inside the installed transformers.js (it is not exported). */
function libraryLanguages(): string[] {
	const require = createRequire(import.meta.url);
	const entry = require.resolve('@huggingface/transformers');
	const source = readFileSync(path.join(path.dirname(entry), 'transformers.node.mjs'), 'utf8');
	const list = /var WHISPER_LANGUAGES = \[([\s\S]*?)\];/.exec(source)?.[1] ?? '';
	return [...list.matchAll(/\["([a-z]+)", "[^"]+"\]/g)].map((m) => m[1] ?? '');
}

describe('Whisper catalog', () => {
	it('has unique ids, English-only and multilingual sizes, and sane figures', () => {
		const ids = WHISPER_CATALOG.map((m) => m.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const size of ['tiny', 'base', 'small']) {
			expect(findWhisperModel(`Xenova/whisper-${size}.en`)?.multilingual).toBe(false);
			expect(findWhisperModel(`Xenova/whisper-${size}`)?.multilingual).toBe(true);
		}
		for (const m of WHISPER_CATALOG) {
			expect(m.id).toMatch(/^[\w.-]+\/[\w.-]+$/);
			expect(m.sizeMB).toBeGreaterThan(0);
			expect(m.files).toContain('config.json');
			expect(m.files).toContain('preprocessor_config.json');
			expect(m.files.filter((f) => f.endsWith('.onnx'))).toHaveLength(2);
			expect(m.multilingual).toBe(m.languages.length > 1);
			if (!m.testOnly) expect(m.werTestClean).toBeGreaterThan(2);
		}
		// Bigger models are better: a size that is not would not be worth offering.
		const tiny = findWhisperModel('Xenova/whisper-tiny.en') as WhisperModelInfo;
		const small = findWhisperModel('Xenova/whisper-small.en') as WhisperModelInfo;
		expect(small.werTestClean).toBeLessThan(tiny.werTestClean ?? 0);
		expect(small.sizeMB).toBeGreaterThan(tiny.sizeMB);
	});

	it("knows the same languages as transformers.js's Whisper", () => {
		const codes = WHISPER_LANGUAGES.map(([code]) => code);
		expect(codes).toEqual(libraryLanguages());
		expect(new Set(WHISPER_LANGUAGES.map(([, name]) => name)).size).toBe(codes.length);
	});

	it('defaults to tiny.en for English and multilingual base otherwise', () => {
		expect(DEFAULT_WHISPER_MODEL_ID).toBe('Xenova/whisper-tiny.en');
		expect(whisperModelFor('', 'en').id).toBe(DEFAULT_WHISPER_MODEL_ID);
		expect(whisperModelFor('', '').id).toBe(DEFAULT_WHISPER_MODEL_ID);
		expect(whisperModelFor('', 'fr').id).toBe(DEFAULT_MULTILINGUAL_MODEL_ID);
		expect(whisperModelFor('no/such-model', 'fr').id).toBe(DEFAULT_MULTILINGUAL_MODEL_ID);
		// The person's choice stands, even for a language it cannot do.
		expect(whisperModelFor('Xenova/whisper-base.en', 'fr').id).toBe('Xenova/whisper-base.en');
		expect(speaksLanguage(whisperModelFor('Xenova/whisper-base.en', 'fr'), 'fr')).toBe(false);
		expect(speaksLanguage(whisperModelFor('', 'fr'), 'fr')).toBe(true);
	});

	it('hides the test model unless asked', () => {
		expect(offeredWhisperModels().some((m) => m.testOnly)).toBe(false);
		expect(offeredWhisperModels(true).some((m) => m.id === ECHO_WHISPER)).toBe(true);
	});

	it('lists every file of echo-whisper, and its size, as it is on disk', (ctx) => {
		requireEchoWhisper(ctx);
		const echo = findWhisperModel(ECHO_WHISPER) as WhisperModelInfo;
		const bytes = echo.files.reduce(
			(sum, f) => sum + statSync(path.join(ECHO_WHISPER_DIR, f)).size,
			0
		);
		expect(bytes / 1e6).toBeCloseTo(echo.sizeMB, 0);
	});
});
