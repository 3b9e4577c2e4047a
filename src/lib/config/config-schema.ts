import * as v from 'valibot';
import { SETTING_BOUNDS } from '$lib/types/setting-bounds';
import type { Bound } from '$lib/types/setting-bounds';

// The shape of config.yaml (the roadmap's ai / voice / features / memory, plus what Hearth needs
// to run outside a browser). Every section and key is optional: a missing one takes the default,
// so a one-line file is a valid config. Unknown keys are errors, so a typo is not ignored.

function within(bound: Bound) {
	const message = `must be ${bound.integer ? 'a whole number' : 'a number'} between ${bound.min} and ${bound.max}`;
	const base = v.pipe(
		v.number(message),
		v.minValue(bound.min, message),
		v.maxValue(bound.max, message)
	);
	return bound.integer ? v.pipe(base, v.integer(message)) : base;
}

const text = (what = 'text') => v.string(`must be ${what} (quote it if it looks like a number)`);
const flag = v.boolean('must be true or false');
const wholeNumber = (min: number, max: number) => within({ min, max, integer: true });
const list = (what: string) => v.array(text(what), `must be a list of ${what}s`);

/** Engines a config may choose; `auto` walks the chain (llama.cpp file → Ollama → OpenAI-compatible). */
export const CONFIG_ENGINES = ['auto', 'llamacpp', 'ollama', 'openai'] as const;
export type ConfigEngine = (typeof CONFIG_ENGINES)[number];

/** llama.cpp threads: a count, or `auto` (the terminal picks from the core count and says so). */
const threads = v.union(
	[v.literal('auto'), wholeNumber(1, 256)],
	'must be auto or a whole number between 1 and 256'
);

const AiSection = v.strictObject({
	engine: v.picklist(CONFIG_ENGINES, `must be one of ${CONFIG_ENGINES.join(', ')}`),
	/** A model name for the chosen engine, or the path of a .gguf file (llama.cpp). */
	model: text(),
	temperature: within(SETTING_BOUNDS.temperature),
	top_p: within(SETTING_BOUNDS.topP),
	max_tokens: within(SETTING_BOUNDS.maxTokens),
	system_prompt: text(),
	auto_title: flag
});

const EnginesSection = v.strictObject({
	ollama: v.strictObject({ url: text('an address'), model: text() }),
	openai: v.strictObject({ url: text('an address'), api_key: text(), model: text() }),
	llamacpp: v.strictObject({
		/** Folder GGUF models are downloaded into; '' = the data folder's models/. */
		models_dir: text('a folder'),
		threads,
		/** Context window in tokens; 0 = the model's own (capped by memory). */
		context_size: wholeNumber(0, 1_048_576)
	})
});

const VoiceSection = v.strictObject({
	stt_engine: v.picklist(['whisper', 'browser'], 'must be whisper or browser'),
	stt_model: text(),
	language: text(),
	voice: text(),
	rate: within(SETTING_BOUNDS.speechRate),
	pitch: within(SETTING_BOUNDS.speechPitch),
	auto_read: flag
});

const FeaturesSection = v.strictObject({
	web_search: flag,
	code_execution: flag,
	file_operations: flag,
	/** Run commands in a terminal (run_command); each run still asks unless allowlisted. */
	run_commands: flag,
	offline_only: flag,
	search_provider: v.picklist(['wikipedia', 'searxng'], 'must be wikipedia or searxng'),
	searxng_url: text('an address'),
	/** Hosts on a private network or loopback that fetch_page may read ("192.168.1.5:8080"). */
	allowed_private_hosts: list('host'),
	python_network: flag,
	python_timeout_seconds: within(SETTING_BOUNDS.pythonTimeoutSeconds),
	max_tool_steps: within(SETTING_BOUNDS.maxToolSteps),
	max_tool_calls: within(SETTING_BOUNDS.maxToolCalls),
	agent_routing: flag
});

const MemorySection = v.strictObject({
	/** Keep conversations on disk; off = the terminal forgets each one when it ends. */
	save_history: flag,
	/** Most conversations kept (the oldest unpinned ones go first); 0 = no limit. */
	max_history: wholeNumber(0, 10_000_000),
	use_memories: flag,
	propose_memories: flag
});

const KnowledgeSection = v.strictObject({
	/** The embedding model for documents and memories (a catalog id); '' = the default. */
	embedding_model: text(),
	/**
	 * The terminal's embedding models, in the hub's layout (<folder>/<owner>/<name>/…); '' = the
	 * data folder's embeddings/. The terminal never downloads one by itself.
	 */
	models_dir: text('a folder')
});

const FilesSection = v.strictObject({
	/** Folders the file tools may read (and, each time asked, write); `~` is the home folder. */
	allowed_folders: list('folder'),
	writable: flag
});

/** One allowlisted command: its exact argv, or an argv prefix when `prefix` is true. */
const AllowedCommand = v.strictObject({
	argv: v.pipe(list('argument'), v.minLength(1, 'must name the program at least')),
	prefix: v.optional(flag, false),
	/** Where it may run; absent = any allowed folder. */
	cwd: v.optional(text('a folder'))
});

const CommandsSection = v.strictObject({
	/** Commands that run without asking: an exact argv, or a declared prefix. Never a shell string. */
	allow: v.array(AllowedCommand, 'must be a list of commands, each with argv: [program, args…]'),
	timeout_seconds: wholeNumber(1, 86_400),
	/** Most output kept per run, in bytes (the rest is cut, head and tail kept). */
	max_output_bytes: wholeNumber(1024, 256 * 1024 * 1024)
});

const ServerSection = v.strictObject({
	/** Loopback unless `allow_remote` is true. */
	host: text('an address'),
	port: wholeNumber(0, 65_535),
	allow_remote: flag,
	/** Origins allowed by CORS; empty = closed. */
	cors_origins: list('origin'),
	max_body_bytes: wholeNumber(1024, 512 * 1024 * 1024),
	/** Requests per minute per token; 0 = no limit. */
	rate_limit_per_minute: wholeNumber(0, 1_000_000),
	/** Tools that change something run through the API only when this is true. */
	side_effect_tools: flag
});

export const ConfigSchema = v.strictObject({
	ai: v.optional(v.partial(AiSection)),
	engines: v.optional(
		v.partial(
			v.strictObject({
				ollama: v.optional(v.partial(EnginesSection.entries.ollama)),
				openai: v.optional(v.partial(EnginesSection.entries.openai)),
				llamacpp: v.optional(v.partial(EnginesSection.entries.llamacpp))
			})
		)
	),
	voice: v.optional(v.partial(VoiceSection)),
	features: v.optional(v.partial(FeaturesSection)),
	memory: v.optional(v.partial(MemorySection)),
	knowledge: v.optional(v.partial(KnowledgeSection)),
	files: v.optional(v.partial(FilesSection)),
	commands: v.optional(v.partial(CommandsSection)),
	server: v.optional(v.partial(ServerSection))
});

/** config.yaml as written: any part may be missing. */
export type ConfigInput = v.InferOutput<typeof ConfigSchema>;

/** config.yaml with every default filled in: what the faces read. */
export interface HearthConfig {
	ai: v.InferOutput<typeof AiSection>;
	engines: {
		ollama: v.InferOutput<typeof EnginesSection.entries.ollama>;
		openai: v.InferOutput<typeof EnginesSection.entries.openai>;
		llamacpp: v.InferOutput<typeof EnginesSection.entries.llamacpp>;
	};
	voice: v.InferOutput<typeof VoiceSection>;
	features: v.InferOutput<typeof FeaturesSection>;
	memory: v.InferOutput<typeof MemorySection>;
	knowledge: v.InferOutput<typeof KnowledgeSection>;
	files: v.InferOutput<typeof FilesSection>;
	commands: v.InferOutput<typeof CommandsSection>;
	server: v.InferOutput<typeof ServerSection>;
}

export type AllowedCommandConfig = v.InferOutput<typeof AllowedCommand>;
