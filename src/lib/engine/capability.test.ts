import { describe, expect, it } from 'vitest';
import {
	assessDevice,
	gpuName,
	isSoftwareAdapter,
	parameterCount,
	readEnvironment
} from '$lib/engine/capability';
import type { DeviceEnvironment, ModelOffer } from '$lib/engine/capability';
import { CATALOG, findModel } from '$lib/engine/catalog';
import type { GpuProbe } from '$lib/protocol/llm';

const GB = 1e9;
const MiB = 1024 * 1024;

const desktopGpu: GpuProbe = {
	webgpu: true,
	vendor: 'nvidia',
	architecture: 'ampere',
	description: 'NVIDIA GeForce RTX 3060',
	shaderF16: true,
	maxBufferSize: 4096 * MiB,
	maxStorageBufferBindingSize: 2048 * MiB
};

const swiftShader: GpuProbe = {
	webgpu: true,
	vendor: 'google',
	architecture: 'swiftshader',
	fallbackAdapter: true,
	shaderF16: false,
	maxBufferSize: 2048 * MiB,
	maxStorageBufferBindingSize: 2048 * MiB
};

function env(over: Partial<DeviceEnvironment> = {}): DeviceEnvironment {
	return {
		gpu: desktopGpu,
		deviceMemoryGB: 8,
		storage: { quotaBytes: 100 * GB, usageBytes: 0 },
		...over
	};
}

function offer(offers: ModelOffer[], key: string): ModelOffer {
	const found = offers.find((o) => o.model.key === key);
	if (!found) throw new Error(`no offer for ${key}`);
	return found;
}

function reasonOf(o: ModelOffer): string {
	if (o.fit.ok) throw new Error(`${o.model.key} was offered`);
	return o.fit.reason;
}

describe('assessDevice', () => {
	it('offers nothing without WebGPU, saying why and what to do instead', () => {
		const result = assessDevice(
			env({ gpu: { webgpu: false, reason: 'navigator.gpu is undefined', shaderF16: false } })
		);
		expect(result.offers).toHaveLength(CATALOG.length);
		for (const o of result.offers) {
			expect(o.fit.ok).toBe(false);
			expect(reasonOf(o)).toMatch(/^This browser has no WebGPU: navigator\.gpu is undefined\./);
			expect(reasonOf(o)).toContain('Chrome or Edge 113');
			expect(reasonOf(o)).toContain('Ollama');
		}
		expect(result.recommended).toBeNull();
		expect(result.summary).toBe('No WebGPU in this browser (navigator.gpu is undefined)');
	});

	it('picks the f16 build when the GPU has shader-f16, else the f32 build with a note', () => {
		const f16 = assessDevice(env());
		for (const o of f16.offers) {
			expect(o.fit.variant).toBe(o.model.variants.f16);
			if (o.fit.ok) expect(o.fit.note ?? '').not.toContain('16-bit');
		}
		const f32 = assessDevice(env({ gpu: { ...desktopGpu, shaderF16: false } }));
		for (const o of f32.offers) {
			expect(o.fit.variant).toBe(o.model.variants.f32);
			expect(o.fit.ok && o.fit.note).toContain(
				'No 16-bit float support on this GPU, using the 32-bit build.'
			);
		}
	});

	it('rules out models too big for a small device, but never on a capped 8 GB', () => {
		const small = assessDevice(env({ deviceMemoryGB: 4 }));
		// 60% of 4 GB ≈ 2458 MB: Qwen2.5-1.5B f16 (1630 MB) fits, Qwen2.5-3B f16 (2505 MB) does not.
		expect(offer(small.offers, 'qwen2.5-1.5b').fit.ok).toBe(true);
		expect(reasonOf(offer(small.offers, 'qwen2.5-3b'))).toMatch(
			/^Needs about 2\.6 GB of memory; this device has about 4 GB/
		);
		expect(offer(small.offers, 'qwen2.5-7b').fit.ok).toBe(false);

		const capped = assessDevice(env({ deviceMemoryGB: 8 }));
		expect(capped.offers.every((o) => o.fit.ok)).toBe(true);
		const big = offer(capped.offers, 'qwen2.5-7b');
		expect(big.fit.ok && big.fit.note).toMatch(/graphics memory; it may not fit/);
		expect(offer(capped.offers, 'qwen2.5-1.5b').fit).not.toHaveProperty('note');
	});

	it('does not guess memory limits when the browser does not report memory', () => {
		const unknown = assessDevice(env({ deviceMemoryGB: undefined }));
		expect(unknown.offers.every((o) => o.fit.ok)).toBe(true);
		expect(unknown.summary).not.toMatch(/memory/);
		// Recommends as if the device had 4 GB: 40% ≈ 1638 MB.
		expect(unknown.recommended?.model.key).toBe('qwen2.5-1.5b');
	});

	it('rules out models whose weights do not fit the GPU buffer limit', () => {
		const limited = assessDevice(
			env({ gpu: { ...desktopGpu, maxStorageBufferBindingSize: 128 * MiB } })
		);
		// Qwen2.5-1.5B's packed embedding is 117 MB; Qwen2.5-3B's 156 MB.
		expect(offer(limited.offers, 'qwen2.5-1.5b').fit.ok).toBe(true);
		expect(reasonOf(offer(limited.offers, 'qwen2.5-3b'))).toMatch(
			/largest block of weights \(156 MB\) is bigger than this GPU accepts in one buffer \(134 MB\)/
		);
		expect(offer(limited.offers, 'mistral-7b-v0.3').fit.ok).toBe(true);

		const tiny = assessDevice(env({ gpu: { ...desktopGpu, maxBufferSize: 128 * MiB } }));
		expect(tiny.offers.every((o) => !o.fit.ok)).toBe(true);
		expect(reasonOf(tiny.offers[0]!)).toMatch(/allows buffers of only 134 MB/);
		expect(tiny.recommended).toBeNull();
	});

	it('rules out downloads bigger than the free storage, unless already stored', () => {
		const storage = { quotaBytes: 2 * GB, usageBytes: 0.5 * GB };
		const result = assessDevice(env({ storage }));
		expect(offer(result.offers, 'qwen2.5-1.5b').fit.ok).toBe(true);
		expect(reasonOf(offer(result.offers, 'qwen2.5-3b'))).toBe(
			'Needs about 1.8 GB of storage; only 1.5 GB is free. ' +
				'Delete a downloaded model or free space on the device.'
		);
		const qwen3b = findModel('qwen2.5-3b')!.variants.f16.id;
		const stored = assessDevice(env({ storage }), CATALOG, { storedIds: new Set([qwen3b]) });
		expect(offer(stored.offers, 'qwen2.5-3b').fit.ok).toBe(true);
	});

	it('recommends the smallest general model on a software adapter', () => {
		const result = assessDevice(
			env({ gpu: swiftShader, storage: { quotaBytes: 12 * GB, usageBytes: 0 } })
		);
		expect(result.recommended?.model.key).toBe('smollm2-360m');
		expect(result.recommended?.fit.variant.precision).toBe('f32');
		const note = result.recommended?.fit.ok ? result.recommended.fit.note : '';
		expect(note).toContain('software GPU');
		expect(result.summary).toBe(
			'WebGPU on Google Swiftshader (software) · 32-bit floats only · at least 8 GB memory · 12 GB free'
		);
	});

	it('recommends the most capable general model that fits comfortably', () => {
		// 8 GB (capped): 40% ≈ 3277 MB, so the 3B models fit and Phi-3.5 mini (3672 MB) does not.
		expect(assessDevice(env()).recommended?.model.key).toBe('qwen2.5-3b');
		// Without f16 the 3B Qwen needs 2894 MB: still comfortable.
		expect(
			assessDevice(env({ gpu: { ...desktopGpu, shaderF16: false } })).recommended?.model.key
		).toBe('qwen2.5-3b');
		// 4 GB: 40% ≈ 1638 MB → Qwen2.5-1.5B (1630 MB) beats the smaller ones.
		expect(assessDevice(env({ deviceMemoryGB: 4 })).recommended?.model.key).toBe('qwen2.5-1.5b');
		// 2 GB: 40% ≈ 819 MB → only SmolLM2 (376 MB) is comfortable.
		expect(assessDevice(env({ deviceMemoryGB: 2 })).recommended?.model.key).toBe('smollm2-360m');
		// Never a vision or reasoning model, even when it is the only large one left.
		const special = CATALOG.filter(
			(m) => m.key === 'phi3.5-vision' || m.key.startsWith('deepseek')
		);
		const onlySpecial = assessDevice(env(), special);
		expect(onlySpecial.recommended?.model.key).toBe('deepseek-r1-distill-qwen-1.5b');
	});

	it('falls back to the smallest fitting model when none fits comfortably', () => {
		// 1 GB: hard limit ≈ 614 MB, comfort ≈ 410 MB: SmolLM2 f16 (376 MB) is comfortable...
		expect(assessDevice(env({ deviceMemoryGB: 1 })).recommended?.model.key).toBe('smollm2-360m');
		// ...its f32 build (580 MB) fits but is not comfortable, and is still the pick.
		const f32 = assessDevice(env({ deviceMemoryGB: 1, gpu: { ...desktopGpu, shaderF16: false } }));
		expect(f32.recommended?.model.key).toBe('smollm2-360m');
		expect(f32.offers.filter((o) => o.fit.ok).map((o) => o.model.key)).toEqual(['smollm2-360m']);
	});

	it('describes a hardware GPU in one line', () => {
		expect(
			assessDevice(
				env({ deviceMemoryGB: 4, storage: { quotaBytes: 60 * GB, usageBytes: 10 * GB } })
			).summary
		).toBe(
			'WebGPU on NVIDIA GeForce RTX 3060 · 16-bit floats supported · about 4 GB memory · 50 GB free'
		);
	});
});

describe('device helpers', () => {
	it('recognises software adapters by flag or by name', () => {
		expect(isSoftwareAdapter(swiftShader)).toBe(true);
		expect(
			isSoftwareAdapter({ webgpu: true, shaderF16: false, description: 'llvmpipe (LLVM 15)' })
		).toBe(true);
		expect(isSoftwareAdapter(desktopGpu)).toBe(false);
		expect(gpuName({ webgpu: true, shaderF16: false })).toBe('an unnamed GPU');
		expect(
			gpuName({ webgpu: true, shaderF16: false, vendor: 'apple', architecture: 'metal-3' })
		).toBe('Apple Metal-3');
	});

	it('parses parameter counts', () => {
		expect(parameterCount('360M')).toBe(360e6);
		expect(parameterCount('1.5B')).toBe(1.5e9);
		expect(parameterCount('big')).toBe(0);
	});
});

describe('readEnvironment', () => {
	it('adds device memory and the storage estimate to the GPU probe', async () => {
		const nav = {
			deviceMemory: 4,
			storage: { estimate: async () => ({ quota: 10 * GB, usage: 1 * GB }) } as StorageManager
		};
		expect(await readEnvironment(desktopGpu, nav)).toEqual({
			gpu: desktopGpu,
			deviceMemoryGB: 4,
			storage: { quotaBytes: 10 * GB, usageBytes: 1 * GB }
		});
	});

	it('leaves out what the browser will not say', async () => {
		const nav = {
			storage: {
				estimate: async () => {
					throw new Error('private mode');
				}
			} as unknown as StorageManager
		};
		expect(await readEnvironment(swiftShader, nav)).toEqual({ gpu: swiftShader });
		expect(await readEnvironment(swiftShader, {} as Pick<Navigator, 'storage'>)).toEqual({
			gpu: swiftShader
		});
	});
});
