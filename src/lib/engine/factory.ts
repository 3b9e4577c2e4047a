import { OllamaEngine } from '$lib/engine/ollama';
import { OpenAiEngine } from '$lib/engine/openai';
import { withRetry, type RetryInfo } from '$lib/engine/retry';
import type { EngineKind, LlmEngine, ModelInfo } from '$lib/engine/types';
import type { Settings } from '$lib/types/settings';

export interface EngineFactoryDeps {
	/** The in-browser engine; null or absent where it cannot run (no WebGPU, Node tests). */
	webllm?: () => LlmEngine | null;
	/** The in-browser model to prefer when the user chose none (the recommended one). */
	preferredWebModel?: (installed: ModelInfo[]) => string | null;
	/** A server call failed before any text and will be tried again (the UI says so). */
	onRetry?: (info: RetryInfo, label: string) => void;
	/** Ollama's presence checks go through this (a worker's fetch in the browser: quiet-fetch.ts). */
	probeFetch?: typeof fetch;
	/** Test hook: waits between retries without real time passing. */
	retryDelay?: { baseDelayMs: number; maxDelayMs: number };
}

/** Builds each kind of engine from the settings; see EngineState for the order they are tried. */
export function createEngineFactory(deps: EngineFactoryDeps = {}) {
	// Servers get retries with backoff before the first token; the in-browser engine does its own
	// recovery (a restarted worker), so it is not wrapped.
	const server = (engine: LlmEngine): LlmEngine =>
		withRetry(engine, {
			...deps.retryDelay,
			onRetry: (info) => deps.onRetry?.(info, engine.label)
		});
	return {
		create(kind: EngineKind, settings: Settings): LlmEngine | null {
			if (kind === 'ollama')
				return server(
					new OllamaEngine({ baseUrl: settings.ollamaUrl, probeFetch: deps.probeFetch })
				);
			if (kind === 'openai') {
				if (!settings.openaiUrl) return null;
				return server(
					new OpenAiEngine({ baseUrl: settings.openaiUrl, apiKey: settings.openaiKey || undefined })
				);
			}
			return deps.webllm?.() ?? null;
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
