import { describe, expect, it } from 'vitest';
import { CATALOG } from '$lib/engine/catalog';
import {
	modelSeesByName,
	nameSuggestsVision,
	ollamaSees,
	ollamaVisionModels,
	visionModelsAmong,
	webLlmSees,
	type FetchLike
} from '$lib/vision/vision-models';

describe('nameSuggestsVision', () => {
	it.each([
		'llava:7b',
		'bakllava:latest',
		'llava-llama3:8b',
		'llama3.2-vision:11b',
		'qwen2.5vl:3b',
		'Qwen/Qwen2.5-VL-7B-Instruct',
		'qwen2-vl-2b-instruct',
		'gemma3:4b',
		'gemma3:27b-it-qat',
		'google/gemma-3-12b-it',
		'minicpm-v:8b',
		'moondream:latest',
		'granite3.2-vision:2b',
		'mistral-small3.1:24b',
		'pixtral-12b',
		'gpt-4o-mini'
	])('%s sees', (name) => expect(nameSuggestsVision(name)).toBe(true));

	it.each([
		'gemma3:1b',
		'gemma3:1b-it-qat',
		'gemma3:270m',
		'google/gemma-3-1b-it',
		'gemma3n:e4b',
		'llama3.2:1b',
		'qwen2.5:0.5b',
		'mistral-small:22b',
		'deepseek-r1:8b',
		'phi3.5:latest',
		'gemma2:9b'
	])('%s is blind', (name) => expect(nameSuggestsVision(name)).toBe(false));
});

describe('in-browser models', () => {
	it('follow the catalog, in both precisions', () => {
		const vision = CATALOG.find((m) => m.capabilities.includes('vision'));
		const blind = CATALOG.find((m) => !m.capabilities.includes('vision'));
		expect(vision).toBeDefined();
		for (const variant of Object.values(vision!.variants)) {
			expect(webLlmSees(variant.id)).toBe(true);
			expect(modelSeesByName('webllm', variant.id)).toBe(true);
		}
		expect(webLlmSees(blind!.variants.f16.id)).toBe(false);
		// A name alone does not count for web-llm: it refuses images for non-vision models.
		expect(webLlmSees('my-llava-MLC')).toBe(false);
	});

	it('lists the seeing models to offer a switch to', () => {
		const ids = CATALOG.map((m) => m.variants.f32.id);
		const seeing = visionModelsAmong('webllm', ids);
		expect(seeing.length).toBeGreaterThan(0);
		expect(seeing.every((id) => webLlmSees(id))).toBe(true);
		expect(visionModelsAmong('openai', ['gpt-4o', 'qwen2.5-0.5b-instruct'])).toEqual(['gpt-4o']);
	});
});

/** An Ollama /api/show double: each model's reply, or a thrown network error. */
function showServer(replies: Record<string, { status: number; body?: unknown } | 'down'>) {
	const asked: { url: string; model: string }[] = [];
	const fetchFn: FetchLike = async (url, init) => {
		const { model } = JSON.parse(String(init?.body)) as { model: string };
		asked.push({ url, model });
		const reply = replies[model];
		if (reply === 'down' || reply === undefined) throw new TypeError('Failed to fetch');
		return new Response(JSON.stringify(reply.body ?? {}), { status: reply.status });
	};
	return { fetchFn, asked };
}

describe('ollamaSees', () => {
	it('believes the capabilities Ollama lists over the name', async () => {
		const { fetchFn, asked } = showServer({
			'my-custom:latest': { status: 200, body: { capabilities: ['completion', 'vision'] } },
			'llava:7b': { status: 200, body: { capabilities: ['completion'] } }
		});
		expect(await ollamaSees('http://o:11434/', 'my-custom:latest', fetchFn)).toBe(true);
		expect(await ollamaSees('http://o:11434', 'llava:7b', fetchFn)).toBe(false);
		expect(asked[0]).toEqual({ url: 'http://o:11434/api/show', model: 'my-custom:latest' });
	});

	it('falls back to the name when show fails or is too old to list capabilities', async () => {
		const { fetchFn } = showServer({
			'llava:7b': { status: 404, body: { error: 'not found' } },
			'gemma3:4b': { status: 200, body: { modelfile: 'FROM x' } },
			'moondream:latest': 'down',
			'llama3.2:1b': 'down'
		});
		expect(await ollamaSees('http://o', 'llava:7b', fetchFn)).toBe(true);
		expect(await ollamaSees('http://o', 'gemma3:4b', fetchFn)).toBe(true);
		expect(await ollamaSees('http://o', 'moondream:latest', fetchFn)).toBe(true);
		expect(await ollamaSees('http://o', 'llama3.2:1b', fetchFn)).toBe(false);
	});

	it('stops when aborted instead of guessing', async () => {
		const controller = new AbortController();
		controller.abort();
		const fetchFn: FetchLike = (_url, init) =>
			Promise.reject(init?.signal?.reason ?? new Error('aborted'));
		// The abort itself comes back, not a guess and not some other failure.
		await expect(ollamaSees('http://o', 'llava', fetchFn, controller.signal)).rejects.toBe(
			controller.signal.reason
		);
	});

	it('finds the installed models that see, in their order', async () => {
		const { fetchFn } = showServer({
			a: { status: 200, body: { capabilities: ['completion'] } },
			b: { status: 200, body: { capabilities: ['vision', 'completion'] } },
			'llava:7b': 'down',
			d: { status: 200, body: { capabilities: ['completion', 'tools'] } },
			e: { status: 200, body: { capabilities: ['vision'] } }
		});
		expect(await ollamaVisionModels('http://o', ['a', 'b', 'llava:7b', 'd', 'e'], fetchFn)).toEqual(
			['b', 'llava:7b', 'e']
		);
	});
});
