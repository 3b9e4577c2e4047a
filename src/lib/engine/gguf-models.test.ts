import { describe, expect, it } from 'vitest';
import {
	allEntries,
	checkHfFields,
	contextSizeFor,
	downloadSpec,
	findEntry,
	hfModelId,
	splitFiles,
	threadsFor
} from '$lib/engine/gguf-models';
import { GGUF_CATALOG } from '$lib/engine/gguf-catalog';
import type { GgufModelRecord } from '$lib/types/gguf';

const hf: GgufModelRecord = {
	id: hfModelId('ggml-org/models', 'tinyllamas/stories260K.gguf'),
	name: 'stories260K',
	source: { kind: 'hf', repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf' },
	addedAt: 1,
	contextLength: 2048
};
const settings = { ggufBaseUrl: 'http://127.0.0.1:9/mirror', ggufContextSize: 0 };

describe('GGUF models', () => {
	it('names catalog and added models by id, and finds them again', () => {
		const entries = allEntries([hf]);
		expect(entries[0]?.id).toBe(`gguf:${GGUF_CATALOG[0]!.key}`);
		expect(entries.at(-1)?.id).toBe('gguf:hf:ggml-org/models:tinyllamas/stories260K.gguf');
		expect(findEntry(hf.id, [hf])?.record).toBe(hf);
		expect(findEntry('gguf:qwen2.5-0.5b', [])?.catalog?.repo).toBe(
			'bartowski/Qwen2.5-0.5B-Instruct-GGUF'
		);
		expect(findEntry('Qwen2.5-0.5B-Instruct-q4f32_1-MLC', [])).toBeUndefined();
	});

	it('fetches through the mirror setting, in the Hugging Face layout', () => {
		expect(downloadSpec(findEntry(hf.id, [hf])!, settings).files).toEqual([
			{
				name: 'stories260K.gguf',
				url: 'http://127.0.0.1:9/mirror/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf'
			}
		]);
		const vision = findEntry('gguf:smolvlm2-500m', [])!;
		expect(downloadSpec(vision, settings).files.map((f) => f.name)).toEqual([
			'SmolVLM2-500M-Video-Instruct-Q8_0.gguf',
			'mmproj-SmolVLM2-500M-Video-Instruct-Q8_0.gguf'
		]);
	});

	it('expands a split model into all its parts, in order', () => {
		expect(splitFiles('q/model-00001-of-00003.gguf')).toEqual([
			'q/model-00001-of-00003.gguf',
			'q/model-00002-of-00003.gguf',
			'q/model-00003-of-00003.gguf'
		]);
		expect(splitFiles('model.gguf')).toEqual(['model.gguf']);
		const split: GgufModelRecord = {
			...hf,
			id: hfModelId('a/b', 'm-00001-of-00002.gguf'),
			source: { kind: 'hf', repo: 'a/b', file: 'm-00001-of-00002.gguf' }
		};
		expect(downloadSpec(findEntry(split.id, [split])!, settings).files).toHaveLength(2);
	});

	it('allocates the setting’s context, else 4,096, never past what the model was trained with', () => {
		expect(contextSizeFor({ contextWindow: 2048 }, { ggufContextSize: 0 })).toBe(2048);
		expect(contextSizeFor({ contextWindow: 131072 }, { ggufContextSize: 0 })).toBe(4096);
		expect(contextSizeFor({}, { ggufContextSize: 0 })).toBe(4096);
		expect(contextSizeFor({ contextWindow: 2048 }, { ggufContextSize: 512 })).toBe(512);
		expect(contextSizeFor({ contextWindow: 2048 }, { ggufContextSize: 8192 })).toBe(2048);
		expect(contextSizeFor({ contextWindow: 32768 }, { ggufContextSize: 8192 })).toBe(8192);
	});

	it('uses one thread unless the page is cross-origin isolated, then half the cores', () => {
		expect(
			threadsFor({ ggufThreads: 0 }, { hardwareConcurrency: 8, crossOriginIsolated: false })
		).toBe(1);
		expect(
			threadsFor({ ggufThreads: 4 }, { hardwareConcurrency: 8, crossOriginIsolated: false })
		).toBe(1);
		expect(
			threadsFor({ ggufThreads: 0 }, { hardwareConcurrency: 8, crossOriginIsolated: true })
		).toBe(4);
		expect(
			threadsFor({ ggufThreads: 0 }, { hardwareConcurrency: 2, crossOriginIsolated: true })
		).toBe(1);
		expect(
			threadsFor({ ggufThreads: 0 }, { hardwareConcurrency: 64, crossOriginIsolated: true })
		).toBe(8);
		expect(
			threadsFor({ ggufThreads: 3 }, { hardwareConcurrency: 8, crossOriginIsolated: true })
		).toBe(3);
	});

	it('refuses repository and file names that are not one', () => {
		expect(() => checkHfFields('ggml-org/models', 'tinyllamas/stories260K.gguf', '')).not.toThrow();
		for (const [repo, file] of [
			['not a repo', 'a.gguf'],
			['a/b/c', 'a.gguf'],
			['a/b', '../../etc/passwd.gguf'],
			['a/b', 'model.bin'],
			['a/b', '/abs.gguf']
		]) {
			expect(() => checkHfFields(repo!, file!, ''), `${repo} ${file}`).toThrow(
				expect.objectContaining({ code: 'path_rejected' })
			);
		}
	});
});
