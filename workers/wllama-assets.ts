import { WLLAMA_FILES, WLLAMA_PATH } from '$lib/protocol/gguf';

// Where wllama gets its wasm, and its compat build (no JSPI or Memory64: Safari, older
// browsers): always from our own origin. wllama's default compat resources point at a CDN; a
// Wllama is configured here right after it is made, before anything loads.

export interface WllamaAssets {
	/** The main build, for `new Wllama({ default })`. */
	wasm: string;
	compat: { wasm: string; worker: string };
}

export function wllamaAssets(origin: string): WllamaAssets {
	const url = (name: string): string => new URL(`${WLLAMA_PATH}${name}`, origin).href;
	return {
		wasm: url(WLLAMA_FILES.wasm),
		compat: { wasm: url(WLLAMA_FILES.compatWasm), worker: url(WLLAMA_FILES.compatWorker) }
	};
}

/** The part of Wllama this configures. */
export interface CompatConfigurable {
	setCompat(compat: { wasm: string; worker: string } | null): void;
}

/** Points a new Wllama's compat build at our origin (replacing the CDN it defaults to). */
export function useOwnCompat<T extends CompatConfigurable>(wllama: T, assets: WllamaAssets): T {
	wllama.setCompat(assets.compat);
	return wllama;
}

/**
 * Hearth downloads and stores models itself (GgufStore) and hands wllama Blobs, so wllama's own
 * cache and model managers are never used; passing these keeps it from looking for a storage
 * backend (OPFS) it does not need, which some browsers refuse in private windows.
 */
export const NO_WLLAMA_STORAGE = {
	cacheManager: {} as never,
	modelManager: {} as never
};
