// Loads voy-search without bundler wasm support: import the wasm-bindgen glue dynamically (a
// static import would run top-level work before a worker sets onmessage), instantiate the .wasm
// bytes the caller supplies (a fetch from our own origin in the browser, a file read in Node),
// then wire the two together. One instance per JS realm: the glue keeps module-level state.
import type { Voy } from 'voy-search';
import { HearthError } from '$lib/types/errors';

export type VoyClass = typeof Voy;

/** Supplies voy_search_bg.wasm: a Response (streamed compile) or its bytes. */
export type VoyWasmSource = () => Promise<Response | ArrayBuffer | Uint8Array>;

let loading: Promise<VoyClass> | undefined;

async function instantiate(source: VoyWasmSource): Promise<VoyClass> {
	const glue = await import('voy-search/voy_search_bg.js');
	const imports = { './voy_search_bg.js': glue as unknown as WebAssembly.ModuleImports };
	const input = await source();
	if (input instanceof Response && !input.ok) {
		throw new Error(`voy_search_bg.wasm: HTTP ${input.status}`);
	}
	// Copying a Uint8Array gives it a plain ArrayBuffer, which compile() requires.
	const bytes =
		input instanceof Response
			? await input.arrayBuffer()
			: input instanceof Uint8Array
				? new Uint8Array(input)
				: input;
	const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), imports);
	glue.__wbg_set_wasm(instance.exports);
	return glue.Voy;
}

/** The Voy class, ready to use. Later calls reuse the first load (their source is ignored). */
export function loadVoy(source: VoyWasmSource): Promise<VoyClass> {
	loading ??= instantiate(source).catch((error: unknown) => {
		loading = undefined;
		throw new HearthError(
			'unknown',
			`The vector search engine (voy-search) could not start: ${error instanceof Error ? error.message : String(error)}`,
			{ cause: error }
		);
	});
	return loading;
}
