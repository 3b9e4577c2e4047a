import { findVariant } from '$lib/engine/catalog';
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
	if (engine === 'webllm') {
		return findVariant(model)?.model.capabilities.includes('reasoning') ?? false;
	}
	return /deepseek-r1/i.test(model);
}
