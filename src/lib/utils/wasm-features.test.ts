import { describe, expect, it } from 'vitest';
import { detectWasmFeatures, wasmBlocker } from '$lib/utils/wasm-features';

describe('detectWasmFeatures', () => {
	it('reads what this runtime’s WebAssembly can do, and threads only when isolated', () => {
		const here = detectWasmFeatures({ WebAssembly, crossOriginIsolated: false });
		// Node 20's V8 has SIMD and exception handling, as every browser llama.cpp runs in.
		expect(here).toMatchObject({ simd: true, exceptions: true, threads: false });
		expect(wasmBlocker(here)).toBeUndefined();
		expect(detectWasmFeatures({ WebAssembly, crossOriginIsolated: true }).threads).toBe(true);
	});

	it('says why llama.cpp cannot run without WebAssembly, SIMD or exceptions', () => {
		const none = detectWasmFeatures({});
		expect(none).toEqual({
			simd: false,
			exceptions: false,
			jspi: false,
			memory64: false,
			threads: false
		});
		expect(wasmBlocker(none)).toContain('SIMD');
		const noSimd = detectWasmFeatures({
			WebAssembly: { validate: () => false, Memory: WebAssembly.Memory }
		});
		expect(wasmBlocker(noSimd)).toContain('SIMD');
		expect(
			wasmBlocker({ simd: true, exceptions: false, jspi: true, memory64: true, threads: true })
		).toContain('exception handling');
	});
});
