import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
	catalogBytes,
	catalogFiles,
	GGUF_CATALOG,
	ggufCatalogEntry
} from '$lib/engine/gguf-catalog';
import { WLLAMA_CACHE, WLLAMA_VERSION } from '$lib/engine/gguf';
import { WLLAMA_FILES, WLLAMA_PATH } from '$lib/protocol/gguf';

describe('the GGUF catalog', () => {
	it('offers every model the issue names, each with a default quantisation and its facts', () => {
		const names = GGUF_CATALOG.map((m) => m.name);
		for (const wanted of [
			'Qwen2.5 0.5B',
			'Qwen2.5 1.5B',
			'Qwen2.5 3B',
			'Qwen3 0.6B',
			'Qwen3 1.7B',
			'Qwen3 4B',
			'Llama 3.2 1B',
			'Llama 3.2 3B',
			'DeepSeek R1 Distill Qwen 1.5B',
			'SmolLM2 360M',
			'SmolLM2 1.7B',
			'Gemma 3 1B',
			'Phi-4 mini'
		]) {
			expect(
				names.some((n) => n.startsWith(wanted)),
				wanted
			).toBe(true);
		}
		for (const model of GGUF_CATALOG) {
			expect(model.model.file, model.key).toMatch(/\.gguf$/);
			expect(model.repo, model.key).toMatch(/^[\w.-]+\/[\w.-]+$/);
			expect(model.model.bytes, model.key).toBeGreaterThan(100e6);
			expect(model.contextWindow, model.key).toBeGreaterThanOrEqual(8192);
			expect(model.sizeSource.from.length, model.key).toBeGreaterThan(0);
			expect(model.model.file.toUpperCase(), model.key).toContain(model.quantization.toUpperCase());
		}
		expect(new Set(GGUF_CATALOG.map((m) => m.key)).size).toBe(GGUF_CATALOG.length);
	});

	it('lists downloads from smallest to largest, and knows which can see, reason and use tools', () => {
		const sizes = GGUF_CATALOG.map(catalogBytes);
		expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
		const vision = GGUF_CATALOG.filter((m) => m.capabilities.includes('vision'));
		expect(vision.length).toBeGreaterThan(0);
		for (const model of vision) {
			expect(model.mmproj, model.key).toBeDefined();
			expect(catalogFiles(model).at(-1)).toBe(model.mmproj);
		}
		expect(ggufCatalogEntry('deepseek-r1-distill-qwen-1.5b')?.capabilities).toContain('reasoning');
		expect(ggufCatalogEntry('qwen2.5-1.5b')?.capabilities).toContain('tools');
		expect(ggufCatalogEntry('nope')).toBeUndefined();
	});

	it('serves wllama’s files from the paths the worker asks for (vite.config.ts), all present', () => {
		const config = readFileSync(path.resolve('vite.config.ts'), 'utf8');
		expect(config).toContain(`urlPath: '${WLLAMA_PATH}'`);
		for (const name of Object.values(WLLAMA_FILES)) expect(config).toContain(`'${name}'`);
		// The page keeps the wasm in the service worker's own cache for it (gguf-runtime.ts).
		expect(config).toContain('cacheName: `hearth-wllama-${WLLAMA_VERSION}`');
		expect(WLLAMA_CACHE).toBe(`hearth-wllama-${WLLAMA_VERSION}`);
		expect(existsSync('node_modules/@wllama/wllama/esm/wasm/wllama.wasm')).toBe(true);
		expect(existsSync('node_modules/@wllama/wllama-compat/wasm/wllama.wasm')).toBe(true);
		expect(existsSync('node_modules/@wllama/wllama-compat/wasm/wllama.js')).toBe(true);
	});
});
