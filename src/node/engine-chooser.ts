// Which engine answers in the terminal and the API: a GGUF file named on the command line, else
// what config.yaml's `ai.engine` says, else (auto) the first that answers of Ollama, an
// OpenAI-compatible server and a downloaded GGUF model. One chooser per process; engines and
// their model lists are built once and reused.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { EngineChooser } from '$lib/conversation/ports';
import { OllamaEngine } from '$lib/engine/ollama';
import { OpenAiEngine } from '$lib/engine/openai';
import { withRetry } from '$lib/engine/retry';
import type { EngineChoice, EngineKind, EnginePin, LlmEngine, ModelInfo } from '$lib/engine/types';
import type { HearthConfig } from '$lib/config/config-schema';
import { HearthError } from '$lib/types/errors';
import { LLAMACPP_KIND, LlamaCppEngine, type LlamaCppEngineOptions } from './llama-engine';
import { ggufFilesIn } from './llama-files';

export interface EngineChooserOptions {
	config: HearthConfig;
	/** A .gguf file named with --model: llama.cpp runs it, whatever the config says. */
	modelFile?: string;
	/** A model name named with --model (not a file): the chosen engine's model. */
	modelName?: string;
	/** Where downloaded GGUF models are. */
	modelsDir: string;
	/** Where config.yaml is, named when Ollama cannot be reached (how to point Hearth elsewhere). */
	configFile?: string;
	/** llama.cpp threads when the config says `auto` (tests pass 1). */
	threads?: number;
	/** How the llama.cpp runtime is loaded (tests share one). */
	llamaRuntime?: LlamaCppEngineOptions['runtime'];
}

/** One engine the chooser can use, with what it reported the last time it was asked. */
export interface EngineCandidate {
	kind: EngineKind;
	engine: LlmEngine;
	/** The model the config or the command line names for it; '' = its first. */
	model: string;
	models?: ModelInfo[];
	/** For the models folder: false while it holds no .gguf file (skipped without loading llama.cpp). */
	hasFiles?: () => Promise<boolean>;
}

/**
 * llama.cpp threads spin-wait: on a machine running other work, every core busy-waiting slows
 * everything. `auto` takes half the cores (at least 1, at most 8), which the terminal says.
 */
export function pickThreads(setting: HearthConfig['engines']['llamacpp']['threads']): number {
	if (setting !== 'auto') return setting;
	return Math.min(8, Math.max(1, Math.floor(availableParallelism() / 2)));
}

export function isGgufPath(model: string): boolean {
	return /\.gguf$/i.test(model);
}

export class NodeEngineChooser implements EngineChooser {
	readonly candidates: EngineCandidate[];
	readonly threads: number;
	#picked: EngineCandidate | null = null;
	readonly #modelsDir: string;

	constructor(options: EngineChooserOptions) {
		const { config } = options;
		this.#modelsDir = options.modelsDir;
		this.threads = options.threads ?? pickThreads(config.engines.llamacpp.threads);
		const llamaOptions = (files: string[]): LlamaCppEngineOptions => ({
			files,
			modelsDir: options.modelsDir,
			threads: this.threads,
			...(config.engines.llamacpp.context_size
				? { contextSize: config.engines.llamacpp.context_size }
				: {}),
			...(options.llamaRuntime ? { runtime: options.llamaRuntime } : {})
		});
		const file = options.modelFile ?? (isGgufPath(config.ai.model) ? config.ai.model : undefined);
		if (file) {
			const full = path.resolve(file);
			this.candidates = [
				{
					kind: LLAMACPP_KIND,
					engine: new LlamaCppEngine(llamaOptions([full])),
					model: path.basename(full)
				}
			];
			return;
		}
		const named = options.modelName ?? config.ai.model;
		const all: EngineCandidate[] = [];
		const ollama = (): EngineCandidate => ({
			kind: 'ollama',
			engine: withRetry(
				new OllamaEngine({
					baseUrl: config.engines.ollama.url,
					caller: {
						process: {
							setting:
								'OLLAMA_HOST=host:port in the environment, or engines.ollama.url in ' +
								(options.configFile ?? 'config.yaml')
						}
					}
				})
			),
			model:
				(config.ai.engine === 'ollama' || options.modelName ? named : '') ||
				config.engines.ollama.model
		});
		const openai = (): EngineCandidate | null =>
			config.engines.openai.url
				? {
						kind: 'openai',
						engine: withRetry(
							new OpenAiEngine({
								baseUrl: config.engines.openai.url,
								apiKey: config.engines.openai.api_key || undefined
							})
						),
						model:
							(config.ai.engine === 'openai' || options.modelName ? named : '') ||
							config.engines.openai.model
					}
				: null;
		const llama = (): EngineCandidate => ({
			kind: LLAMACPP_KIND,
			engine: new LlamaCppEngine(llamaOptions([])),
			model: config.ai.engine === 'llamacpp' || options.modelName ? named : '',
			hasFiles: async () => (await ggufFilesIn(options.modelsDir)).length > 0
		});
		if (config.ai.engine === 'ollama') all.push(ollama());
		else if (config.ai.engine === 'openai') {
			const o = openai();
			if (o) all.push(o);
		} else if (config.ai.engine === 'llamacpp') all.push(llama());
		else {
			// Auto: a server someone set up wins over a downloaded file (it is usually the bigger
			// model); OpenAI first when its address was given, as Ollama's default is only a guess.
			const o = openai();
			if (o) all.push(o);
			all.push(ollama());
			all.push(llama());
		}
		this.candidates = all;
	}

	/** The engine and model that answer unpinned conversations (probed once, then kept). */
	async choose(pin?: EnginePin | null): Promise<EngineChoice> {
		if (pin) return this.#pinned(pin);
		const picked = await this.#pick();
		return { kind: picked.kind, engine: picked.engine, model: picked.model };
	}

	modelInfo(kind: EngineKind, model: string): ModelInfo | undefined {
		return this.candidates.find((c) => c.kind === kind)?.models?.find((m) => m.id === model);
	}

	/** Every model each reachable engine offers (the REPL's /model, the API's /v1/models). */
	async listModels(): Promise<{ kind: EngineKind; label: string; models: ModelInfo[] }[]> {
		const lists = await Promise.all(
			this.candidates.map(async (c) => {
				try {
					c.models ??= await c.engine.listModels(AbortSignal.timeout(5000));
					return { kind: c.kind, label: c.engine.label, models: c.models };
				} catch {
					return null;
				}
			})
		);
		return lists.filter((l) => l !== null);
	}

	/** Switches the model (and engine, when another one offers it): the REPL's /model. */
	async use(model: string): Promise<EngineChoice> {
		for (const list of await this.listModels()) {
			const found = list.models.find((m) => m.id === model || m.name === model);
			if (!found) continue;
			const candidate = this.candidates.find((c) => c.kind === list.kind)!;
			candidate.model = found.id;
			this.#picked = candidate;
			return { kind: candidate.kind, engine: candidate.engine, model: found.id };
		}
		throw new HearthError('model_not_found', `No engine offers a model named "${model}".`);
	}

	async #pick(): Promise<EngineCandidate> {
		if (this.#picked) return this.#picked;
		const problems: string[] = [];
		for (const candidate of this.candidates) {
			if (candidate.hasFiles && !(await candidate.hasFiles())) {
				problems.push(`No GGUF model is downloaded into ${this.#modelsDir} yet.`);
				continue;
			}
			const probe = await candidate.engine.probe(AbortSignal.timeout(3000));
			if (!probe.ok) {
				problems.push(`${candidate.engine.label}: ${probe.error.message}`);
				continue;
			}
			try {
				candidate.models ??= await candidate.engine.listModels(AbortSignal.timeout(10_000));
			} catch (e) {
				problems.push(`${candidate.engine.label}: ${String((e as Error).message ?? e)}`);
				continue;
			}
			if (!candidate.model) {
				const first = candidate.models[0];
				if (!first) {
					problems.push(`${candidate.engine.label} has no models.`);
					continue;
				}
				candidate.model = first.id;
			}
			this.#picked = candidate;
			return candidate;
		}
		throw new HearthError(
			'no_model',
			[
				'No engine is ready to answer.',
				...problems.map((p) => `  ${p}`),
				'Run `hearth models` to download a small model, pass --model file.gguf, or set OLLAMA_HOST or OPENAI_BASE_URL.'
			].join('\n')
		);
	}

	async #pinned(pin: EnginePin): Promise<EngineChoice> {
		const candidate = this.candidates.find((c) => c.kind === pin.engine);
		if (!candidate) {
			// A conversation started on another engine carries on with what is set up now.
			return this.choose(null);
		}
		return { kind: candidate.kind, engine: candidate.engine, model: pin.model };
	}

	/** Forgets what engines reported (after a download adds a model). */
	refresh(): void {
		this.#picked = null;
		for (const c of this.candidates) c.models = undefined;
	}

	/** Unloads local models (llama.cpp holds memory and threads). */
	async close(): Promise<void> {
		for (const c of this.candidates) await c.engine.dispose();
	}
}
