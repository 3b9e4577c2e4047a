import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	chooseDefaultEmbedModel,
	DEFAULT_EMBED_MODEL_ID,
	EMBED_CATALOG,
	findEmbedModel,
	offeredEmbedModels,
	withPrefix
} from '$lib/knowledge/embed-catalog';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import { requireSharedModels, TEST_MODEL_DIR } from '$workers/embed-test-kit';

describe('embedding catalog', () => {
	it('has unique ids and sane figures', () => {
		const ids = EMBED_CATALOG.map((m) => m.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const m of EMBED_CATALOG) {
			expect(m.id).toMatch(/^[\w.-]+\/[\w.-]+$/);
			expect(m.dims).toBeGreaterThan(0);
			expect(m.sizeMB).toBeGreaterThan(0);
			expect(m.maxTokens).toBeGreaterThanOrEqual(128);
			expect(m.files).toContain('config.json');
			expect(m.files.some((f) => f.endsWith('.onnx'))).toBe(true);
			if (m.scifactNdcg10 !== null) expect(m.scifactNdcg10).toBeGreaterThan(50);
		}
	});

	it('defaults to gte-small: best quality for its size', () => {
		expect(DEFAULT_EMBED_MODEL_ID).toBe('Xenova/gte-small');
		expect(findEmbedModel(DEFAULT_EMBED_MODEL_ID)?.testOnly).toBeFalsy();
	});

	it('prefers a smaller model when the bigger one gains too little for its size', () => {
		const base = findEmbedModel('Xenova/all-MiniLM-L6-v2') as EmbedModelInfo;
		const huge = { ...base, id: 'x/huge', sizeMB: 500, scifactNdcg10: 75 };
		expect(chooseDefaultEmbedModel([base, huge]).id).toBe(base.id);
		expect(() => chooseDefaultEmbedModel([])).toThrow(
			'The embedding catalog has no scored English model.'
		);
	});

	it('offers a multilingual model and hides the test model', () => {
		const offered = offeredEmbedModels();
		expect(offered.some((m) => m.languages === 'multilingual')).toBe(true);
		expect(offered.some((m) => m.testOnly)).toBe(false);
		expect(offeredEmbedModels(true).some((m) => m.id === 'hearth-test/bow-embedder')).toBe(true);
	});

	it('prefixes queries and passages the way each model was trained', () => {
		const e5 = findEmbedModel('Xenova/multilingual-e5-small') as EmbedModelInfo;
		expect(withPrefix(e5, 'query', 'budget')).toBe('query: budget');
		expect(withPrefix(e5, 'passage', 'budget')).toBe('passage: budget');
		const bge = findEmbedModel('Xenova/bge-small-en-v1.5') as EmbedModelInfo;
		expect(withPrefix(bge, 'query', 'q')).toMatch(/^Represent this sentence.*: q$/);
		expect(withPrefix(bge, 'passage', 'p')).toBe('p');
	});

	it("the test model's entry matches its files in ../shared", (ctx) => {
		requireSharedModels(ctx);
		const bow = findEmbedModel('hearth-test/bow-embedder') as EmbedModelInfo;
		expect(bow.testOnly).toBe(true);
		expect(bow.dims).toBe(128);
		for (const file of bow.files) expect(existsSync(path.join(TEST_MODEL_DIR, file))).toBe(true);
		const config = JSON.parse(readFileSync(path.join(TEST_MODEL_DIR, 'config.json'), 'utf8'));
		expect(config.hidden_size).toBe(bow.dims);
	});
});
