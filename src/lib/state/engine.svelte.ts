import type {
	BrowserEngineKind,
	EngineChoice,
	EngineKind,
	EnginePin,
	LlmEngine,
	ModelInfo
} from '$lib/engine/types';
import type { EngineChooser } from '$lib/conversation/ports';
import { HearthError, toHearthError, type SerializedError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

/**
 * `off`: not configured (an OpenAI-compatible server with no address).
 * `unreachable`: configured but failing (server down, no WebGPU).
 * `no-models`: works, but has nothing to answer with yet.
 */
export type CandidateStatus = 'checking' | 'ready' | 'no-models' | 'unreachable' | 'off';

/** The overall state the header shows; `none` means no engine can answer and onboarding shows. */
export type EngineStatus = CandidateStatus | 'none';

/** Creates the engine for one kind from the settings, or null when that kind is not configured. */
export interface EngineFactory {
	create(kind: BrowserEngineKind, settings: Settings): LlmEngine | null;
	/** Changes when the engine must be recreated (its address or key changed). */
	key(kind: BrowserEngineKind, settings: Settings): string;
	/** The model a kind should use when the user chose none (e.g. the recommended in-browser one). */
	preferredModel?(kind: EngineKind, models: ModelInfo[]): string | null;
}

/** The order `auto` tries: in the browser first, then a local server, then a remote one. */
export const CHAIN: readonly BrowserEngineKind[] = ['webllm', 'ollama', 'openai'];

const NAMES: Record<EngineKind, string> = {
	webllm: 'In this browser',
	ollama: 'Ollama',
	openai: 'OpenAI-compatible server',
	llamacpp: 'llama.cpp in the terminal'
};

/** One engine of the chain and what Hearth last learnt about it. */
export class EngineCandidate {
	readonly kind: EngineKind;
	status = $state<CandidateStatus>('checking');
	models = $state<ModelInfo[]>([]);
	error = $state<SerializedError | null>(null);
	engine = $state.raw<LlmEngine | null>(null);
	key = '';
	#check: AbortController | null = null;

	constructor(kind: EngineKind) {
		this.kind = kind;
	}

	get name(): string {
		return NAMES[this.kind];
	}

	get label(): string {
		return this.engine?.label ?? NAMES[this.kind];
	}

	/**
	 * @param quiet keep the last status while checking (a background re-check): nothing on screen
	 *   changes unless the answer does
	 */
	async refresh(quiet = false): Promise<void> {
		this.#check?.abort();
		const engine = this.engine;
		if (!engine) {
			this.status = 'off';
			this.models = [];
			this.error = null;
			return;
		}
		const check = new AbortController();
		this.#check = check;
		if (!quiet) this.status = 'checking';
		try {
			const models = await engine.listModels(check.signal);
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
}

/**
 * The fallback chain, decided at start-up and shown to the user: the in-browser engine if WebGPU
 * works and a model is downloaded, else Ollama if reachable, else an OpenAI-compatible server if
 * configured, else onboarding. Settings can force one engine; a conversation can pin its own.
 */
export class EngineState implements EngineChooser {
	/**
	 * `llamacpp` is never created here (it runs in Node): it stays `off`, so a conversation pinned
	 * to it in the terminal and imported from a backup is shown and refused by name, not crashed on.
	 */
	readonly candidates: Record<EngineKind, EngineCandidate> = {
		webllm: new EngineCandidate('webllm'),
		ollama: new EngineCandidate('ollama'),
		openai: new EngineCandidate('openai'),
		llamacpp: new EngineCandidate('llamacpp')
	};
	#settings: () => Settings;
	#factory: EngineFactory;

	constructor(settings: () => Settings, factory: EngineFactory) {
		this.#settings = settings;
		this.#factory = factory;
		this.#syncEngines();
	}

	/** The candidate new messages go to, or null when none can answer (onboarding). */
	get active(): EngineCandidate | null {
		const preference = this.#settings().engine;
		if (preference !== 'auto') return this.candidates[preference];
		// An earlier engine still being checked wins over a later ready one: no flicker at start-up.
		for (const kind of CHAIN) {
			const candidate = this.candidates[kind];
			if (candidate.status === 'ready' || candidate.status === 'checking') return candidate;
		}
		return null;
	}

	get status(): EngineStatus {
		return this.active?.status ?? 'none';
	}

	get label(): string {
		return this.active?.label ?? 'No engine';
	}

	get error(): SerializedError | null {
		return this.active?.error ?? null;
	}

	get models(): ModelInfo[] {
		return this.active?.models ?? [];
	}

	/** The model the active engine would answer with. */
	get model(): string | null {
		const active = this.active;
		return active ? this.modelFor(active.kind) : null;
	}

	/** The chosen model of a kind if the engine has it, else its preferred or first one. */
	modelFor(kind: EngineKind): string | null {
		const candidate = this.candidates[kind];
		const wanted = chosenModel(kind, this.#settings());
		const models = candidate.models;
		if (wanted && models.some((m) => m.id === wanted)) return wanted;
		return this.#factory.preferredModel?.(kind, models) ?? models[0]?.id ?? (wanted || null);
	}

	/** What the engine reports about a model (window, display name), when it listed it. */
	modelInfo(kind: EngineKind, model: string): ModelInfo | undefined {
		return this.candidates[kind].models.find((m) => m.id === model);
	}

	/** Re-checks every engine (or one), recreating any whose address or key changed. */
	async refresh(kind?: EngineKind): Promise<void> {
		await this.#syncEngines();
		const kinds = kind ? [kind] : CHAIN;
		await Promise.all(kinds.map((k) => this.candidates[k].refresh()));
	}

	/**
	 * Re-checks, in the background, the engines that cannot answer (a server may have started):
	 * statuses change only when an answer differs, so the first-run notice does not flicker.
	 */
	async recheck(): Promise<void> {
		await this.#syncEngines();
		const waiting = CHAIN.map((k) => this.candidates[k]).filter(
			(c) => c.status === 'unreachable' || c.status === 'no-models'
		);
		await Promise.all(waiting.map((c) => c.refresh(true)));
	}

	/**
	 * The engine and model to send with. A pinned conversation gets exactly its pin or a coded
	 * error, never a silent switch. When nothing is ready the chain is checked once more first (a
	 * server may have started since).
	 */
	async choose(pin?: EnginePin | null): Promise<EngineChoice> {
		if (pin) return this.#pinned(pin);
		if (!this.active || this.active.status !== 'ready') await this.refresh();
		const active = this.active;
		if (!active || !active.engine) throw this.#onboardingError();
		if (active.status === 'ready') {
			const model = this.modelFor(active.kind);
			if (model) return { kind: active.kind, engine: active.engine, model };
		}
		throw this.#candidateError(active);
	}

	async #pinned(pin: EnginePin): Promise<EngineChoice> {
		const candidate = this.candidates[pin.engine];
		if (candidate.status !== 'ready') await this.refresh(pin.engine);
		if (!candidate.engine) {
			throw new HearthError(
				'no_model',
				pin.engine === 'llamacpp'
					? `This conversation uses ${pin.model} through ${candidate.name}, which does not run in the browser. Pick another engine for it.`
					: `This conversation uses ${candidate.name}, which is not set up any more. Pick another engine for it.`
			);
		}
		if (candidate.status === 'unreachable') throw this.#candidateError(candidate);
		if (!candidate.models.some((m) => m.id === pin.model)) {
			throw new HearthError(
				'model_not_found',
				`This conversation uses ${pin.model} on ${candidate.label}, which no longer has it. Pick another model for it.`
			);
		}
		return { kind: pin.engine, engine: candidate.engine, model: pin.model };
	}

	#candidateError(candidate: EngineCandidate): HearthError {
		if (candidate.error) return new HearthError(candidate.error.code, candidate.error.message);
		if (candidate.kind === 'webllm') {
			return new HearthError(
				'no_model',
				'No in-browser model is downloaded yet. Open Models to download one (the recommended one fits this device).'
			);
		}
		if (candidate.kind === 'ollama') {
			return new HearthError(
				'no_model',
				`${candidate.label} has no models yet. Download one with: ollama pull qwen2.5:1.5b`
			);
		}
		return new HearthError('no_model', `${candidate.label} lists no models.`);
	}

	/**
	 * Nothing can answer: one message covering every way to get an engine. When Ollama failed, its
	 * own error leads (it names the fix for a stopped server or a refused origin); the other ways
	 * follow.
	 */
	#onboardingError(): HearthError {
		const { webllm, ollama } = this.candidates;
		const origin = typeof location === 'undefined' ? '*' : location.origin;
		const others: string[] = [];
		if (webllm.status === 'no-models') others.push('download an in-browser model (open Models)');
		others.push('set an OpenAI-compatible server in Settings');
		if (ollama.error) {
			return new HearthError(
				ollama.error.code,
				`${ollama.error.message} Other ways to get answers: ${others.join(', or ')}.`
			);
		}
		const ways = [
			...others.slice(0, -1),
			`start Ollama (ollama serve; if it is running, allow this page: OLLAMA_ORIGINS=${origin} ollama serve)`,
			others.at(-1)
		];
		return new HearthError('no_model', `No model is ready. To start: ${ways.join('; or ')}.`);
	}

	#syncEngines(): Promise<void> {
		const settings = this.#settings();
		const disposals: Promise<void>[] = [];
		for (const kind of CHAIN) {
			const candidate = this.candidates[kind];
			const key = this.#factory.key(kind, settings);
			if (candidate.engine && key === candidate.key) continue;
			if (candidate.engine) disposals.push(candidate.engine.dispose().catch(() => {}));
			candidate.engine = this.#factory.create(kind, settings);
			candidate.key = key;
		}
		return Promise.all(disposals).then(() => {});
	}
}

function chosenModel(kind: EngineKind, settings: Settings): string {
	if (kind === 'ollama') return settings.model;
	if (kind === 'openai') return settings.openaiModel;
	return settings.webModel;
}
