import { findVariant } from '$lib/engine/catalog';
import { GGUF_PREFIX } from '$lib/engine/gguf-catalog';
import type { EngineKind } from '$lib/engine/types';

/**
 * True when the model's chat template opens the think block itself (DeepSeek-R1 distills put
 * `<think>\n` in the prompt), so its reply starts inside the reasoning. Safe when wrong: a reply
 * that opens its own block, or never closes one, is still split correctly.
 */
export function startsInReasoning(
	engine: EngineKind | undefined,
	model: string | undefined
): boolean {
	if (!model) return false;
	// GGUF models run in the browser too; their ids name the model (gguf:deepseek-r1-…).
	if (engine === 'webllm' && !model.startsWith(GGUF_PREFIX)) {
		return findVariant(model)?.model.capabilities.includes('reasoning') ?? false;
	}
	return /deepseek-r1/i.test(model);
}
