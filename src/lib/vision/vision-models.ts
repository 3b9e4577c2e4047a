import { CATALOG, findVariant, type CatalogModel } from '$lib/engine/catalog';
import { GGUF_PREFIX, ggufCatalogEntry } from '$lib/engine/gguf-catalog';
import type { EngineKind } from '$lib/types/llm';

// Whether a model can see images: the catalog says so for in-browser models; Ollama says so in
// /api/show's `capabilities` (0.6.4+); otherwise the name is the only clue.

/** Families that take images, as Ollama, LM Studio, llama.cpp and vLLM name them. */
const VISION_NAME_PATTERNS: readonly RegExp[] = [
	/llava/, // llava, bakllava, llava-llama3, llava-phi3
	/llama-?3\.2-?vision/,
	/llama-?4/,
	/qwen-?[23](?:\.5)?-?vl/, // qwen2-vl, qwen2.5vl, qwen2.5-vl, qwen3-vl
	/qwen-vl/,
	/minicpm-?v/,
	/moondream/,
	/granite-?3\.[23]-?vision/,
	/mistral-small-?3\.[12]/,
	/pixtral/,
	/phi-?3\.5-?vision/,
	/phi-?4-?multimodal/,
	/internvl/,
	/smolvlm/,
	/idefics/,
	/paligemma/,
	/gpt-4o|gpt-4\.1|gpt-5/,
	/(?:^|[/:_-])vision(?:$|[/:_-])/,
	/(?:^|[/:_-])vlm?(?:$|[/:_-])/
];

/** Gemma 3 sees, except its 270M and 1B sizes (text only); Gemma 3n does not in Ollama. */
function isSeeingGemma3(name: string): boolean {
	if (!/gemma-?3(?!n)/.test(name)) return false;
	return !/gemma-?3[:_-](?:270m|1b)(?:$|[^0-9a-z])/.test(name);
}

export function nameSuggestsVision(modelName: string): boolean {
	const name = modelName.toLowerCase();
	return isSeeingGemma3(name) || VISION_NAME_PATTERNS.some((p) => p.test(name));
}

/** An in-browser model's own catalog entry decides (web-llm rejects images for other models). */
export function webLlmSees(modelId: string, catalog: readonly CatalogModel[] = CATALOG): boolean {
	// A GGUF catalog model sees when it comes with its vision projector (mmproj).
	if (modelId.startsWith(GGUF_PREFIX)) {
		return ggufCatalogEntry(modelId.slice(GGUF_PREFIX.length))?.mmproj !== undefined;
	}
	return findVariant(modelId, catalog)?.model.capabilities.includes('vision') ?? false;
}

/** The answer that needs no network: catalog for web-llm, the name for servers. */
export function modelSeesByName(kind: EngineKind, model: string): boolean {
	return kind === 'webllm' ? webLlmSees(model) : nameSuggestsVision(model);
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Asks Ollama (`POST /api/show`) whether `model` lists the "vision" capability. Falls back to
 * the name when show fails or is too old to list capabilities; never throws except on abort.
 */
export async function ollamaSees(
	baseUrl: string,
	model: string,
	fetchFn: FetchLike,
	signal?: AbortSignal
): Promise<boolean> {
	try {
		const response = await fetchFn(`${baseUrl.replace(/\/+$/, '')}/api/show`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ model }),
			signal
		});
		if (response.ok) {
			const body: unknown = await response.json();
			const capabilities = capabilitiesOf(body);
			if (capabilities) return capabilities.includes('vision');
		}
	} catch (e) {
		if (signal?.aborted) throw e;
	}
	return nameSuggestsVision(model);
}

function capabilitiesOf(body: unknown): string[] | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const list = (body as { capabilities?: unknown }).capabilities;
	return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : undefined;
}

/** The seeing models among those installed (by name or catalog): what to offer a switch to. */
export function visionModelsAmong(kind: EngineKind, modelIds: readonly string[]): string[] {
	return modelIds.filter((id) => modelSeesByName(kind, id));
}

/** Ollama's seeing models, asking each one's /api/show (a few at a time). */
export async function ollamaVisionModels(
	baseUrl: string,
	modelIds: readonly string[],
	fetchFn: FetchLike,
	signal?: AbortSignal
): Promise<string[]> {
	const seen: boolean[] = [];
	const concurrency = 4;
	for (let at = 0; at < modelIds.length; at += concurrency) {
		const batch = modelIds.slice(at, at + concurrency);
		seen.push(...(await Promise.all(batch.map((id) => ollamaSees(baseUrl, id, fetchFn, signal)))));
	}
	return modelIds.filter((_, i) => seen[i]);
}
