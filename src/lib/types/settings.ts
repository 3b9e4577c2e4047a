import type { EngineKind } from '$lib/types/llm';

export type Theme = 'system' | 'light' | 'dark';

/** Which engine answers: `auto` walks the fallback chain (in-browser → Ollama → OpenAI-compatible). */
export type EnginePreference = 'auto' | EngineKind;

export interface Settings {
	ollamaUrl: string;
	/** Ollama model for new conversations; empty = first one the server lists. */
	model: string;
	/** OpenAI-compatible server (LM Studio, llama.cpp, vLLM); empty = not configured. */
	openaiUrl: string;
	/** Sent as a Bearer token to `openaiUrl` only; kept on this device. */
	openaiKey: string;
	/** OpenAI-compatible model for new conversations; empty = first one the server lists. */
	openaiModel: string;
	/** In-browser model (web-llm model id) for new conversations; empty = the recommended one. */
	webModel: string;
	/** Where in-browser model files come from (a mirror on the LAN works too). */
	modelBaseUrl: string;
	/** Where compiled model libraries (.wasm) come from. */
	modelLibBaseUrl: string;
	engine: EnginePreference;
	temperature: number;
	topP: number;
	maxTokens: number;
	systemPrompt: string;
	theme: Theme;
	autoTitle: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
	ollamaUrl: 'http://localhost:11434',
	model: '',
	openaiUrl: '',
	openaiKey: '',
	openaiModel: '',
	webModel: '',
	modelBaseUrl: 'https://huggingface.co/mlc-ai/',
	modelLibBaseUrl:
		'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/v0_2_86/base/',
	engine: 'auto',
	temperature: 0.7,
	topP: 0.95,
	maxTokens: 2048,
	systemPrompt: '',
	theme: 'system',
	autoTitle: true
};
