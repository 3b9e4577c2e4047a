import type { GenerationOptions } from '$lib/types/llm';
import type { Settings } from '$lib/types/settings';

/** A numeric setting's range (inclusive), and whether it takes whole numbers only. */
export interface Bound {
	min: number;
	max: number;
	integer: boolean;
}

type NumericKey = {
	[K in keyof Settings]-?: Settings[K] extends number ? K : never;
}[keyof Settings];

/**
 * The one place numeric settings get their ranges: the controls that set them and the backup
 * schema that reads them back both use these, so a value one accepts the other does too.
 */
export const SETTING_BOUNDS = {
	temperature: { min: 0, max: 2, integer: false },
	topP: { min: 0, max: 1, integer: false },
	// Long enough for any model's whole window; a conversation may ask for up to this as well.
	maxTokens: { min: 1, max: 131072, integer: true },
	pythonTimeoutSeconds: { min: 1, max: 600, integer: true },
	maxToolSteps: { min: 1, max: 20, integer: true },
	maxToolCalls: { min: 1, max: 50, integer: true },
	speechRate: { min: 0.5, max: 2, integer: false },
	speechPitch: { min: 0, max: 2, integer: false },
	imageMaxSide: { min: 256, max: 4096, integer: true },
	// 0 means automatic for both.
	ggufThreads: { min: 0, max: 64, integer: true },
	ggufContextSize: { min: 0, max: 131072, integer: true }
} as const satisfies Record<NumericKey, Bound>;

/** A conversation's own generation options share the settings' ranges (the seed is any integer). */
export const OPTION_BOUNDS = {
	temperature: SETTING_BOUNDS.temperature,
	topP: SETTING_BOUNDS.topP,
	maxTokens: SETTING_BOUNDS.maxTokens
} as const satisfies Record<Exclude<keyof GenerationOptions, 'stop' | 'seed'>, Bound>;

/** How many stop sequences a conversation may set. */
export const MAX_STOP_SEQUENCES = 16;

/** `value` brought into `bound` (rounded first when the bound takes whole numbers). */
export function clampTo(bound: Bound, value: number): number {
	const v = bound.integer ? Math.round(value) : value;
	return Math.min(bound.max, Math.max(bound.min, v));
}
