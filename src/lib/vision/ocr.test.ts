import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HearthError } from '$lib/types/errors';
import { OcrReader } from '$lib/vision/ocr';
import type { OcrProgress } from '$lib/vision/ocr-text';
import { textPng } from '$lib/vision/test-images';

// The real tesseract.js in Node (its node worker script and core from node_modules) with the
// same English model the app serves under /ocr/, on text drawn in a bitmap font.
const reader = new OcrReader({
	langPath: path.resolve('node_modules/@tesseract.js-data/eng/4.0.0_best_int')
});
afterAll(() => reader.dispose());

describe('OcrReader', () => {
	it('reads large clean text and reports its stages', async () => {
		const progress: OcrProgress[] = [];
		const result = await reader.read(textPng('HEARTH READS 42', 3), {
			onProgress: (p) => progress.push(p)
		});
		expect(result.text).toBe('HEARTH READS 42');
		expect(result.confidence).toBeGreaterThan(50);
		const stages = new Set(progress.map((p) => p.stage));
		expect(stages).toContain('language');
		expect(stages).toContain('recognizing');
		// The worker is kept: a second image needs no loading.
		progress.length = 0;
		const again = await reader.read(textPng('READ THE SCREEN ERROR 7', 3), {
			onProgress: (p) => progress.push(p)
		});
		expect(again.text).toContain('ERROR 7');
		expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['recognizing']));
	}, 60_000);

	it('stops on abort, and reads again afterwards', async () => {
		const controller = new AbortController();
		const pending = reader.read(textPng('HEARTH READS 42', 3), { signal: controller.signal });
		controller.abort();
		const error = (await pending.catch((e: unknown) => e)) as HearthError;
		expect(error.code).toBe('aborted');
		expect((await reader.read(textPng('HEARTH READS 42', 3))).text).toBe('HEARTH READS 42');
	}, 60_000);

	it('gives ocr_failed for bytes that are no image', async () => {
		const error = (await reader
			.read(new TextEncoder().encode('not an image at all'))
			.catch((e: unknown) => e)) as HearthError;
		expect(error.code).toBe('ocr_failed');
	}, 60_000);
});
