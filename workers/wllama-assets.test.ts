import { afterEach, describe, expect, it } from 'vitest';
import { Wllama } from '@wllama/wllama';
import { NO_WLLAMA_STORAGE, useOwnCompat, wllamaAssets } from '$workers/wllama-assets';

// The real Wllama class, in a scope that looks like a worker of a browser without JSPI (Node 20's
// WebAssembly has none): the compat build it would load must come from our origin, never the CDN
// it defaults to.

const ORIGIN = 'http://127.0.0.1:4173';
const scope = globalThis as { self?: unknown; navigator?: unknown };
const saved = {
	self: scope.self,
	navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator')
};

afterEach(() => {
	scope.self = saved.self;
	if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
});

function workerLike(userAgent: string): void {
	scope.self = { location: { href: `${ORIGIN}/_app/immutable/workers/gguf.worker-x.js` } };
	Object.defineProperty(globalThis, 'navigator', {
		value: { userAgent, hardwareConcurrency: 2 },
		configurable: true
	});
}

describe('wllama’s files', () => {
	it('all come from our origin, the compat build included', () => {
		workerLike('Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15');
		const assets = wllamaAssets(ORIGIN);
		expect(assets).toEqual({
			wasm: `${ORIGIN}/wllama/wllama.wasm`,
			compat: {
				wasm: `${ORIGIN}/wllama/compat/wllama.wasm`,
				worker: `${ORIGIN}/wllama/compat/wllama.js`
			}
		});
		const defaults = new Wllama({ default: assets.wasm }, NO_WLLAMA_STORAGE);
		// Left alone, wllama would fetch its compat build from a CDN.
		expect(JSON.stringify(defaults.getWorkerResources())).toContain('cdn.jsdelivr.net');
		const ours = useOwnCompat(new Wllama({ default: assets.wasm }, NO_WLLAMA_STORAGE), assets);
		const resources = ours.getWorkerResources();
		expect(resources).toMatchObject({
			compat: true,
			wasmPath: assets.compat.wasm,
			jsPath: assets.compat.worker
		});
		expect(JSON.stringify(resources)).not.toMatch(/cdn|jsdelivr|https:/);
	});
});
