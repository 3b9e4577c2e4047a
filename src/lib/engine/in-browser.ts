import { GGUF_PREFIX } from '$lib/engine/gguf-catalog';
import type {
	ChatDelta,
	ChatMessage,
	ChatRequest,
	EngineProbe,
	LlmEngine,
	LoadProgress,
	ModelInfo
} from '$lib/engine/types';
import { HearthError, toHearthError } from '$lib/types/errors';

// "In this browser" is one engine with two runtimes: web-llm (MLC models on WebGPU) and llama.cpp
// (GGUF models on WebGPU or the CPU). A model id says which runtime runs it: GGUF ids start with
// "gguf:", every other id is an MLC model. The engine kind stays 'webllm' because settings,
// conversation pins and messages already store that kind for "in this browser"; renaming it
// would need a migration of every stored conversation for no change a user could see.

/** The slice of GgufEngine this engine adds to web-llm's. */
export interface GgufRuntime extends LlmEngine {
	toolCallingFor(model: string): 'native' | 'schema';
	countPrompt(model: string, messages: ChatMessage[], signal?: AbortSignal): Promise<number>;
}

export function isGgufModel(model: string): boolean {
	return model.startsWith(GGUF_PREFIX);
}

export class InBrowserEngine implements LlmEngine {
	readonly kind = 'webllm';
	readonly label = 'In-browser engine';
	// MLC models use Hearth's schema mode (web-llm's native tools cover a few Hermes models only);
	// a GGUF whose template knows tools gets them natively (toolCallingFor).
	readonly toolCalling = 'schema' as const;
	/** web-llm, or null where this browser has no WebGPU at all. */
	readonly #mlc: LlmEngine | null;
	readonly #gguf: GgufRuntime;

	constructor(runtimes: { mlc: LlmEngine | null; gguf: GgufRuntime }) {
		this.#mlc = runtimes.mlc;
		this.#gguf = runtimes.gguf;
	}

	#runtimeOf(model: string): LlmEngine {
		if (isGgufModel(model)) return this.#gguf;
		if (this.#mlc) return this.#mlc;
		throw new HearthError(
			'webgpu_unavailable',
			`${model} needs WebGPU, which this browser does not offer. Choose a GGUF model in Models: they also run on the CPU.`
		);
	}

	toolCallingFor(model: string): 'native' | 'schema' {
		return isGgufModel(model) ? this.#gguf.toolCallingFor(model) : 'schema';
	}

	/** Ready when either runtime can run here: llama.cpp needs no GPU, so a CPU is enough. */
	async probe(signal?: AbortSignal): Promise<EngineProbe> {
		const [gguf, mlc] = await Promise.all([
			this.#gguf.probe(signal),
			this.#mlc?.probe(signal) ?? Promise.resolve<EngineProbe | null>(null)
		]);
		const versions = [mlc?.ok ? mlc.version : undefined, gguf.ok ? gguf.version : undefined];
		if (gguf.ok || mlc?.ok) return { ok: true, version: versions.filter(Boolean).join(' · ') };
		return { ok: false, error: gguf.error };
	}

	/** Installed models of both runtimes; one that fails to list does not hide the other's. */
	async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		const lists = await Promise.allSettled([
			this.#mlc?.listModels(signal) ?? Promise.resolve([]),
			this.#gguf.listModels(signal)
		]);
		const models = lists.flatMap((l) => (l.status === 'fulfilled' ? l.value : []));
		const failed = lists.find((l): l is PromiseRejectedResult => l.status === 'rejected');
		if (models.length === 0 && failed) throw toHearthError(failed.reason);
		return models;
	}

	load(modelId: string, onProgress?: (p: LoadProgress) => void, signal?: AbortSignal) {
		return this.#runtimeOf(modelId).load(modelId, onProgress, signal);
	}

	chat(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
		return this.#runtimeOf(request.model).chat(request, signal);
	}

	async countTokens(model: string, texts: string[], signal?: AbortSignal): Promise<number[]> {
		const runtime = this.#runtimeOf(model);
		if (!runtime.countTokens) {
			// llama.cpp counts whole prompts (countPrompt), not single texts.
			throw new HearthError('model_unsupported', `${model} counts whole prompts only.`);
		}
		return runtime.countTokens(model, texts, signal);
	}

	async countPrompt(model: string, messages: ChatMessage[], signal?: AbortSignal): Promise<number> {
		if (!isGgufModel(model)) {
			throw new HearthError('model_unsupported', `${model} counts single texts only.`);
		}
		return this.#gguf.countPrompt(model, messages, signal);
	}

	async dispose(): Promise<void> {
		await Promise.all([this.#mlc?.dispose(), this.#gguf.dispose()]);
	}
}
