import { createEngine } from '$lib/engine/factory';
import type { LlmEngine, ModelInfo } from '$lib/engine/types';
import { HearthError, toHearthError, type SerializedError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

export type EngineStatus = 'checking' | 'ready' | 'unreachable' | 'no-models';

/** Which engine and model Hearth will use, and whether it is reachable right now. */
export class EngineState {
	status = $state<EngineStatus>('checking');
	models = $state<ModelInfo[]>([]);
	error = $state<SerializedError | null>(null);
	engine: LlmEngine;
	#settings: () => Settings;
	#url: string;
	#check: AbortController | null = null;

	constructor(settings: () => Settings) {
		this.#settings = settings;
		this.#url = settings().ollamaUrl;
		this.engine = createEngine(settings());
	}

	get label(): string {
		return this.engine.label;
	}

	/** The model new messages use: the chosen one if the engine has it, else the first listed. */
	get model(): string | null {
		const wanted = this.#settings().model;
		if (wanted && this.models.some((m) => m.id === wanted)) return wanted;
		return this.models[0]?.id ?? (wanted || null);
	}

	/** Re-reads the engine's models; recreates the engine when its URL changed. */
	async refresh(): Promise<void> {
		const url = this.#settings().ollamaUrl;
		if (url !== this.#url) {
			await this.engine.dispose();
			this.engine = createEngine(this.#settings());
			this.#url = url;
		}
		this.#check?.abort();
		const check = new AbortController();
		this.#check = check;
		this.status = 'checking';
		try {
			const models = await this.engine.listModels(check.signal);
			if (check.signal.aborted) return;
			this.models = models;
			this.error = null;
			this.status = models.length > 0 ? 'ready' : 'no-models';
		} catch (e) {
			if (check.signal.aborted) return;
			this.models = [];
			this.error = toHearthError(e).toJSON();
			this.status = 'unreachable';
		}
	}

	/** The model to send with, or a coded error explaining why there is none. */
	requireModel(): string {
		const model = this.model;
		if (model) return model;
		if (this.error) throw new HearthError(this.error.code, this.error.message);
		throw new HearthError(
			'no_model',
			`${this.label} has no models yet. Download one with: ollama pull qwen2.5:1.5b`
		);
	}
}
