import type { BrowserEngineKind } from '$lib/types/llm';

export type Theme = 'system' | 'light' | 'dark';

/**
 * Which engine answers: `auto` walks the fallback chain (in-browser → Ollama → OpenAI-compatible).
 * llama.cpp in Node is chosen by config.yaml's ai.engine, which the terminal alone reads.
 */
export type EnginePreference = 'auto' | BrowserEngineKind;

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
	/**
	 * Where GGUF models (llama.cpp in the browser) come from: Hugging Face, or any mirror laid out
	 * as `<repo>/resolve/main/<file>`.
	 */
	ggufBaseUrl: string;
	/** Where GGUF models run: `auto` is WebGPU on a real GPU, else the CPU. */
	ggufDevice: 'auto' | 'webgpu' | 'cpu';
	/** CPU threads for llama.cpp; 0 = chosen from the number of cores (needs isolation for >1). */
	ggufThreads: number;
	/** Tokens of context for GGUF models; 0 = the model's own, up to 4,096. */
	ggufContextSize: number;
	engine: EnginePreference;
	temperature: number;
	topP: number;
	maxTokens: number;
	systemPrompt: string;
	theme: Theme;
	autoTitle: boolean;

	// Tools and agents (agent issue). Flat fields: stored settings are merged over these defaults
	// one level deep, so a new tool or option always gets its default.
	/** Per tool name: on or off. A tool not listed uses its own default (`Tool.defaultEnabled`). */
	toolsEnabled: Partial<Record<string, boolean>>;
	/** Blocks every network request a tool would make (model downloads are separate). */
	offlineOnly: boolean;
	/** Which web search provider answers web_search. */
	searchProvider: 'wikipedia' | 'searxng';
	/** A SearXNG instance with the JSON format enabled; empty = not set up. */
	searxngUrl: string;
	/** Wikipedia's site (the language edition), used by web_search and as its fallback. */
	wikipediaUrl: string;
	/** Open-Meteo endpoints (no key needed; a self-hosted Open-Meteo works too). */
	openMeteoUrl: string;
	openMeteoGeocodingUrl: string;
	/** Hosts on a private network or loopback that fetch_page may read (e.g. "192.168.1.5:8080"). */
	allowedPrivateHosts: string[];
	/** Lets Python code use the network (off: fetch is removed inside the sandbox). */
	pythonNetwork: boolean;
	/** Wall-clock limit for one run_python call. */
	pythonTimeoutSeconds: number;
	/** Where extra Python packages (numpy, matplotlib) come from, asked for each time first. */
	pythonPackagesUrl: string;
	/** Most model steps (tool rounds) in one answer. */
	maxToolSteps: number;
	/** Most tool calls in one answer. */
	maxToolCalls: number;
	/** Pick an agent (code / research / task / chat) for each message automatically. */
	agentRouting: boolean;
	/** Per agent id: run a critique-and-revise pass (defaults on for research and code). */
	reflection: Partial<Record<string, boolean>>;
	/** Edited built-in agent prompts and the user's own agents (see agent/modes). */
	customAgents: CustomAgent[];

	// Knowledge and memory (knowledge issue).
	/** The embedding model for documents, memories and past conversations; '' = the default. */
	embeddingModel: string;
	/** Where embedding model files come from (a mirror of the Hugging Face hub works too). */
	embeddingHubUrl: string;
	/** Add relevant memories to each answer's system prompt. */
	useMemories: boolean;
	/** Propose durable facts from conversations, for the user to keep or discard. */
	proposeMemories: boolean;

	// Voice and vision (voice issue).
	/** Speech recognition: Whisper on this device, or the browser's own (may send audio away). */
	sttEngine: 'whisper' | 'browser';
	/** Whisper model id from voice/whisper-catalog; '' = the default. */
	sttModel: string;
	/** Spoken language (ISO 639-1, e.g. "en"); '' = detect (multilingual models only). */
	sttLanguage: string;
	/** speechSynthesis voice name; '' = the browser's default. */
	voiceName: string;
	/** 0.5–2 (1 = normal). */
	speechRate: number;
	/** 0–2 (1 = normal). */
	speechPitch: number;
	/** Read replies aloud in voice mode, sentence by sentence as they stream. */
	autoRead: boolean;
	/** Where Whisper model files come from (a mirror of the Hugging Face hub works too). */
	sttHubUrl: string;
	/** Longest side of an image sent to a model, in pixels (larger ones are downscaled). */
	imageMaxSide: number;
	/** Read the text of images on the device when the model cannot see them. */
	ocrFallback: boolean;

	// Evals and metrics.
	/** Record each answer's timings, tokens, tools and errors on this device for the dashboard. */
	recordMetrics: boolean;
}

/** An agent the user defined, or a built-in one whose prompt the user edited (same id). */
export interface CustomAgent {
	id: string;
	name: string;
	/** What it is for, in one line (shown in the picker). */
	description: string;
	systemPrompt: string;
	/** Few-shot examples placed before the conversation. */
	examples: { user: string; assistant: string }[];
	/** Tool names it may use; empty = none. */
	tools: string[];
	/** Preferred model ("engine:model"), empty = the conversation's. */
	model: string;
	chainOfThought: boolean;
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
	ggufBaseUrl: 'https://huggingface.co/',
	ggufDevice: 'auto',
	ggufThreads: 0,
	ggufContextSize: 0,
	engine: 'auto',
	temperature: 0.7,
	topP: 0.95,
	maxTokens: 2048,
	systemPrompt: '',
	theme: 'system',
	autoTitle: true,
	toolsEnabled: {},
	offlineOnly: false,
	searchProvider: 'wikipedia',
	searxngUrl: '',
	wikipediaUrl: 'https://en.wikipedia.org',
	openMeteoUrl: 'https://api.open-meteo.com',
	openMeteoGeocodingUrl: 'https://geocoding-api.open-meteo.com',
	allowedPrivateHosts: [],
	pythonNetwork: false,
	pythonTimeoutSeconds: 30,
	pythonPackagesUrl: 'https://cdn.jsdelivr.net/pyodide/v314.0.7/full/',
	maxToolSteps: 6,
	maxToolCalls: 10,
	agentRouting: true,
	reflection: {},
	customAgents: [],
	embeddingModel: '',
	embeddingHubUrl: 'https://huggingface.co/',
	useMemories: true,
	proposeMemories: true,
	sttEngine: 'whisper',
	sttModel: '',
	sttLanguage: 'en',
	voiceName: '',
	speechRate: 1,
	speechPitch: 1,
	autoRead: true,
	sttHubUrl: 'https://huggingface.co/',
	imageMaxSide: 1344,
	ocrFallback: true,
	recordMetrics: true
};
