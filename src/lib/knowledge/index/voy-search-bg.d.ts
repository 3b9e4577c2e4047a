// Types for voy-search's wasm-bindgen glue, which the package ships without a declaration. We
// import the glue directly (not the package entry, whose `import * from '.wasm'` needs bundler
// wasm support) and hand it the instantiated module ourselves: see voy-loader.ts.
declare module 'voy-search/voy_search_bg.js' {
	export * from 'voy-search';
	export function __wbg_set_wasm(exports: WebAssembly.Exports): void;
}
