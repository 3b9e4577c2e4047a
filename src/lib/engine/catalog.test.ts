import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
	approxDownloadBytes,
	CATALOG,
	DEFAULT_SOURCES,
	findModel,
	findVariant,
	toSpec
} from '$lib/engine/catalog';
import type { CatalogVariant } from '$lib/engine/catalog';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

const variants = (): CatalogVariant[] => CATALOG.flatMap((m) => [m.variants.f16, m.variants.f32]);

describe('the model catalog', () => {
	it('has unique keys and unique variant ids', () => {
		const keys = CATALOG.map((m) => m.key);
		expect(new Set(keys).size).toBe(keys.length);
		const ids = variants().map((v) => v.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(CATALOG.length).toBe(12);
	});

	it('asks for shader-f16 exactly on the f16 variants', () => {
		for (const model of CATALOG) {
			expect(model.variants.f16.precision).toBe('f16');
			expect(model.variants.f16.requiredFeatures).toEqual(['shader-f16']);
			expect(model.variants.f16.quantization).toMatch(/f16/);
			expect(model.variants.f32.precision).toBe('f32');
			expect(model.variants.f32.requiredFeatures).toEqual([]);
			expect(model.variants.f32.quantization).toMatch(/f32/);
		}
	});

	it('keeps each f16/f32 pair consistent: same model, same library family, f32 no smaller', () => {
		for (const model of CATALOG) {
			const { f16, f32 } = model.variants;
			expect(f32.id).toBe(f16.id.replace(f16.quantization, f32.quantization));
			expect(f32.repo).toBe(f16.repo.replace(f16.quantization, f32.quantization));
			expect(f32.lib).toBe(f16.lib.replace(f16.quantization, f32.quantization));
			expect(f16.id).toContain(f16.quantization);
			expect(f16.lib).toContain(f16.quantization);
			expect(f16.lib).toMatch(/-webgpu\.wasm$/);
			expect(f32.downloadBytes).toBeGreaterThanOrEqual(f16.downloadBytes);
			expect(f32.vramMB).toBeGreaterThanOrEqual(f16.vramMB);
			expect(f32.largestTensorBytes).toBe(f16.largestTensorBytes);
		}
	});

	it('states positive sizes and a sane context window for every variant', () => {
		for (const model of CATALOG) {
			expect(model.contextWindow).toBeGreaterThanOrEqual(1024);
			expect(model.summary.length).toBeGreaterThan(10);
			expect(model.summary).not.toContain('\n');
			for (const v of [model.variants.f16, model.variants.f32]) {
				expect(v.downloadBytes).toBeGreaterThan(100e6);
				expect(v.downloadBytes).toBeLessThan(6e9);
				expect(v.vramMB).toBeGreaterThan(100);
				expect(v.largestTensorBytes).toBeGreaterThan(0);
			}
		}
	});

	it('matches web-llm 0.2.86 prebuiltAppConfig for every model that is in it', () => {
		const prebuilt = new Map(prebuiltAppConfig.model_list.map((r) => [r.model_id, r]));
		let compared = 0;
		for (const model of CATALOG) {
			for (const v of [model.variants.f16, model.variants.f32]) {
				const record = prebuilt.get(v.id);
				if (!record) {
					// Only the 1.5B R1 distill is missing upstream; it runs on the Qwen2 1.5B library.
					expect(v.id).toMatch(/^DeepSeek-R1-Distill-Qwen-1\.5B-/);
					expect(v.lib).toMatch(/^Qwen2-1\.5B-Instruct-/);
					continue;
				}
				compared++;
				expect(record.model).toBe(`https://huggingface.co/mlc-ai/${v.repo}`);
				expect(record.model_lib.endsWith(`/${v.lib}`)).toBe(true);
				expect(record.model_lib).toBe(`${DEFAULT_SOURCES.modelLibBaseUrl}${v.lib}`);
				expect(v.vramMB).toBeCloseTo(record.vram_required_MB ?? 0, 1);
				expect(model.contextWindow).toBe(record.overrides?.context_window_size);
			}
		}
		expect(compared).toBe(22);
	});

	it('gives the capabilities the task calls for', () => {
		const withCapability = (c: string) =>
			CATALOG.filter((m) => m.capabilities.includes(c as 'tools')).map((m) => m.key);
		expect(withCapability('tools').sort()).toEqual(
			[
				'qwen2.5-1.5b',
				'qwen2.5-3b',
				'qwen2.5-7b',
				'llama3.2-3b',
				'mistral-7b-v0.3',
				'phi3.5-mini'
			].sort()
		);
		expect(withCapability('vision')).toEqual(['phi3.5-vision']);
		expect(withCapability('reasoning')).toEqual([
			'deepseek-r1-distill-qwen-1.5b',
			'deepseek-r1-distill-qwen-7b'
		]);
	});

	it('estimates downloads from parameters and precision', () => {
		// Qwen2.5-1.5B q4f16_1 is ~0.9 GB on Hugging Face.
		const qwen = findModel('qwen2.5-1.5b')!;
		expect(qwen.variants.f16.downloadBytes).toBeGreaterThan(0.8e9);
		expect(qwen.variants.f16.downloadBytes).toBeLessThan(1.0e9);
		expect(approxDownloadBytes(1e9, 'f32')).toBeGreaterThan(approxDownloadBytes(1e9, 'f16'));
	});
});

describe('findVariant and toSpec', () => {
	it('finds a variant by its web-llm id, and nothing for an unknown id', () => {
		const found = findVariant('Qwen2.5-1.5B-Instruct-q4f32_1-MLC');
		expect(found?.model.key).toBe('qwen2.5-1.5b');
		expect(found?.variant.precision).toBe('f32');
		expect(findVariant('nope')).toBeUndefined();
		expect(findVariant('Qwen2.5-1.5B-Instruct-q4f32_1-MLC', [])).toBeUndefined();
	});

	it('builds absolute URLs web-llm uses as they are', () => {
		const { model, variant } = findVariant('Llama-3.2-1B-Instruct-q4f16_1-MLC')!;
		const spec = toSpec(model, variant, {
			modelBaseUrl: 'http://mirror.lan/models/',
			modelLibBaseUrl: 'http://mirror.lan/libs/'
		});
		expect(spec).toEqual({
			id: 'Llama-3.2-1B-Instruct-q4f16_1-MLC',
			modelUrl: 'http://mirror.lan/models/Llama-3.2-1B-Instruct-q4f16_1-MLC/resolve/main/',
			modelLibUrl: 'http://mirror.lan/libs/Llama-3.2-1B-Instruct-q4f16_1_cs1k-webgpu.wasm',
			contextWindow: 4096,
			requiredFeatures: ['shader-f16'],
			vramMB: 879.04
		});
		spec.requiredFeatures.push('x');
		expect(variant.requiredFeatures).toEqual(['shader-f16']);
	});

	it('tolerates base URLs typed without the trailing slash', () => {
		const { model, variant } = findVariant('Qwen2.5-0.5B-Instruct-q4f32_1-MLC')!;
		const spec = toSpec(model, variant, {
			modelBaseUrl: 'http://mirror.lan/models',
			modelLibBaseUrl: 'http://mirror.lan/libs'
		});
		expect(spec.modelUrl).toBe(
			'http://mirror.lan/models/Qwen2.5-0.5B-Instruct-q4f32_1-MLC/resolve/main/'
		);
		expect(spec.modelLibUrl).toBe(
			'http://mirror.lan/libs/Qwen2-0.5B-Instruct-q4f32_1_cs1k-webgpu.wasm'
		);
	});

	it('uses the same default sources as the settings', () => {
		expect(DEFAULT_SOURCES).toEqual({
			modelBaseUrl: DEFAULT_SETTINGS.modelBaseUrl,
			modelLibBaseUrl: DEFAULT_SETTINGS.modelLibBaseUrl
		});
	});
});
