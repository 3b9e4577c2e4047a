import { describe, expect, it } from 'vitest';
import type { DeviceEnvironment } from '$lib/engine/capability';
import { ggufFit, placeText, recommendGguf } from '$lib/engine/gguf-fit';
import type { GgufFit } from '$lib/engine/gguf-fit';
import { allEntries } from '$lib/engine/gguf-models';
import type { WasmFeatures } from '$lib/utils/wasm-features';

const FAST: WasmFeatures = {
	simd: true,
	exceptions: true,
	jspi: true,
	memory64: true,
	threads: false
};
const noGpu = (memory?: number, freeGB = 50): DeviceEnvironment => ({
	gpu: { webgpu: false, shaderF16: false, reason: 'navigator.gpu is missing' },
	...(memory !== undefined ? { deviceMemoryGB: memory } : {}),
	storage: { quotaBytes: freeGB * 1e9, usageBytes: 0 }
});
const entries = allEntries([]);
const byKey = (key: string) => entries.find((e) => e.id === `gguf:${key}`)!;
const fit = (
	key: string,
	env: DeviceEnvironment | null,
	features = FAST,
	device: 'auto' | 'webgpu' | 'cpu' = 'auto'
) => ggufFit(byKey(key), { env, features, threads: 1, device, stored: false });

describe('ggufFit', () => {
	it('runs on the CPU without WebGPU or on a software GPU, and on a real GPU otherwise', () => {
		expect(fit('qwen2.5-0.5b', noGpu(8)).place).toEqual({ device: 'cpu', threads: 1 });
		const swiftShader: DeviceEnvironment = {
			gpu: { webgpu: true, shaderF16: false, description: 'SwiftShader' }
		};
		expect(fit('qwen2.5-0.5b', swiftShader).place.device).toBe('cpu');
		expect(fit('qwen2.5-0.5b', swiftShader, FAST, 'webgpu').place.device).toBe('webgpu');
		const rtx: DeviceEnvironment = {
			gpu: { webgpu: true, shaderF16: true, description: 'NVIDIA RTX 4070' }
		};
		expect(fit('qwen2.5-0.5b', rtx).place.device).toBe('webgpu');
		expect(placeText({ device: 'cpu', threads: 2 })).toBe('Runs on the CPU (2 threads)');
	});

	it('says why a model does not fit: memory, storage, the compat build, no SIMD', () => {
		expect(fit('qwen3-4b', noGpu(4))).toMatchObject({
			ok: false,
			reason: expect.stringContaining('4 GB in all')
		});
		expect(fit('qwen2.5-0.5b', noGpu(8, 0.1))).toMatchObject({
			ok: false,
			reason: expect.stringContaining('of storage')
		});
		const compat = { ...FAST, jspi: false };
		expect(fit('phi4-mini', noGpu(8), compat)).toMatchObject({
			ok: false,
			reason: expect.stringContaining('2 GB')
		});
		expect(fit('qwen2.5-0.5b', noGpu(8), compat)).toMatchObject({
			ok: true,
			note: expect.stringContaining('compatibility')
		});
		expect(fit('qwen2.5-0.5b', noGpu(8), { ...FAST, simd: false })).toMatchObject({
			ok: false,
			reason: expect.stringContaining('SIMD')
		});
		// A reported 8 may be 64: never ruled out on it.
		expect(fit('qwen3-4b', noGpu(8)).ok).toBe(true);
	});
});

describe('recommendGguf', () => {
	const fitsFor = (env: DeviceEnvironment) =>
		new Map<string, GgufFit>(
			entries.map((e) => [
				e.id,
				ggufFit(e, { env, features: FAST, threads: 1, device: 'auto', stored: false })
			])
		);

	it('suggests a model sized to memory on the CPU, preferring one that calls tools', () => {
		const place = { device: 'cpu' as const, threads: 1 };
		expect(recommendGguf(entries, fitsFor(noGpu(8)), noGpu(8), place)?.id).toBe(
			'gguf:qwen2.5-1.5b'
		);
		expect(recommendGguf(entries, fitsFor(noGpu(2)), noGpu(2), place)?.id).toBe(
			'gguf:qwen2.5-0.5b'
		);
		// 1 GB in all: not even the smallest fits beside the browser.
		expect(recommendGguf(entries, fitsFor(noGpu(1)), noGpu(1), place)).toBeNull();
	});

	it('suggests a phone the small model that calls tools, whatever memory it reports', () => {
		const place = { device: 'cpu' as const, threads: 1 };
		for (const memory of [2, 4, 8]) {
			const env = noGpu(memory);
			const entry = recommendGguf(entries, fitsFor(env), env, place, { phone: true });
			expect(entry?.id).toBe('gguf:qwen2.5-0.5b');
			expect(entry?.bytes).toBe(397_808_192);
		}
	});
});
