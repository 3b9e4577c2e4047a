import { OllamaEngine } from '$lib/engine/ollama';
import type { LlmEngine } from '$lib/engine/types';
import type { Settings } from '$lib/types/settings';

/** The engine for the current settings. WebLLM and OpenAI-compatible engines join here. */
export function createEngine(settings: Pick<Settings, 'ollamaUrl'>): LlmEngine {
	return new OllamaEngine({ baseUrl: settings.ollamaUrl });
}
