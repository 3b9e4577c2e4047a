import { LlmConnection } from '$lib/engine/llm-connection';
import type { WorkerLike } from '$lib/engine/llm-connection';
import { ToolCallAssembler } from '$lib/engine/openai-tool-calls';
import type {
	ChatDelta,
	ChatMessage,
	ChatRequest,
	EngineProbe,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { chatWithRestart, streamCall, withRestart } from '$lib/engine/worker-chat';
import type { CrashPolicy } from '$lib/engine/worker-chat';
import type {
	GgufCalls,
	GgufDevicePreference,
	GgufFromWorker,
	GgufLoaded,
	GgufProbe,
	GgufToWorker
} from '$lib/protocol/gguf';
import type { ChatResult } from '$lib/protocol/llm';
import { HearthError, stopped, toHearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

/** Must match node_modules/@wllama/wllama/package.json (a test checks it). */
export const WLLAMA_VERSION = '3.13.0';

/** The service worker's cache for wllama's files (vite.config.ts runtimeCaching; a test checks). */
export const WLLAMA_CACHE = `hearth-wllama-${WLLAMA_VERSION}`;

/** What the engine needs to know about one GGUF model Hearth has. */
export interface GgufModelSource {
	/** Its files for llama.cpp, from Cache Storage or a file the user picked. */
	files: (signal?: AbortSignal) => Promise<Blob[]>;
	/** Tokens of context to allocate. */
	contextSize: number;
	/** Bytes of all its files: a model larger than this browser's WebAssembly memory is refused. */
	bytes: number;
	/** Its chat template knows tools, so calls come back natively. */
	nativeTools: boolean;
}

export interface GgufEngineDeps {
	/** Starts a fresh worker; called again after a crash. Defaults to workers/gguf.worker.ts. */
	createWorker?: () => WorkerLike<GgufToWorker>;
	/** The model behind a `gguf:` id, or undefined for one Hearth does not have. */
	resolve: (modelId: string) => GgufModelSource | undefined;
	/** The GGUF models stored on this device (or picked from it). */
	listInstalled: () => Promise<ModelInfo[]>;
	/** Where to run and with how many threads (Settings → Models). */
	runtime: () => { device: GgufDevicePreference; threads: number };
	/** How long a new worker may take to say `ready` (default 15 s). */
	readyTimeoutMs?: number;
}

/** Starts workers/gguf.worker.ts as a module worker. */
export function defaultGgufWorker(): WorkerLike<GgufToWorker> {
	return new Worker(new URL('../../../workers/gguf.worker.ts', import.meta.url), {
		type: 'module'
	});
}

type GgufConnection = LlmConnection<GgufCalls, GgufFromWorker, GgufToWorker>;

const GiB = 1024 ** 3;
/** The compat build is 32-bit WebAssembly: it reads a model file into one ArrayBuffer. */
const COMPAT_FILE_LIMIT = 2 * GiB;
/** Chromium's limit for 64-bit WebAssembly memory. */
const MEMORY64_LIMIT = 16 * GiB;

/**
 * Runs GGUF models with llama.cpp (wllama) in a module worker: all layers on WebGPU where it
 * works, the CPU otherwise. A worker that dies (out of memory, an abort in the wasm, its own
 * worker killed) is replaced and the call retried once, unless the answer had started.
 */
export class GgufEngine implements LlmEngine {
	readonly kind = 'webllm';
	readonly label = 'In-browser engine (llama.cpp)';
	readonly toolCalling = 'schema' as const;
	readonly #deps: GgufEngineDeps;
	readonly #createWorker: () => WorkerLike<GgufToWorker>;
	#connection: GgufConnection | undefined;
	/** What the last load found: where the model runs, with how many threads. */
	#loaded: { key: string; info: GgufLoaded } | undefined;
	#probe: GgufProbe | undefined;

	constructor(deps: GgufEngineDeps) {
		this.#deps = deps;
		this.#createWorker = deps.createWorker ?? defaultGgufWorker;
	}

	/** Where the loaded model runs (device, threads, context), for the UI; undefined before a load. */
	get loaded(): GgufLoaded | undefined {
		return this.#loaded?.info;
	}

	/** Native where the model's template knows tools, else Hearth's schema mode. */
	toolCallingFor(model: string): 'native' | 'schema' {
		return this.#deps.resolve(model)?.nativeTools ? 'native' : 'schema';
	}

	async probe(): Promise<EngineProbe> {
		try {
			const probe = await this.runtime();
			if (!probe.supported) {
				return {
					ok: false,
					error: {
						code: 'model_unsupported',
						message: `llama.cpp cannot run in this browser${probe.reason ? `: ${probe.reason}` : ''}.`
					}
				};
			}
			return { ok: true, version: `llama.cpp (wllama ${WLLAMA_VERSION})` };
		} catch (e) {
			return { ok: false, error: toHearthError(e).toJSON() };
		}
	}

	/** What the worker's WebAssembly and GPU can do (asked once per worker). */
	async runtime(): Promise<GgufProbe> {
		if (this.#probe && this.#connection && !this.#connection.dead) return this.#probe;
		const connection = await this.#connect();
		this.#probe = await connection.request('probe', {});
		return this.#probe;
	}

	listModels(): Promise<ModelInfo[]> {
		return this.#deps.listInstalled();
	}

	async load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		await withRestart(
			() => this.#ensureLoaded(modelId, signal, onProgress),
			this.#policy(),
			signal
		);
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		if (signal?.aborted) throw stopped();
		const tools = request.tools ?? [];
		if (tools.length > 0 && this.toolCallingFor(request.model) !== 'native') {
			// The agent then describes the tools in the prompt and constrains the reply (schema mode).
			throw new HearthError(
				'tools_unsupported',
				'This model’s chat template has no tools; Hearth calls them through a response schema.'
			);
		}
		yield* chatWithRestart((scope) => this.#chatOnce(request, scope), this.#policy(), signal);
	}

	/**
	 * Exact prompt tokens of `messages` as this model's template renders them (llama.cpp counts
	 * them with a one-token completion, which also leaves the prompt in its KV cache).
	 */
	async countPrompt(model: string, messages: ChatMessage[], signal?: AbortSignal): Promise<number> {
		const connection = await this.#ensureLoaded(model, signal);
		const { tokens } = await connection.request(
			'countPrompt',
			{ modelId: model, messages },
			signal
		);
		return tokens;
	}

	async dispose(): Promise<void> {
		const connection = this.#connection;
		this.#connection = undefined;
		this.#loaded = undefined;
		await connection?.close();
	}

	async *#chatOnce(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatDelta> {
		const connection = await this.#ensureLoaded(request.model, signal);
		const calls = new ToolCallAssembler(() => `call-${crypto.randomUUID()}`);
		const params = {
			modelId: request.model,
			messages: request.messages,
			options: request.options,
			...(request.responseSchema ? { responseSchema: request.responseSchema } : {}),
			...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {})
		};
		const stream = streamCall<GgufFromWorker, ChatResult>((onEvent) =>
			connection.request('chat', params, signal, onEvent)
		);
		for await (const item of stream) {
			if ('result' in item) {
				for (const call of calls.take()) yield { type: 'tool_call', call };
				const { finishReason, usage, timings } = item.result;
				yield { type: 'done', finishReason, usage, timings };
			} else if (item.event.type === 'delta' && item.event.text !== '') {
				yield { type: 'text', text: item.event.text };
			} else if (item.event.type === 'tool-delta') {
				for (const fragment of item.event.fragments) calls.add(fragment);
			}
		}
	}

	#policy(): CrashPolicy {
		return {
			drop: () => this.#drop(),
			advise: async (error) =>
				new HearthError(
					error.code,
					`${error.code === 'webgpu_device_lost' ? 'The GPU stopped working twice while running this model.' : 'llama.cpp stopped twice while running this model.'} Try a smaller model or quantisation, or close other tabs.`,
					{ cause: error }
				)
		};
	}

	async #ensureLoaded(
		modelId: string,
		signal?: AbortSignal,
		onProgress?: (p: LoadProgress) => void
	): Promise<GgufConnection> {
		const source = this.#deps.resolve(modelId);
		if (!source) {
			throw new HearthError(
				'model_not_found',
				`Hearth has no GGUF model called ${modelId}. Choose one in Models.`
			);
		}
		const { device, threads } = this.#deps.runtime();
		const key = JSON.stringify([modelId, source.contextSize, device, threads]);
		const connection = await this.#connect();
		if (this.#loaded?.key === key && connection.loadedModel === modelId) return connection;
		const probe = await this.runtime();
		this.#checkFits(source, probe);
		onProgress?.({ text: 'Reading the model…' });
		const files = await source.files(signal);
		if (signal?.aborted) throw stopped();
		const info = await connection.request(
			'load',
			{ model: { id: modelId, files, contextSize: source.contextSize, device, threads } },
			signal,
			(message) => {
				if (message.type === 'progress') onProgress?.(message.progress);
			}
		);
		connection.loadedModel = modelId;
		this.#loaded = { key, info };
		return connection;
	}

	/** A model larger than this browser's WebAssembly memory is refused before it is read. */
	#checkFits(source: GgufModelSource, probe: GgufProbe): void {
		if (!probe.supported) {
			throw new HearthError(
				'model_unsupported',
				`llama.cpp cannot run in this browser${probe.reason ? `: ${probe.reason}` : ''}.`
			);
		}
		const compat = !probe.jspi || !probe.memory64;
		const limit = compat ? COMPAT_FILE_LIMIT : MEMORY64_LIMIT;
		if (source.bytes > limit) {
			throw new HearthError(
				'out_of_memory',
				compat
					? `This model (${formatBytes(source.bytes)}) is larger than the ${formatBytes(limit)} this browser’s WebAssembly can hold (it lacks JSPI or Memory64). Use a recent Chrome or Edge, or a smaller model.`
					: `This model (${formatBytes(source.bytes)}) is larger than the ${formatBytes(limit)} of memory a browser gives WebAssembly. Choose a smaller model or quantisation.`
			);
		}
	}

	async #connect(): Promise<GgufConnection> {
		if (!this.#connection || this.#connection.dead) {
			this.#loaded = undefined;
			this.#probe = undefined;
			this.#connection = new LlmConnection<GgufCalls, GgufFromWorker, GgufToWorker>(
				this.#createWorker(),
				this.#deps.readyTimeoutMs ?? 15_000
			);
		}
		const connection = this.#connection;
		await connection.ready;
		return connection;
	}

	/** Forgets a dead (or dying) worker so the next call starts a new one. */
	#drop(): void {
		this.#connection?.kill(
			new HearthError('engine_crashed', 'The in-browser engine was restarted.')
		);
		this.#connection = undefined;
		this.#loaded = undefined;
	}
}
