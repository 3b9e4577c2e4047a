import { OllamaEngine } from '$lib/engine/ollama';
import type { EngineKind, LlmEngine, ModelInfo } from '$lib/engine/types';
import type { Settings } from '$lib/types/settings';

export interface EngineFactoryDeps {
	/** The in-browser engine; absent where there is no worker support (Node tests). */
	webllm?: () => LlmEngine;
	/** The in-browser model to prefer when the user chose none (the recommended one). */
	preferredWebModel?: (installed: ModelInfo[]) => string | null;
}

/** Builds each kind of engine from the settings; see EngineState for the order they are tried. */
export function createEngineFactory(deps: EngineFactoryDeps = {}) {
	return {
		create(kind: EngineKind, settings: Settings): LlmEngine | null {
			if (kind === 'ollama') return new OllamaEngine({ baseUrl: settings.ollamaUrl });
			if (kind === 'webllm') return deps.webllm?.() ?? null;
			return null;
		},
		key(kind: EngineKind, settings: Settings): string {
			if (kind === 'ollama') return settings.ollamaUrl;
			if (kind === 'openai') return `${settings.openaiUrl}\n${settings.openaiKey}`;
			return 'webllm';
		},
		preferredModel(kind: EngineKind, models: ModelInfo[]): string | null {
			if (kind === 'webllm') return deps.preferredWebModel?.(models) ?? null;
			return null;
		}
	};
}
