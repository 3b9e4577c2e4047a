import { describe, expect, it } from 'vitest';
import { storageFull } from '$lib/state/models-rows';

describe('storageFull', () => {
	it('offers the other stored models of either runtime, largest first', () => {
		const problem = storageFull({
			id: 'gguf:qwen2.5-1.5b',
			name: 'Qwen2.5 1.5B Instruct',
			neededBytes: 600_000_000,
			stored: [
				{ id: 'gguf:smollm2-360m', name: 'SmolLM2 360M Instruct', bytes: 386_000_000 },
				{ id: 'gguf:qwen2.5-1.5b', name: 'Qwen2.5 1.5B Instruct', bytes: 400_000_000 },
				{ id: 'Llama-3.2-1B-Instruct-q4f16_1-MLC', name: 'Llama 3.2 1B', bytes: 880_000_000 },
				{ id: 'gone', name: 'Nothing left', bytes: 0 }
			]
		});
		expect(problem.suggestions.map((s) => s.id)).toEqual([
			'Llama-3.2-1B-Instruct-q4f16_1-MLC',
			'gguf:smollm2-360m'
		]);
		expect(problem.neededBytes).toBe(600_000_000);
		expect(problem.message).toMatch(/Qwen2\.5 1\.5B Instruct .*more is needed.*Delete a model/);
	});

	it('asks to free space on the device when nothing else is stored', () => {
		const problem = storageFull({ id: 'a', name: 'A', neededBytes: 10, stored: [] });
		expect(problem.suggestions).toEqual([]);
		expect(problem.message).toMatch(/Free up space on this device/);
	});
});
