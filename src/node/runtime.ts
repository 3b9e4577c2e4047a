// The composition root for Node: the terminal (src/cli) and the API server build everything from
// here, so both run the same ConversationService over the same store, engines, tools and
// memories as each other, and the same core as the web app.
import path from 'node:path';
import type { HearthConfig } from '$lib/config/config-schema';
import { configFromSettings, settingsFromConfig } from '$lib/config/config-settings';
import type { MemoryHooks, ToolApprovals, TurnTools } from '$lib/conversation/ports';
import { ConversationService } from '$lib/conversation/service';
import { MemoryRepository } from '$lib/memory/memory-repo';
import { MemoryProposer } from '$lib/memory/proposer';
import { ConversationRecall } from '$lib/memory/recall';
import { relevantMemoryBlock } from '$lib/memory/relevance';
import { localTimeZone } from '$lib/time/zones';
import { createMemoryTools } from '$lib/tools/memory-tools';
import { createNetFetch, type LedgerFetch } from '$lib/net/ledger';
import type { HtmlParser } from '$lib/net/readable';
import { WHEN_NO_REPL_RUNS } from '$lib/reminders/format';
import type { ReminderNotifier } from '$lib/reminders/notifier';
import { ReminderScheduler } from '$lib/reminders/scheduler';
import { ReminderStore } from '$lib/reminders/store';
import { calculatorTool } from '$lib/tools/calculator';
import { createDateTimeTools } from '$lib/tools/datetime';
import { createFetchPageTool } from '$lib/tools/fetch-page';
import { createFileTools } from '$lib/tools/files';
import { createRunPythonTool } from '$lib/tools/python';
import { createRegistry, type ToolRegistry } from '$lib/tools/registry';
import { createReminderTools } from '$lib/tools/reminders';
import type { AnyTool } from '$lib/tools/types';
import { weatherTool } from '$lib/tools/weather';
import { webSearchTool } from '$lib/tools/web-search';
import type { Reminder } from '$lib/types/agent-data';
import type { Memory } from '$lib/types/knowledge';
import type { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type CustomAgent, type Settings } from '$lib/types/settings';
import { BUILT_IN_AGENTS } from '$lib/agent/agents';
import { TOOL } from '$lib/agent/prompts';
import type { ToolCallRecord } from '$lib/types/tools';
import { loadConfig, type LoadedConfig } from './config-file';
import { NodeEngineChooser } from './engine-chooser';
import type { LlamaCppEngineOptions } from './llama-engine';
import { NodeEmbedder } from './node-embedder';
import { nodeFolderAccess } from './node-folders';
import { NodeKnowledge } from './node-knowledge';
import {
	createNodePythonSandbox,
	defaultChildScript,
	defaultPackageRoot
} from './python/node-python';
import type { PythonSandbox } from '$lib/python/sandbox';
import { hearthPaths, type HearthPaths } from './paths';
import { SqliteChatStore } from './sqlite-chat-store';
import { sqliteReminderRows } from './sqlite-reminders';
import { SqliteSettings } from './sqlite-settings';
import { SqliteKnowledgeRepository } from './sqlite-knowledge';
import { readLedger, sqliteLedgerStore, sqliteMemoryRows, sqliteRecallRows } from './sqlite-stores';
import { createRunCommandTool, RUN_COMMAND, runCommandPreApproved } from './tools/run-command';

export interface NodeRuntimeOptions {
	env?: Readonly<Record<string, string | undefined>>;
	/** The folder commands run in by default and relative paths start from. */
	cwd?: string;
	/** --model: a .gguf file (llama.cpp) or a model name for the configured engine. */
	model?: string;
	/** llama.cpp threads, overriding the config (tests and benchmarks pass 1). */
	threads?: number;
	/** No tools for this run (a small model's window cannot hold their descriptions). */
	noTools?: boolean;
	/** Overrides of config.yaml's ai.temperature and ai.max_tokens for this run. */
	temperature?: number;
	maxTokens?: number;
	/** Shares one node-llama-cpp module (tests, benchmarks). */
	llamaRuntime?: LlamaCppEngineOptions['runtime'];
	/** A save failed while an answer streamed (the face says so; the answer keeps streaming). */
	onError?: (e: HearthError) => void;
	/** ONNX Runtime threads for the embedding model (tests pass 1); its default otherwise. */
	embedThreads?: number;
	/** Quiet time after an answer before its exchange is read for memory proposals (tests). */
	proposalQuietMs?: number;
	now?: () => number;
}

/**
 * What a face's approval prompt needs: the tools policy. `preApproved` is true for a call that
 * may run without asking (an allowlisted run_command with nothing untrusted before it).
 */
export interface ToolsPolicy {
	preApproved(record: ToolCallRecord): boolean;
	/** Side-effect tools (run_command, writes, reminders): the API refuses them unless allowed. */
	sideEffect(name: string): boolean;
}

/** How a face with a person in front of it shows reminders (the REPL prints them). */
export interface ReminderHandlers {
	/** Went off now (due while this process runs, or within a minute before it started). */
	onFired(reminder: Reminder): void;
	/** Passed while no `hearth chat` ran; shown once, at the start. */
	onMissed(reminders: Reminder[]): void;
}

/** Another process (`hearth serve`, `hearth ask`) may add a reminder: checked this often. */
export const REMINDER_POLL_MS = 30_000;

/** Everything a Node face needs, as plain fields (the API server takes the same ones). */
export interface NodeRuntime {
	paths: HearthPaths;
	/** Where GGUF models are downloaded (config engines.llamacpp.models_dir, else the data folder's). */
	modelsDir: string;
	config: LoadedConfig;
	/**
	 * Settings as the core reads them: the settings table (hearth config set, a backup) under
	 * config.yaml's explicit keys, under the environment, under this run's flags.
	 */
	settings: Settings;
	/** The settings table itself. */
	settingsStore: SqliteSettings;
	service: ConversationService;
	store: SqliteChatStore;
	engines: NodeEngineChooser;
	tools: TurnTools;
	toolsPolicy: ToolsPolicy;
	memories: MemoryRepository;
	memory: MemoryHooks;
	/**
	 * Memory proposals, batched as the web app batches them; stored as `proposed` memories that
	 * the REPL asks about and `hearth memories` keeps or discards. close() reads what still waits.
	 */
	proposals: MemoryProposer;
	/** Who hears about proposals as they are stored (the REPL); null: nobody, they stay pending. */
	onProposed(listener: ((proposed: Memory[]) => void) | null): void;
	/** Indexed folders, their search, and the embedding model (hearth index, search_knowledge). */
	knowledge: NodeKnowledge;
	/** The Python sandbox behind run_python (started on its first run); evals grade code with it. */
	python: PythonSandbox;
	reminders: ReminderStore;
	/**
	 * Starts the reminder timer: reminders missed meanwhile are reported once, due ones go off.
	 * Only a face that can show them starts it (the REPL), so none is settled unseen.
	 */
	startReminders(handlers: ReminderHandlers): Promise<void>;
	net: LedgerFetch;
	/** Folders from files.allowed_folders that do not exist (the face warns). */
	missingFolders: string[];
	/** The newest privacy-ledger entries. */
	ledger(limit?: number): ReturnType<typeof readLedger>;
	close(): Promise<void>;
}

/**
 * The web app's built-in agents as the terminal runs them, as edits the person could also have
 * made: the Code and Tasks agents can run commands ("run my tests"), and every agent can search
 * the folders indexed with `hearth index` (in the web app only Research can; there the
 * knowledge screen is one click away, here the index is what the person set up to be used).
 */
function withTerminalAgents(settings: Settings): Settings {
	const edited = new Set(settings.customAgents.map((a) => a.id));
	const added: CustomAgent[] = BUILT_IN_AGENTS.filter((a) => !edited.has(a.id)).map((a) => ({
		id: a.id,
		name: a.name,
		description: a.description,
		systemPrompt: a.systemPrompt,
		examples: a.examples.map((e) => ({ ...e })),
		tools: [
			...new Set([
				...a.tools,
				TOOL.searchKnowledge,
				...(a.id === 'code' || a.id === 'task' ? [RUN_COMMAND] : [])
			])
		],
		model: a.model,
		chainOfThought: a.chainOfThought
	}));
	return { ...settings, customAgents: [...settings.customAgents, ...added] };
}

/** jsdom is loaded the first time a page is read (it is slow to import and rarely needed). */
function nodeFetchPageTool(): AnyTool {
	let parser: HtmlParser | null = null;
	const tool = createFetchPageTool({
		parseHtml: (html, url) => {
			if (!parser) throw new Error('The HTML parser is not loaded.');
			return parser(html, url);
		}
	});
	return {
		...tool,
		async run(args, ctx) {
			if (!parser) {
				const { JSDOM } = await import('jsdom');
				parser = (html, url) => new JSDOM(html, { url }).window.document;
			}
			return tool.run(args as never, ctx);
		}
	} as AnyTool;
}

export async function createNodeRuntime(options: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
	const env = options.env ?? process.env;
	const cwd = options.cwd ?? process.cwd();
	const now = options.now ?? Date.now;
	const paths = hearthPaths(env);
	const store = await SqliteChatStore.open(paths.databaseFile);
	const settingsStore = new SqliteSettings(store.db);
	let config: LoadedConfig;
	let settings: Settings;
	try {
		// Stored settings are the defaults config.yaml's keys are laid over.
		const stored = settingsStore.read() ?? DEFAULT_SETTINGS;
		config = await loadConfig(paths.configFile, env, configFromSettings(stored, {}));
		settings = withTerminalAgents(settingsFromConfig(config.effective, stored));
	} catch (e) {
		store.close();
		throw e;
	}
	const effective: HearthConfig = config.effective;
	if (options.temperature !== undefined) settings.temperature = options.temperature;
	if (options.maxTokens !== undefined) settings.maxTokens = options.maxTokens;
	const onError = options.onError ?? ((e: HearthError) => console.error(e.message));

	const modelsDir = effective.engines.llamacpp.models_dir || paths.modelsDir;
	const modelFile = options.model && /\.gguf$/i.test(options.model) ? options.model : undefined;
	const engines = new NodeEngineChooser({
		config: effective,
		modelFile: modelFile ? path.resolve(cwd, modelFile) : undefined,
		modelName: modelFile ? undefined : options.model,
		modelsDir,
		configFile: paths.configFile,
		threads: options.threads,
		llamaRuntime: options.llamaRuntime
	});

	const net = createNetFetch({
		ledger: sqliteLedgerStore(store.db),
		offlineOnly: () => settings.offlineOnly,
		onError
	});

	// Reminders are kept in the store; they go off in a running `hearth chat` (or show there as
	// missed), whichever face set them.
	const reminders = new ReminderStore(sqliteReminderRows(store.db));
	let showReminder: ((reminder: Reminder) => void) | null = null;
	const notifier: ReminderNotifier = {
		permission: () => 'granted',
		requestPermission: async () => 'granted',
		notify: async (reminder) => {
			showReminder?.(reminder);
			return 'in-app';
		}
	};
	let scheduler: ReminderScheduler | null = null;
	let poll: ReturnType<typeof setInterval> | null = null;
	const startReminders = async (handlers: ReminderHandlers) => {
		if (scheduler) return;
		showReminder = handlers.onFired;
		scheduler = new ReminderScheduler({
			store: reminders,
			notifier,
			onError,
			onMissed: (missed) => {
				if (missed.length > 0) handlers.onMissed(missed);
			}
		});
		await scheduler.start();
		const running = scheduler;
		poll = setInterval(() => void running.rearm(), REMINDER_POLL_MS);
		poll.unref();
	};

	const folders = await nodeFolderAccess(effective.files.allowed_folders, {
		writable: effective.files.writable,
		cwd,
		now
	});
	const runCommand = createRunCommandTool({
		defaultCwd: cwd,
		allowedFolders: folders.granted.map((f) => f.id),
		timeoutMs: effective.commands.timeout_seconds * 1000,
		maxOutputChars: effective.commands.max_output_bytes
	});
	const knowledge = new NodeKnowledge({
		repo: new SqliteKnowledgeRepository(store.db, now),
		embedder: new NodeEmbedder({
			modelsDir: effective.knowledge.models_dir
				? path.resolve(cwd, effective.knowledge.models_dir)
				: paths.embeddingsDir,
			modelId: settings.embeddingModel,
			threads: options.embedThreads
		}),
		cwd
	});
	// Memories as the web app keeps them (memory-repo.ts), embedded with the knowledge model.
	const memories = new MemoryRepository(
		sqliteMemoryRows(store.db),
		{
			get model() {
				return knowledge.embedder.model.id;
			},
			embed: knowledge.embedder.embed
		},
		{ now }
	);
	// Past conversations by meaning (by their words without an embedding model), over the chat
	// store's rows; messages not embedded yet are embedded when a question needs them.
	const recall = new ConversationRecall(sqliteRecallRows(store.db), {
		get model() {
			return knowledge.embedder.model.id;
		},
		embed: knowledge.embedder.embed
	});
	// remember, forget and recall_conversations, as in the web app.
	const memoryTools = createMemoryTools({ memories, recall, now, timeZone: localTimeZone() });
	// Started on the first run_python call (Pyodide takes seconds to load).
	const python = createNodePythonSandbox({
		childScript: defaultChildScript(),
		packageRoot: defaultPackageRoot()
	});
	// The web app's registry (tools/all-tools.ts) less file plans, plus run_command.
	const allTools = [
		calculatorTool,
		...createDateTimeTools({ now }),
		webSearchTool,
		nodeFetchPageTool(),
		weatherTool,
		...createReminderTools({ store: reminders, notifier, now, whenClosed: WHEN_NO_REPL_RUNS }),
		...createFileTools({ access: folders.access, now }),
		createRunPythonTool(python, () => settings.pythonNetwork),
		knowledge.tool(),
		...memoryTools,
		runCommand
	] as AnyTool[];
	const registry: ToolRegistry = createRegistry(allTools);
	if (options.noTools) {
		settings.toolsEnabled = Object.fromEntries(allTools.map((t) => [t.name, false]));
	}
	const tools: TurnTools = {
		registry: async () => registry,
		net,
		hasWritableFolder: async () => folders.granted.some((f) => f.writable),
		attachments: async () => []
	};
	const toolsPolicy: ToolsPolicy = {
		preApproved: (record) => runCommandPreApproved(record, effective.commands.allow, cwd),
		sideEffect: (name) => registry.get(name)?.sideEffect ?? false
	};

	const memory: MemoryHooks = {
		// The web app's choice: by meaning with the embedding model, else the memory the words
		// name; those the conversation already used first (stable prompt start for llama.cpp).
		relevant: async (query, signal, earlier) =>
			settings.useMemories ? relevantMemoryBlock(memories, query, signal, earlier) : null,
		propose: (input) => proposals.propose(input)
	};
	let proposalListener: ((proposed: Memory[]) => void) | null = null;
	const proposals = new MemoryProposer({
		memories,
		busy: () => service.answering > 0,
		onProposed: (proposed) => proposalListener?.(proposed),
		...(options.proposalQuietMs !== undefined ? { quietMs: options.proposalQuietMs } : {})
	});

	const service = new ConversationService({
		store,
		engines,
		settings: () => settings,
		tools,
		memory,
		onError
	});

	return {
		paths,
		modelsDir,
		config,
		settings,
		settingsStore,
		service,
		store,
		engines,
		tools,
		toolsPolicy,
		memories,
		memory,
		proposals,
		onProposed: (listener) => void (proposalListener = listener),
		knowledge,
		python,
		reminders,
		startReminders,
		net,
		missingFolders: folders.missing,
		ledger: (limit) => readLedger(store.db, limit),
		async close() {
			scheduler?.stop();
			if (poll) clearInterval(poll);
			// Exchanges still waiting are read now: their proposals stay pending for review.
			await proposals.flush();
			await net.idle();
			await engines.close();
			await memories.embedded();
			await knowledge.dispose();
			python.dispose();
			store.close();
		}
	};
}

/** Approvals that answer every question the same way (the API's policy, `--yes` refusals). */
export function fixedApprovals(answer: boolean): ToolApprovals {
	return { confirm: async () => answer, ask: async () => answer };
}
