import type { ConfigInput, HearthConfig } from '$lib/config/config-schema';
import type { Settings } from '$lib/types/settings';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

// config.yaml ⇄ Settings. The web app's settings and the terminal's config are one thing written
// two ways: these two functions are the only mapping, so an import and an export round-trip.

/** The tools each `features` switch turns on or off. */
export const FEATURE_TOOLS = {
	web_search: ['web_search', 'fetch_page'],
	code_execution: ['run_python'],
	file_operations: ['list_files', 'find_files', 'read_file', 'write_file', 'create_file'],
	run_commands: ['run_command']
} as const satisfies Partial<Record<keyof HearthConfig['features'], readonly string[]>>;

type FeatureName = keyof typeof FEATURE_TOOLS;

const DEFAULT_LLAMACPP: HearthConfig['engines']['llamacpp'] = {
	models_dir: '',
	threads: 'auto',
	context_size: 0
};
const DEFAULT_FILES: HearthConfig['files'] = { allowed_folders: [], writable: false };
const DEFAULT_COMMANDS: HearthConfig['commands'] = {
	allow: [],
	timeout_seconds: 120,
	max_output_bytes: 1024 * 1024
};
const DEFAULT_SERVER: HearthConfig['server'] = {
	host: '127.0.0.1',
	port: 4174,
	allow_remote: false,
	cors_origins: [],
	max_body_bytes: 1024 * 1024,
	rate_limit_per_minute: 60,
	side_effect_tools: false
};

/** Every default, drawn from the web app's defaults where the two share a setting. */
export function defaultConfig(base: Settings = DEFAULT_SETTINGS): HearthConfig {
	return configFromSettings(base, {});
}

/** A parsed config with every missing key filled from `defaults`. */
export function completeConfig(input: ConfigInput, defaults = defaultConfig()): HearthConfig {
	return {
		ai: { ...defaults.ai, ...input.ai },
		engines: {
			ollama: { ...defaults.engines.ollama, ...input.engines?.ollama },
			openai: { ...defaults.engines.openai, ...input.engines?.openai },
			llamacpp: { ...defaults.engines.llamacpp, ...input.engines?.llamacpp }
		},
		voice: { ...defaults.voice, ...input.voice },
		features: { ...defaults.features, ...input.features },
		memory: { ...defaults.memory, ...input.memory },
		knowledge: { ...defaults.knowledge, ...input.knowledge },
		files: { ...defaults.files, ...input.files },
		commands: {
			...defaults.commands,
			...input.commands,
			allow: (input.commands?.allow ?? defaults.commands.allow).map((c) => ({ ...c }))
		},
		server: { ...defaults.server, ...input.server }
	};
}

function featureOn(settings: Settings, feature: FeatureName): boolean {
	return FEATURE_TOOLS[feature].every((tool) => settings.toolsEnabled[tool] !== false);
}

/**
 * The config as Settings: what the config says wins, the rest of `base` is kept (the web app
 * imports a config over its current settings). The model goes where the chosen engine reads it.
 */
export function settingsFromConfig(
	config: HearthConfig,
	base: Settings = DEFAULT_SETTINGS
): Settings {
	const { ai, engines, voice, features, memory, knowledge } = config;
	const toolsEnabled = { ...base.toolsEnabled };
	for (const [feature, tools] of Object.entries(FEATURE_TOOLS) as [
		FeatureName,
		readonly string[]
	][]) {
		for (const tool of tools) toolsEnabled[tool] = features[feature];
	}
	const engine = ai.engine === 'ollama' || ai.engine === 'openai' ? ai.engine : base.engine;
	return {
		...base,
		engine: ai.engine === 'auto' ? 'auto' : engine,
		ollamaUrl: engines.ollama.url,
		model: ai.engine === 'ollama' && ai.model ? ai.model : engines.ollama.model,
		openaiUrl: engines.openai.url,
		openaiKey: engines.openai.api_key,
		openaiModel: ai.engine === 'openai' && ai.model ? ai.model : engines.openai.model,
		temperature: ai.temperature,
		topP: ai.top_p,
		maxTokens: ai.max_tokens,
		systemPrompt: ai.system_prompt,
		autoTitle: ai.auto_title,
		sttEngine: voice.stt_engine,
		sttModel: voice.stt_model,
		sttLanguage: voice.language,
		voiceName: voice.voice,
		speechRate: voice.rate,
		speechPitch: voice.pitch,
		autoRead: voice.auto_read,
		toolsEnabled,
		offlineOnly: features.offline_only,
		searchProvider: features.search_provider,
		searxngUrl: features.searxng_url,
		allowedPrivateHosts: [...features.allowed_private_hosts],
		pythonNetwork: features.python_network,
		pythonTimeoutSeconds: features.python_timeout_seconds,
		maxToolSteps: features.max_tool_steps,
		maxToolCalls: features.max_tool_calls,
		agentRouting: features.agent_routing,
		useMemories: memory.use_memories,
		proposeMemories: memory.propose_memories,
		embeddingModel: knowledge.embedding_model
	};
}

/** What only the config has (terminal and API options), kept when settings are written back. */
export interface ConfigOnly {
	ai?: Partial<Pick<HearthConfig['ai'], 'engine' | 'model'>>;
	engines?: { llamacpp?: HearthConfig['engines']['llamacpp'] };
	features?: Partial<Pick<HearthConfig['features'], 'run_commands'>>;
	memory?: Partial<Pick<HearthConfig['memory'], 'save_history' | 'max_history'>>;
	knowledge?: Partial<Pick<HearthConfig['knowledge'], 'models_dir'>>;
	files?: HearthConfig['files'];
	commands?: HearthConfig['commands'];
	server?: HearthConfig['server'];
}

/**
 * Settings as a config (the web app's export, or a first config file). `rest` supplies what
 * settings do not hold; the web app's engine names its model in the engine's own field.
 */
export function configFromSettings(settings: Settings, rest: ConfigOnly): HearthConfig {
	const engine = rest.ai?.engine ?? (settings.engine === 'webllm' ? 'auto' : settings.engine);
	const modelOf = (kind: typeof engine) =>
		kind === 'ollama' ? settings.model : kind === 'openai' ? settings.openaiModel : '';
	return {
		ai: {
			engine,
			model: rest.ai?.model ?? modelOf(engine),
			temperature: settings.temperature,
			top_p: settings.topP,
			max_tokens: settings.maxTokens,
			system_prompt: settings.systemPrompt,
			auto_title: settings.autoTitle
		},
		engines: {
			ollama: { url: settings.ollamaUrl, model: settings.model },
			openai: { url: settings.openaiUrl, api_key: settings.openaiKey, model: settings.openaiModel },
			llamacpp: { ...(rest.engines?.llamacpp ?? DEFAULT_LLAMACPP) }
		},
		voice: {
			stt_engine: settings.sttEngine,
			stt_model: settings.sttModel,
			language: settings.sttLanguage,
			voice: settings.voiceName,
			rate: settings.speechRate,
			pitch: settings.speechPitch,
			auto_read: settings.autoRead
		},
		features: {
			web_search: featureOn(settings, 'web_search'),
			code_execution: featureOn(settings, 'code_execution'),
			file_operations: featureOn(settings, 'file_operations'),
			run_commands: rest.features?.run_commands ?? featureOn(settings, 'run_commands'),
			offline_only: settings.offlineOnly,
			search_provider: settings.searchProvider,
			searxng_url: settings.searxngUrl,
			allowed_private_hosts: [...settings.allowedPrivateHosts],
			python_network: settings.pythonNetwork,
			python_timeout_seconds: settings.pythonTimeoutSeconds,
			max_tool_steps: settings.maxToolSteps,
			max_tool_calls: settings.maxToolCalls,
			agent_routing: settings.agentRouting
		},
		memory: {
			save_history: rest.memory?.save_history ?? true,
			max_history: rest.memory?.max_history ?? 0,
			use_memories: settings.useMemories,
			propose_memories: settings.proposeMemories
		},
		knowledge: {
			embedding_model: settings.embeddingModel,
			models_dir: rest.knowledge?.models_dir ?? ''
		},
		files: { ...(rest.files ?? DEFAULT_FILES) },
		commands: { ...(rest.commands ?? DEFAULT_COMMANDS) },
		server: { ...(rest.server ?? DEFAULT_SERVER) }
	};
}
