import path from 'node:path';
import type {
	ChatWrapper,
	Llama,
	LlamaCompletion,
	LlamaContext,
	LlamaContextSequence,
	LlamaGrammar,
	LlamaModel
} from 'node-llama-cpp';
import type {
	ChatDelta,
	ChatRequest,
	EngineKind,
	EngineProbe,
	FinishReason,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { HearthError, stopped, toHearthError } from '$lib/types/errors';
import type { JsonSchema } from '$lib/types/tools';
import { ChunkChannel } from './chunk-channel';
import { checkGgufComplete, checkGgufFile, ggufFilesIn, modelInfoOf } from './llama-files';
import type { LlamaRuntime } from './llama-files';
import { promptTokens, toChatHistory } from './llama-prompt';
import { Mutex } from './mutex';

export interface LlamaCppEngineOptions {
	/** GGUF files to offer, by path. */
	files?: readonly string[];
	/** A folder whose .gguf files are offered too (Hearth's downloads). */
	modelsDir?: string;
	/**
	 * llama.cpp threads. Always explicit: its threads spin-wait, so the right count depends on
	 * what else the machine runs (see pickThreads). 1 in tests and benchmarks.
	 */
	threads: number;
	/** Context window in tokens; default the model's own, at most DEFAULT_MAX_CONTEXT. */
	contextSize?: number;
	/** Loads node-llama-cpp; a test passes one that fails, as when the package is missing. */
	runtime?: () => Promise<LlamaRuntime>;
	/** Memory a model must fit in (default: this computer's). */
	memoryBytes?: number;
}

/** A 128k-token window costs gigabytes of KV cache; larger windows are asked for explicitly. */
export const DEFAULT_MAX_CONTEXT = 8192;

/** Hearth's kind for llama.cpp in Node (messages and pins name it; backups carry it). */
export const LLAMACPP_KIND = 'llamacpp' as const satisfies EngineKind;

interface Loaded {
	/** The model id it was last asked for by (a file name or a path). */
	id: string;
	file: string;
	model: LlamaModel;
	context: LlamaContext;
	sequence: LlamaContextSequence;
	completion: LlamaCompletion;
	wrapper: ChatWrapper;
	contextSize: number;
}

function isAbort(e: unknown, signal: AbortSignal): boolean {
	return signal.aborted || (e instanceof Error && e.name === 'AbortError');
}

/**
 * llama.cpp in this process (node-llama-cpp, CPU only) for GGUF files: no server at all.
 * Tools go through schema-constrained output (a JSON-schema grammar), like the in-browser engine.
 */
export class LlamaCppEngine implements LlmEngine {
	readonly kind = LLAMACPP_KIND;
	readonly label: string;
	readonly toolCalling = 'schema' as const;
	readonly #options: LlamaCppEngineOptions;
	readonly #mutex = new Mutex();
	readonly #inFlight = new Set<AbortController>();
	readonly #grammars = new Map<string, Promise<LlamaGrammar>>();
	#runtime?: Promise<LlamaRuntime>;
	#llama?: Promise<Llama>;
	#loaded?: Loaded;

	constructor(options: LlamaCppEngineOptions) {
		this.#options = options;
		const n = options.threads;
		this.label = `llama.cpp on this computer (CPU, ${n} thread${n === 1 ? '' : 's'})`;
	}

	async probe(): Promise<EngineProbe> {
		try {
			await this.#getLlama();
			return { ok: true };
		} catch (e) {
			return { ok: false, error: toHearthError(e).toJSON() };
		}
	}

	async listModels(): Promise<ModelInfo[]> {
		const runtime = await this.#getRuntime();
		const files = await this.#files();
		const models = await Promise.all(files.map((file) => modelInfoOf(runtime, file)));
		return models.map(
			(m, i) => m ?? { id: path.basename(files[i]!), name: path.basename(files[i]!) }
		);
	}

	async load(
		modelId: string,
		onProgress?: (p: LoadProgress) => void,
		signal?: AbortSignal
	): Promise<void> {
		const release = await this.#mutex.acquire();
		try {
			await this.#ready(modelId, signal, onProgress);
		} finally {
			release();
		}
	}

	async countTokens(model: string, texts: string[], signal?: AbortSignal): Promise<number[]> {
		// The loaded model counts without waiting for the lock: tokenising reads only its
		// vocabulary, in this tick, and an unload drops #loaded before it disposes anything. Every
		// answer counts its history first; behind the lock it queued twice behind the others.
		const loaded = this.#loaded;
		if (loaded?.id === model) return texts.map((text) => loaded.model.tokenize(text).length);
		const release = await this.#mutex.acquire();
		try {
			const loaded = await this.#ready(model, signal);
			return texts.map((text) => loaded.model.tokenize(text).length);
		} finally {
			release();
		}
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
		if (signal?.aborted) throw stopped(signal.reason);
		const startedAt = performance.now();
		const controller = new AbortController();
		const onAbort = () => controller.abort(signal?.reason);
		signal?.addEventListener('abort', onAbort, { once: true });
		this.#inFlight.add(controller);
		const release = await this.#mutex.acquire();
		let generation: Promise<void> | undefined;
		try {
			if (controller.signal.aborted) throw stopped();
			const loaded = await this.#ready(request.model, controller.signal);
			const history = toChatHistory(request.messages);
			const state = loaded.wrapper.generateContextState({ chatHistory: history });
			const prompt = promptTokens(loaded.model, state.contextText);
			const room = loaded.contextSize - prompt.length;
			if (room < 1) {
				throw new HearthError(
					'context_overflow',
					`This conversation is ${prompt.length} tokens; ${path.basename(loaded.file)} has room for ${loaded.contextSize} here. Start a new conversation or shorten the message.`
				);
			}
			const options = request.options ?? {};
			const grammar = request.responseSchema
				? await this.#grammar(request.responseSchema)
				: undefined;
			const before = loaded.sequence.tokenMeter.getState();
			const channel = new ChunkChannel<string>();
			let stopReason: string | undefined;
			const evaluateFrom = performance.now();
			generation = loaded.completion
				.generateCompletionWithMeta(prompt, {
					signal: controller.signal,
					stopOnAbortSignal: false,
					maxTokens: Math.min(options.maxTokens ?? room, room),
					temperature: options.temperature,
					topP: options.topP,
					customStopTriggers: [
						...state.stopGenerationTriggers,
						...(options.stop ?? []).filter((s) => s !== '')
					],
					// The window was checked above; shifting it would drop text silently.
					disableContextShift: true,
					grammar,
					onTextChunk: (text) => {
						if (text !== '') channel.push(text);
					}
				})
				.then(
					(result) => {
						stopReason = result.metadata.stopReason;
						channel.close();
					},
					(error: unknown) => channel.fail(error)
				);
			let firstTextAt: number | undefined;
			for await (const text of channel) {
				firstTextAt ??= performance.now();
				yield { type: 'text', text };
			}
			const endedAt = performance.now();
			const after = loaded.sequence.tokenMeter.getState();
			const completionTokens = after.usedOutputTokens - before.usedOutputTokens;
			const evaluated = after.usedInputTokens - before.usedInputTokens;
			const finishReason: FinishReason = stopReason === 'maxTokens' ? 'length' : 'stop';
			const decodeMs = firstTextAt === undefined ? 0 : endedAt - firstTextAt;
			yield {
				type: 'done',
				finishReason,
				usage: {
					promptTokens: prompt.length,
					completionTokens,
					cachedPromptTokens: Math.max(0, prompt.length - evaluated)
				},
				timings: {
					totalMs: endedAt - startedAt,
					timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt,
					promptMs: firstTextAt === undefined ? undefined : firstTextAt - evaluateFrom,
					decodeTokensPerSecond:
						decodeMs > 0 && completionTokens > 1
							? ((completionTokens - 1) / decodeMs) * 1000
							: undefined
				}
			};
		} catch (e) {
			if (isAbort(e, controller.signal)) throw stopped(e);
			throw toHearthError(e);
		} finally {
			// Also runs when the consumer stops iterating early: end the generation before the
			// next request may use the sequence.
			controller.abort();
			await generation;
			signal?.removeEventListener('abort', onAbort);
			this.#inFlight.delete(controller);
			release();
		}
	}

	async dispose(): Promise<void> {
		for (const controller of this.#inFlight) controller.abort();
		const release = await this.#mutex.acquire();
		try {
			await this.#unload();
			const llama = await this.#llama?.catch(() => undefined);
			this.#llama = undefined;
			this.#grammars.clear();
			await llama?.dispose();
		} finally {
			release();
		}
	}

	async #files(): Promise<string[]> {
		const listed = (this.#options.files ?? []).map((f) => path.resolve(f));
		const inDir = this.#options.modelsDir ? await ggufFilesIn(this.#options.modelsDir) : [];
		return [...new Set([...listed, ...inDir])];
	}

	/** A model id (a listed file's name) or a path to a .gguf file, as an absolute path. */
	async #resolve(modelId: string): Promise<string> {
		const files = await this.#files();
		const byName = files.find((f) => path.basename(f) === modelId);
		if (byName) return byName;
		if (
			modelId.toLowerCase().endsWith('.gguf') &&
			(modelId.includes('/') || modelId.includes(path.sep))
		) {
			return path.resolve(modelId);
		}
		const names = files.map((f) => path.basename(f));
		throw new HearthError(
			'model_not_found',
			names.length > 0
				? `There is no model "${modelId}" here. Models available: ${names.join(', ')}.`
				: `There is no model "${modelId}" here, and no GGUF model yet: pass a .gguf file or download one.`
		);
	}

	#getRuntime(): Promise<LlamaRuntime> {
		this.#runtime ??= (this.#options.runtime ?? (() => import('node-llama-cpp')))().catch(
			(e: unknown) => {
				this.#runtime = undefined;
				throw new HearthError(
					'engine_unreachable',
					"The llama.cpp runtime (node-llama-cpp) is not installed here. Run npm install in Hearth's folder to add it.",
					{ cause: e }
				);
			}
		);
		return this.#runtime;
	}

	#getLlama(): Promise<Llama> {
		this.#llama ??= this.#getRuntime()
			.then((runtime) =>
				// CPU only, and never a build from source at run time (it would download llama.cpp).
				runtime.getLlama({ gpu: false, build: 'never', logLevel: runtime.LlamaLogLevel.error })
			)
			.catch((e: unknown) => {
				this.#llama = undefined;
				if (e instanceof HearthError) throw e;
				throw new HearthError(
					'engine_unreachable',
					`llama.cpp could not start on this computer: ${e instanceof Error ? e.message : String(e)}`,
					{ cause: e }
				);
			});
		return this.#llama;
	}

	#grammar(schema: JsonSchema): Promise<LlamaGrammar> {
		const key = JSON.stringify(schema);
		let grammar = this.#grammars.get(key);
		if (!grammar) {
			grammar = this.#getLlama().then((llama) =>
				// The schema is JSON Schema from a tool or the agent; node-llama-cpp's type is narrower.
				llama.createGrammarForJsonSchema(
					schema as Parameters<Llama['createGrammarForJsonSchema']>[0]
				)
			);
			grammar.catch(() => this.#grammars.delete(key));
			this.#grammars.set(key, grammar);
		}
		return grammar;
	}

	async #ready(
		modelId: string,
		signal?: AbortSignal,
		onProgress?: (p: LoadProgress) => void
	): Promise<Loaded> {
		// The loaded model asked for by the id that loaded it: no listing of the models folder
		// (a readdir) before every answer.
		if (this.#loaded?.id === modelId) {
			onProgress?.({ fraction: 1, text: `${path.basename(this.#loaded.file)} is ready.` });
			return this.#loaded;
		}
		const file = await this.#resolve(modelId);
		if (this.#loaded?.file === file) {
			this.#loaded.id = modelId;
			onProgress?.({ fraction: 1, text: `${path.basename(file)} is ready.` });
			return this.#loaded;
		}
		await checkGgufFile(file, this.#options.memoryBytes);
		const runtime = await this.#getRuntime();
		await checkGgufComplete(runtime, file);
		const llama = await this.#getLlama();
		await this.#unload();
		const name = path.basename(file);
		onProgress?.({ fraction: 0, text: `Loading ${name}…` });
		let model: LlamaModel;
		try {
			model = await llama.loadModel({
				modelPath: file,
				gpuLayers: 0,
				loadSignal: signal,
				onLoadProgress: (fraction) => onProgress?.({ fraction, text: `Loading ${name}…` })
			});
		} catch (e) {
			if (signal?.aborted) throw stopped(e);
			const reason = e instanceof Error ? e.message : String(e);
			throw /memory/i.test(reason)
				? new HearthError(
						'model_unsupported',
						`${name} does not fit in this computer's memory: ${reason}`,
						{ cause: e }
					)
				: new HearthError(
						'model_corrupt',
						`${name} could not be loaded (damaged or incomplete?): ${reason}`,
						{ cause: e }
					);
		}
		try {
			const contextSize = Math.min(
				this.#options.contextSize || Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT),
				model.trainContextSize
			);
			const context = await model.createContext({
				contextSize,
				threads: this.#options.threads,
				sequences: 1,
				createSignal: signal
			});
			const sequence = context.getSequence();
			// The GGUF's own template when it has one; otherwise ChatML, as llama.cpp (and so the
			// browser's wllama) falls back to, so both faces build the same prompt.
			const wrapper = model.fileInfo.metadata.tokenizer?.chat_template
				? (runtime.resolveChatWrapper(model) ?? new runtime.ChatMLChatWrapper())
				: new runtime.ChatMLChatWrapper();
			const completion = new runtime.LlamaCompletion({ contextSequence: sequence });
			this.#loaded = {
				id: modelId,
				file,
				model,
				context,
				sequence,
				completion,
				wrapper,
				contextSize: context.contextSize
			};
			onProgress?.({ fraction: 1, text: `${name} is ready.` });
			return this.#loaded;
		} catch (e) {
			await model.dispose();
			if (signal?.aborted) throw stopped(e);
			throw new HearthError(
				'model_unsupported',
				`${name} loaded, but its context could not be made (not enough memory?): ${e instanceof Error ? e.message : String(e)}`,
				{ cause: e }
			);
		}
	}

	async #unload(): Promise<void> {
		const loaded = this.#loaded;
		this.#loaded = undefined;
		if (!loaded) return;
		loaded.completion.dispose();
		await loaded.context.dispose();
		await loaded.model.dispose();
	}
}
