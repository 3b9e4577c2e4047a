import type {
	ChatDelta,
	ChatRequest,
	EngineProbe,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import type {
	GpuProbe,
	LlmCallName,
	LlmCalls,
	LlmFromWorker,
	LlmRequest,
	LlmToWorker,
	WebModelSpec
} from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE } from '$lib/protocol/llm-errors';
import { HearthError, toHearthError } from '$lib/types/errors';

/** Must match node_modules/@mlc-ai/web-llm/package.json (a test checks it). */
export const WEB_LLM_VERSION = '0.2.86';

/** The part of a Worker this engine uses, so tests can connect it over a MessageChannel. */
export interface WorkerLike {
	postMessage(message: LlmToWorker): void;
	addEventListener(
		type: 'message' | 'error' | 'messageerror',
		listener: (event: Event & { data?: unknown }) => void
	): void;
	terminate(): void;
}

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

const stopped = (): HearthError => new HearthError('aborted', 'Stopped.');
const NOT_STARTED = 'The in-browser engine did not start.';
/** A worker that died under a call is worth one restart; one that never started is not. */
const isCrash = (e: HearthError): boolean =>
	(e.code === 'engine_crashed' && e.message !== NOT_STARTED) || e.code === 'webgpu_device_lost';

function defaultWorker(): WorkerLike {
	return new Worker(new URL('../../../workers/llm.worker.ts', import.meta.url), {
		type: 'module'
	});
}

function isFromWorker(data: unknown): data is LlmFromWorker {
	return (
		typeof data === 'object' &&
		data !== null &&
		typeof (data as { type?: unknown }).type === 'string'
	);
}

interface Pending {
	call: LlmCallName;
	onEvent?: (message: LlmFromWorker) => void;
	resolve: (value: unknown) => void;
	reject: (error: HearthError) => void;
}

/**
 * One worker and its calls. When the worker dies every call still waiting fails with the same
 * coded error, and the connection is never used again: the engine starts a new one.
 */
class Connection {
	readonly ready: Promise<void>;
	/** The model this worker has loaded (after a successful load). */
	loadedModel: string | undefined;
	#failure: HearthError | undefined;
	#started = false;
	#onDeath: (e: HearthError) => void;
	#nextId = 1;
	readonly #pending = new Map<number, Pending>();
	readonly #worker: WorkerLike;

	constructor(worker: WorkerLike, readyTimeoutMs: number) {
		this.#worker = worker;
		let markReady: () => void = () => undefined;
		let failStart: (e: HearthError) => void = () => undefined;
		this.ready = new Promise<void>((resolve, reject) => {
			markReady = resolve;
			failStart = reject;
		});
		// Nobody may be waiting yet; the rejection is still delivered to whoever awaits later.
		this.ready.catch(() => undefined);
		const timer = setTimeout(
			() => this.kill(new HearthError('engine_crashed', NOT_STARTED)),
			readyTimeoutMs
		);
		this.#onDeath = (e) => {
			clearTimeout(timer);
			failStart(e);
		};
		worker.addEventListener('message', (event) => {
			const message = event.data;
			if (!isFromWorker(message)) return;
			if (message.type === 'ready') {
				clearTimeout(timer);
				this.#started = true;
				markReady();
			} else if (message.type === 'device-lost') {
				this.kill(new HearthError('webgpu_device_lost', DEVICE_LOST_MESSAGE));
			} else {
				this.#deliver(message);
			}
		});
		worker.addEventListener('error', () =>
			this.kill(new HearthError('engine_crashed', 'The in-browser engine stopped unexpectedly.'))
		);
		worker.addEventListener('messageerror', () =>
			this.kill(new HearthError('engine_crashed', 'The in-browser engine sent a garbled message.'))
		);
	}

	get dead(): boolean {
		return this.#failure !== undefined;
	}

	/**
	 * One call; resolves with its result, or rejects with a coded error. Progress and deltas go
	 * to `onEvent`. An abort cancels the call in the worker and rejects at once.
	 */
	request<K extends LlmCallName>(
		call: K,
		params: LlmCalls[K]['params'],
		signal?: AbortSignal,
		onEvent?: (message: LlmFromWorker) => void
	): Promise<LlmCalls[K]['result']> {
		if (this.#failure) return Promise.reject(this.#failure);
		if (signal?.aborted) return Promise.reject(stopped());
		const id = this.#nextId++;
		return new Promise<LlmCalls[K]['result']>((resolve, reject) => {
			const onAbort = () => {
				if (!this.#pending.delete(id)) return;
				this.#worker.postMessage({ type: 'cancel', id });
				reject(stopped());
			};
			const settle = () => signal?.removeEventListener('abort', onAbort);
			this.#pending.set(id, {
				call,
				onEvent,
				resolve: (value) => {
					settle();
					// The worker answers a call with that call's result (checked in #deliver).
					resolve(value as LlmCalls[K]['result']);
				},
				reject: (e) => {
					settle();
					reject(e);
				}
			});
			signal?.addEventListener('abort', onAbort, { once: true });
			// `call` and `params` are tied by K; TypeScript cannot see that through the mapped union.
			this.#worker.postMessage({ type: 'call', id, call, params } as LlmRequest);
		});
	}

	#deliver(message: Exclude<LlmFromWorker, { type: 'ready' | 'device-lost' }>): void {
		const pending = this.#pending.get(message.id);
		if (!pending) return;
		if (message.type !== 'result') return pending.onEvent?.(message);
		this.#pending.delete(message.id);
		if (message.call !== pending.call) {
			pending.reject(
				new HearthError('engine_crashed', 'The in-browser engine mixed up its answers.')
			);
		} else if (message.ok) {
			pending.resolve(message.value);
		} else {
			pending.reject(new HearthError(message.error.code, message.error.message));
		}
	}

	/** Ends the worker; every call still waiting fails with `error`. */
	kill(error: HearthError): void {
		if (this.#failure) return;
		this.#failure = error;
		this.#onDeath(error);
		this.#worker.terminate();
		for (const pending of this.#pending.values()) pending.reject(error);
		this.#pending.clear();
	}

	/** Asks the worker to free the GPU, without waiting long for it. */
	async close(): Promise<void> {
		if (this.dead) return;
		if (!this.#started) return this.kill(stopped());
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), 1000);
		await this.request('unload', {}, controller.signal).catch(() => undefined);
		clearTimeout(timer);
		this.kill(stopped());
	}
}

/**
 * Runs models in the browser through web-llm in a module worker. A worker that dies (crash,
 * garbled message, lost GPU) is replaced and the call retried once, unless the answer had
 * already started: text is never repeated.
 */
export class WebLlmEngine implements LlmEngine {
	readonly kind = 'webllm';
	readonly label: string;
	readonly #deps: WebLlmEngineDeps;
	readonly #createWorker: () => WorkerLike;
	#connection: Connection | undefined;

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
		await this.#withRestart(modelId, signal, () => this.#ensureLoaded(modelId, signal, onProgress));
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		if (signal?.aborted) throw stopped();
		// Also cancels the worker's call when the consumer stops iterating early.
		const scope = new AbortController();
		const onAbort = () => scope.abort();
		signal?.addEventListener('abort', onAbort, { once: true });
		const startedAt = performance.now();
		let firstTextAt: number | undefined;
		try {
			for (let attempt = 1; ; attempt++) {
				try {
					const stream = this.#chatOnce(request, scope.signal);
					for await (const event of stream) {
						if (event.type === 'text') firstTextAt ??= performance.now();
						if (event.type === 'done') {
							yield {
								...event,
								timings: {
									...event.timings,
									totalMs: performance.now() - startedAt,
									timeToFirstTokenMs:
										firstTextAt === undefined ? undefined : firstTextAt - startedAt
								}
							};
							return;
						}
						yield event;
					}
					return;
				} catch (e) {
					const error = scope.signal.aborted ? stopped() : toHearthError(e);
					if (!isCrash(error)) throw error;
					this.#drop();
					if (firstTextAt !== undefined) {
						throw new HearthError(
							'engine_crashed',
							'The in-browser engine stopped in the middle of the answer. The text so far is kept; ask again to continue.',
							{ cause: error }
						);
					}
					if (attempt >= 2) throw await this.#adviseSmaller(error, request.model);
				}
			}
		} finally {
			signal?.removeEventListener('abort', onAbort);
			scope.abort();
		}
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
		const texts: string[] = [];
		let wake: (() => void) | undefined;
		let outcome: { value: LlmCalls['chat']['result'] } | { error: unknown } | undefined;
		connection
			.request(
				'chat',
				{ modelId: request.model, messages: request.messages, options: request.options },
				signal,
				(message) => {
					if (message.type !== 'delta' || message.text === '') return;
					texts.push(message.text);
					wake?.();
				}
			)
			.then(
				(value) => (outcome = { value }),
				(error: unknown) => (outcome = { error })
			)
			.finally(() => wake?.());
		for (;;) {
			const text = texts.shift();
			if (text !== undefined) {
				yield { type: 'text', text };
				continue;
			}
			if (outcome) break;
			await new Promise<void>((resolve) => (wake = resolve));
			wake = undefined;
		}
		if ('error' in outcome) throw outcome.error;
		const { finishReason, usage, timings } = outcome.value;
		yield { type: 'done', finishReason, usage, timings };
	}

	/** Runs `attempt`; if the worker dies under it, restarts the worker and runs it once more. */
	async #withRestart<T>(
		modelId: string,
		signal: AbortSignal | undefined,
		attempt: () => Promise<T>
	): Promise<T> {
		try {
			return await attempt();
		} catch (e) {
			const error = signal?.aborted ? stopped() : toHearthError(e);
			if (!isCrash(error)) throw error;
			this.#drop();
		}
		try {
			return await attempt();
		} catch (e) {
			const error = signal?.aborted ? stopped() : toHearthError(e);
			if (!isCrash(error)) throw error;
			this.#drop();
			throw await this.#adviseSmaller(error, modelId);
		}
	}

	async #ensureLoaded(
		modelId: string,
		signal?: AbortSignal,
		onProgress?: (p: LoadProgress) => void
	): Promise<Connection> {
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

	async #connect(): Promise<Connection> {
		if (!this.#connection || this.#connection.dead) {
			this.#connection = new Connection(this.#createWorker(), this.#deps.readyTimeoutMs ?? 15_000);
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
