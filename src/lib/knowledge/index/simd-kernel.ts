// Loads the WebAssembly SIMD dot-product kernel once per thread, or reports that this runtime can't
// run it (no WebAssembly, no SIMD, or a policy that forbids compiling), so callers fall back to JS.
import { base64ToBytes } from '$lib/utils/base64';
import { KERNEL_WASM_BASE64 } from './simd-wasm';

/** One kernel instance bound to one memory: dots_f32 (see simd-kernel-source.ts). */
export interface DotKernel {
	dotsF32(rows: number, query: number, out: number, count: number, strideBytes: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel, or undefined when SIMD is unavailable. The module itself is the feature
 * test: it is a few hundred bytes of v128 code, so validating it is validating SIMD. Compiled
 * synchronously, which browsers allow on the main thread below 4 KB.
 */
export function kernelModule(): WebAssembly.Module | undefined {
	if (compiled === undefined) {
		try {
			const bytes = base64ToBytes(KERNEL_WASM_BASE64);
			compiled =
				typeof WebAssembly === 'object' && WebAssembly.validate(bytes)
					? new WebAssembly.Module(bytes)
					: null;
		} catch {
			// A CSP without 'wasm-unsafe-eval' throws here: the JS scan still works.
			compiled = null;
		}
	}
	return compiled ?? undefined;
}

/** An instance working in `memory` (at least one page), or undefined without SIMD. */
export function createDotKernel(memory: WebAssembly.Memory): DotKernel | undefined {
	const module = kernelModule();
	if (!module) return undefined;
	const { exports } = new WebAssembly.Instance(module, { env: { memory } });
	return { dotsF32: exports.dots_f32 as DotKernel['dotsF32'] };
}
