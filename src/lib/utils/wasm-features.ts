// What this browser's WebAssembly can do, for llama.cpp (wllama): SIMD and exception handling are
// required; JSPI and Memory64 pick the fast build over the compat one; SharedArrayBuffer (a
// cross-origin isolated page) allows more than one thread. The byte strings are the smallest
// modules using each feature (from wasm-feature-detect, Apache-2.0, as wllama itself checks).

const SIMD = new Uint8Array([
	0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
	253, 98, 11
]);
const EXCEPTIONS = new Uint8Array([
	0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 6, 64, 25, 11, 11
]);

export interface WasmFeatures {
	simd: boolean;
	exceptions: boolean;
	jspi: boolean;
	memory64: boolean;
	/** SharedArrayBuffer can be used: the page (or worker) is cross-origin isolated. */
	threads: boolean;
}

interface WasmLike {
	validate(bytes: BufferSource): boolean;
	Memory: new (descriptor: { initial: number | bigint; address?: 'i64' }) => unknown;
}

function validates(wasm: WasmLike, bytes: Uint8Array<ArrayBuffer>): boolean {
	try {
		return wasm.validate(bytes);
	} catch {
		return false;
	}
}

export function detectWasmFeatures(
	scope: { WebAssembly?: unknown; crossOriginIsolated?: boolean } = globalThis
): WasmFeatures {
	const wasm = scope.WebAssembly as WasmLike | undefined;
	if (!wasm)
		return { simd: false, exceptions: false, jspi: false, memory64: false, threads: false };
	let memory64 = false;
	try {
		new wasm.Memory({ initial: 1n, address: 'i64' });
		memory64 = true;
	} catch {
		memory64 = false;
	}
	return {
		simd: validates(wasm, SIMD),
		exceptions: validates(wasm, EXCEPTIONS),
		jspi: 'Suspending' in wasm,
		memory64,
		threads: scope.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined'
	};
}

/** Why llama.cpp cannot run here at all, or undefined when it can. */
export function wasmBlocker(features: WasmFeatures): string | undefined {
	if (!features.simd) return 'This browser’s WebAssembly has no SIMD, which llama.cpp needs.';
	if (!features.exceptions) {
		return 'This browser’s WebAssembly has no exception handling, which llama.cpp needs.';
	}
	return undefined;
}
