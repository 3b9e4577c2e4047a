import type {
	ChatDelta,
	ChatRequest,
	EngineProbe,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { defaultWorker, LlmConnection } from '$lib/engine/llm-connection';
import type { WorkerLike } from '$lib/engine/llm-connection';
import { chatWithRestart, streamCall, withRestart } from '$lib/engine/worker-chat';
import type { CrashPolicy } from '$lib/engine/worker-chat';
import type { GpuProbe, LlmCalls, LlmFromWorker, WebModelSpec } from '$lib/protocol/llm';
import { HearthError, stopped, toHearthError } from '$lib/types/errors';

/** Must match node_modules/@mlc-ai/web-llm/package.json (a test checks it). */
export const WEB_LLM_VERSION = '0.2.86';

export interface WebLlmEngineDeps {
	/** Starts a fresh worker; called again after a crash. Defaults to workers/llm.worker.ts. */
	createWorker?: () => WorkerLike;
	/** The web-llm spec of a catalog model id, or undefined for an id Hearth does not know. */
	resolveSpec: (modelId: string) => WebModelSpec | undefined;
	/** The catalog models downloaded on this device. */
	listInstalled: () => Promise<ModelInfo[]>;
	label?: string;
	/** How long a new worker may take to say `ready` (default 15 s). */
	readyTimeoutMs?: number;
}

/**
 * Runs models in the browser through web-llm in a module worker. A worker that dies (crash,
 * garbled message, lost GPU) is replaced and the call retried once, unless the answer had
 * already started: text is never repeated.
 */
export class WebLlmEngine implements LlmEngine {
	readonly kind = 'webllm';
	readonly label: string;
	// web-llm's native tool calling covers a few Hermes models only; a grammar works for every model.
	readonly toolCalling = 'schema' as const;
	readonly #deps: WebLlmEngineDeps;
	readonly #createWorker: () => WorkerLike;
	#connection: LlmConnection | undefined;

	constructor(deps: WebLlmEngineDeps) {
		this.#deps = deps;
		this.#createWorker = deps.createWorker ?? defaultWorker;
		this.label = deps.label ?? 'In-browser engine (WebGPU)';
	}

	async probe(): Promise<EngineProbe> {
		try {
			const gpu = await this.gpu();
			if (gpu.webgpu) {
				const adapter = gpu.description || gpu.vendor || gpu.architecture || 'WebGPU';
				return { ok: true, version: `web-llm ${WEB_LLM_VERSION} · ${adapter}` };
			}
			return {
				ok: false,
				error: {
					code: 'webgpu_unavailable',
					message: `This browser cannot run models on the GPU${gpu.reason ? ` (${gpu.reason})` : ''}. Use a recent Chrome or Edge, or connect Hearth to a server.`
				}
			};
		} catch (e) {
			return { ok: false, error: toHearthError(e).toJSON() };
		}
	}

	/** What the worker's WebGPU adapter offers (the model manager shows it). */
	async gpu(): Promise<GpuProbe> {
		const connection = await this.#connect();
		return connection.request('probe', {});
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
			this.#policy(modelId),
			signal
		);
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		if (signal?.aborted) throw stopped();
		if (request.tools && request.tools.length > 0) {
			// toolCalling is 'schema': the agent describes tools in the prompt and sends a schema.
			throw new HearthError(
				'tools_unsupported',
				'The in-browser engine calls tools through a response schema, not a tools list.'
			);
		}
		yield* chatWithRestart(
			(scope) => this.#chatOnce(request, scope),
			this.#policy(request.model),
			signal
		);
	}

	async countTokens(model: string, texts: string[], signal?: AbortSignal): Promise<number[]> {
		// Loading a model only to count tokens would cost more than the estimate saves.
		const connection = this.#connection;
		if (!connection || connection.dead || connection.loadedModel !== model) {
			throw new HearthError('model_not_found', `${model} is not loaded yet; Hearth estimates.`);
		}
		const { counts } = await connection.request('countTokens', { modelId: model, texts }, signal);
		return counts;
	}

	async dispose(): Promise<void> {
		const connection = this.#connection;
		this.#connection = undefined;
		await connection?.close();
	}

	/** One attempt at a chat: loads the model on demand, then streams the worker's deltas. */
	async *#chatOnce(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatDelta> {
		const connection = await this.#ensureLoaded(request.model, signal);
		const params = {
			modelId: request.model,
			messages: request.messages,
			options: request.options,
			...(request.responseSchema ? { responseSchema: request.responseSchema } : {})
		};
		const stream = streamCall<LlmFromWorker, LlmCalls['chat']['result']>((onEvent) =>
			connection.request('chat', params, signal, onEvent)
		);
		for await (const item of stream) {
			if ('result' in item) {
				const { finishReason, usage, timings } = item.result;
				yield { type: 'done', finishReason, usage, timings };
			} else if (item.event.type === 'delta' && item.event.text !== '') {
				yield { type: 'text', text: item.event.text };
			}
		}
	}

	/** How a crash is handled: drop the worker; after a second one, suggest a smaller model. */
	#policy(modelId: string): CrashPolicy {
		return {
			drop: () => this.#drop(),
			advise: (error) => this.#adviseSmaller(error, modelId)
		};
	}

	async #ensureLoaded(
		modelId: string,
		signal?: AbortSignal,
		onProgress?: (p: LoadProgress) => void
	): Promise<LlmConnection> {
		const spec = this.#deps.resolveSpec(modelId);
		if (!spec) {
			throw new HearthError(
				'model_not_found',
				`Hearth has no in-browser model called ${modelId}. Choose one from Models.`
			);
		}
		const connection = await this.#connect();
		if (connection.loadedModel === modelId) return connection;
		await connection.request('load', { model: spec }, signal, (message) => {
			if (message.type === 'progress') onProgress?.(message.progress);
		});
		connection.loadedModel = modelId;
		return connection;
	}

	async #connect(): Promise<LlmConnection> {
		if (!this.#connection || this.#connection.dead) {
			this.#connection = new LlmConnection(
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
	}

	/** The crash error again, now naming a smaller downloaded model when there is one. */
	async #adviseSmaller(error: HearthError, modelId: string): Promise<HearthError> {
		const vram = this.#deps.resolveSpec(modelId)?.vramMB;
		let smaller: ModelInfo | undefined;
		if (vram !== undefined) {
			const installed = await this.#deps.listInstalled().catch(() => []);
			let best = -1;
			for (const model of installed) {
				const size = this.#deps.resolveSpec(model.id)?.vramMB;
				if (size !== undefined && size < vram && size > best) {
					best = size;
					smaller = model;
				}
			}
		}
		const advice = smaller
			? `Try a smaller model, such as ${smaller.name}.`
			: 'Try a smaller model, or close other tabs and apps that use the GPU.';
		const what =
			error.code === 'webgpu_device_lost'
				? 'The GPU stopped working twice while running this model.'
				: 'The in-browser engine stopped twice while running this model.';
		return new HearthError(error.code, `${what} ${advice}`, { cause: error });
	}
}
