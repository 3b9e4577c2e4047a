import {
	CATALOG,
	findVariant,
	toSpec,
	type CatalogModel,
	type CatalogVariant
} from '$lib/engine/catalog';
import {
	assessDevice,
	readEnvironment,
	type DeviceAssessment,
	type DeviceEnvironment
} from '$lib/engine/capability';
import type { DownloadProgress, ModelStore, StoredModel } from '$lib/engine/model-store';
import type { ModelInfo } from '$lib/engine/types';
import type { GpuProbe, WebModelSpec } from '$lib/protocol/llm';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { formatBytes } from '$lib/utils/format-bytes';
import type { InBrowserCandidate } from '$lib/onboarding/first-run';
import {
	allVariants,
	buildRows,
	installedModelInfos,
	pickDefaultId,
	preferredInstalledId,
	quotaProblemFor,
	variantName
} from '$lib/state/models-rows';
import type {
	DownloadEntry,
	ModelRow,
	QuotaProblem,
	QuotaSuggestion,
	RowStatus
} from '$lib/state/models-rows';

/** The store's public shape: tests hand in a small fake (Node has no Cache Storage). */
export type ModelStoreLike = Pick<ModelStore, 'inspect' | 'download' | 'delete'> &
	Partial<Pick<ModelStore, 'holdsAny'>>;

export interface ModelsDeps {
	store: ModelStoreLike;
	gpu: () => Promise<GpuProbe>;
	/**
	 * The same probe run in the page: the first-run notice uses it so that recommending a model
	 * does not start the 6 MB engine worker. Falls back to `gpu`.
	 */
	pageGpu?: () => Promise<GpuProbe>;
	settings: () => Settings;
	updateSettings: (patch: Partial<Settings>) => void;
	requestPersistence: () => Promise<boolean>;
	/** navigator.storage.persisted(); left out where the browser cannot say. */
	persisted?: () => Promise<boolean>;
	onError: (e: HearthError) => void;
	/** A model finished downloading or was deleted: the in-browser engine re-lists its models. */
	onInstalledChanged?: () => void;
	nav?: Parameters<typeof readEnvironment>[1];
	catalog?: readonly CatalogModel[];
}

// Components import these from here, next to the state that holds them.
export type { DownloadEntry, ModelRow, QuotaProblem, QuotaSuggestion, RowStatus };

/** Progress reaches the UI at most this often; the store may report far more often. */
const PROGRESS_INTERVAL_MS = 100;

interface Running {
	controller: AbortController;
	/** Resolves once the attempt has re-read storage and let go of the variant. */
	stopped: Promise<void>;
	/** The store has returned or thrown; only the tidying up is left. */
	ending: boolean;
}

/** The in-browser models: what this device can run, what is stored, and downloads in flight. */
export class ModelsState {
	/** The device as last read: the worker's GPU probe plus memory and storage. */
	env = $state.raw<DeviceEnvironment | null>(null);
	probing = $state(false);
	stored = $state<Record<string, StoredModel>>({});
	downloads = $state<Record<string, DownloadEntry>>({});
	persisted = $state<boolean | null>(null);
	quotaProblem = $state<QuotaProblem | null>(null);

	#deps: ModelsDeps;
	#catalog: readonly CatalogModel[];
	// Not state: the UI reads `downloads`; this holds what cancel() and remove() need.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	#running = new Map<string, Running>();
	#refreshRun = 0;
	#askedPersistence = false;
	#gpu: GpuProbe | null = null;
	/** The first read of what is stored; the engine may list models before any refresh. */
	#inspected: Promise<void> | null = null;

	constructor(deps: ModelsDeps) {
		this.#deps = deps;
		this.#catalog = deps.catalog ?? CATALOG;
	}

	/** Re-assessed when the device or the stored models change: a stored model needs no free space. */
	assessment = $derived.by((): DeviceAssessment | null => {
		if (!this.env) return null;
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway argument
		const storedIds = new Set(this.installed);
		return assessDevice(this.env, this.#catalog, { storedIds });
	});

	/** Variant ids stored completely, in catalog order. */
	installed = $derived.by(() =>
		allVariants(this.#catalog)
			.map(({ variant }) => variant.id)
			.filter((id) => this.stored[id]?.state === 'complete')
	);

	totalBytes = $derived(Object.values(this.stored).reduce((sum, s) => sum + s.bytesStored, 0));

	/** e.g. "Qwen2.5 1.5B Instruct (1.1 GB)", for the first-run notice; null until assessed. */
	recommendedLabel = $derived.by((): string | null => {
		const offer = this.assessment?.recommended;
		return offer ? `${offer.model.name} (${formatBytes(offer.fit.variant.downloadBytes)})` : null;
	});

	/** What the first-run notice may offer from this engine's catalog: the recommended model. */
	firstRunCandidates = $derived.by((): InBrowserCandidate[] => {
		const offer = this.assessment?.recommended;
		if (!offer) return [];
		const { variant } = offer.fit;
		return [
			{
				engine: 'webllm',
				variantId: variant.id,
				name: offer.model.name,
				downloadBytes: variant.downloadBytes,
				needs: 'webgpu'
			}
		];
	});

	// defaultId and rows are plain getters, not $derived: they read settings(), which need not be
	// reactive (tests pass a plain object), and a cached derived would then go stale.

	/** The model new conversations use: the chosen one when usable, else see pickDefaultId. */
	get defaultId(): string | null {
		return pickDefaultId(this.#deps.settings().webModel, this.assessment, this.installed);
	}

	/** One row per catalog model the assessment covers, with the variant it offers. */
	get rows(): ModelRow[] {
		return buildRows(this.#catalog, this.assessment, this.stored, this.downloads, this.defaultId);
	}

	/**
	 * Probes the GPU and device, and reads what is stored. Never throws.
	 * @param probe 'page' probes in the page (first run), not in the engine's worker
	 */
	async refresh(probe: 'worker' | 'page' = 'worker'): Promise<void> {
		const run = ++this.#refreshRun;
		this.probing = true;
		const inspected = this.#inspectAll();
		this.#inspected = inspected;
		const gpu = (probe === 'page' && this.#deps.pageGpu) || this.#deps.gpu;
		await Promise.all([this.#assess(run, gpu), inspected, this.#readPersisted()]);
		if (run === this.#refreshRun) this.probing = false;
	}

	/** Downloads (or resumes, or repairs) a variant. Never throws: failures land on the row. */
	async download(variantId: string): Promise<void> {
		const prior = this.#running.get(variantId);
		if (prior) {
			// Running: nothing to do. Ending (the row already shows the failure and "Try again"):
			// the press must not be lost, so start once the old attempt has let go.
			if (!prior.ending) return;
			await prior.stopped;
			if (this.#running.has(variantId)) return; // another press got there first
		}
		const found = findVariant(variantId, this.#catalog);
		if (!found) {
			this.#deps.onError(new HearthError('model_not_found', `Hearth has no model "${variantId}".`));
			return;
		}
		const spec = toSpec(found.model, found.variant, this.#sources());
		const controller = new AbortController();
		let settle = () => {};
		const stopped = new Promise<void>((resolve) => (settle = resolve));
		const running: Running = { controller, stopped, ending: false };
		this.#running.set(variantId, running);
		this.downloads[variantId] = { progress: null };
		if (this.quotaProblem) this.quotaProblem = null;

		let shownAt = 0;
		const onProgress = (p: DownloadProgress): void => {
			if (controller.signal.aborted) return;
			const now = Date.now();
			if (now - shownAt < PROGRESS_INTERVAL_MS && p.loadedBytes < p.totalBytes) return;
			shownAt = now;
			this.downloads[variantId] = { progress: p };
		};

		try {
			const result = await this.#deps.store.download(spec, onProgress, controller.signal);
			running.ending = true;
			this.stored[variantId] = result;
			delete this.downloads[variantId];
			if (result.state === 'complete') {
				this.#deps.onInstalledChanged?.();
				await this.#afterFirstDownload();
			}
		} catch (e) {
			running.ending = true;
			const error = toHearthError(e);
			if (controller.signal.aborted || error.code === 'aborted') {
				delete this.downloads[variantId];
			} else {
				const last = this.downloads[variantId]?.progress ?? null;
				this.downloads[variantId] = { progress: last, error: error.toJSON() };
				if (error.code === 'quota_exceeded') {
					this.quotaProblem = quotaProblemFor(found, last, this.stored, this.#catalog);
				} else {
					this.#deps.onError(error);
				}
			}
			await this.#inspect(found.model, found.variant);
		} finally {
			this.#running.delete(variantId);
			settle();
		}
		await this.#rereadStorage();
	}

	/** Stops a running download; what was fetched stays, so it can be resumed. */
	cancel(variantId: string): void {
		this.#running.get(variantId)?.controller.abort();
	}

	/** Deletes a stored variant (stopping its download first). Never throws. */
	async remove(variantId: string): Promise<void> {
		const found = findVariant(variantId, this.#catalog);
		if (!found) return;
		const running = this.#running.get(variantId);
		if (running) {
			// Let the download stop first, or a file it is still writing could outlive the delete.
			running.controller.abort();
			await running.stopped;
		}
		try {
			// Every other variant: the store keeps a library (e.g. Qwen2-1.5B's) another still uses.
			const others = allVariants(this.#catalog)
				.filter(({ variant }) => variant.id !== variantId)
				.map(({ model, variant }) => toSpec(model, variant, this.#sources()));
			await this.#deps.store.delete(toSpec(found.model, found.variant, this.#sources()), others);
			if (this.#deps.settings().webModel === variantId) this.#deps.updateSettings({ webModel: '' });
			delete this.downloads[variantId];
			if (this.quotaProblem) {
				this.quotaProblem = {
					...this.quotaProblem,
					suggestions: this.quotaProblem.suggestions.filter((s) => s.id !== variantId)
				};
			}
			this.#deps.onInstalledChanged?.();
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
		await this.#inspect(found.model, found.variant);
		await this.#rereadStorage();
	}

	setDefault(variantId: string): void {
		this.#deps.updateSettings({ webModel: variantId });
	}

	dismissQuotaProblem(): void {
		this.quotaProblem = null;
	}

	/** Asks the browser to keep models under storage pressure. Never throws. */
	async requestPersistence(): Promise<boolean> {
		try {
			this.persisted = await this.#deps.requestPersistence();
		} catch {
			this.persisted = false;
		}
		return this.persisted;
	}

	/** The complete models this device can load, as the in-browser engine lists them. */
	installedModels(): ModelInfo[] {
		return installedModelInfos(this.installed, this.#catalog, this.stored, this.env);
	}

	/** For WebLlmEngine's `listInstalled`: reads storage first when nothing has read it yet. */
	async listInstalled(): Promise<ModelInfo[]> {
		this.#inspected ??= this.#inspectAll();
		await this.#inspected;
		return this.installedModels();
	}

	/** For the engine chain: the default when downloaded, else the chosen one, else the first. */
	preferredInstalled(installed: readonly ModelInfo[]): string | null {
		return preferredInstalledId(installed, this.defaultId, this.#deps.settings().webModel);
	}

	specFor(variantId: string): WebModelSpec | undefined {
		const found = findVariant(variantId, this.#catalog);
		return found && toSpec(found.model, found.variant, this.#sources());
	}

	/** Display name of a variant, with its precision when both could be stored. */
	nameOf(variantId: string): string {
		return variantName(variantId, this.#catalog);
	}

	#sources(): { modelBaseUrl: string; modelLibBaseUrl: string } {
		const { modelBaseUrl, modelLibBaseUrl } = this.#deps.settings();
		return { modelBaseUrl, modelLibBaseUrl };
	}

	async #assess(run: number, probe: () => Promise<GpuProbe>): Promise<void> {
		try {
			let gpu: GpuProbe;
			try {
				gpu = await probe();
			} catch (e) {
				// No worker or no adapter: the report says why, and no model is offered.
				gpu = { webgpu: false, shaderF16: false, reason: toHearthError(e).message };
			}
			const env = await readEnvironment(gpu, this.#deps.nav);
			// A newer refresh started meanwhile: its answer wins.
			if (run !== this.#refreshRun) return;
			this.#gpu = gpu;
			this.env = env;
		} catch (e) {
			if (run === this.#refreshRun) this.#deps.onError(toHearthError(e));
		}
	}

	/** Free space changed (a download or a delete): re-read it without probing the GPU again. */
	async #rereadStorage(): Promise<void> {
		if (!this.#gpu) return;
		try {
			this.env = await readEnvironment(this.#gpu, this.#deps.nav);
		} catch {
			// The old figures stay; the next refresh tries again.
		}
	}

	async #inspectAll(): Promise<void> {
		// Nothing stored at all (a first visit): one check instead of several reads per model.
		const holdsAny = await this.#deps.store.holdsAny?.().catch(() => true);
		if (holdsAny === false) {
			this.stored = {};
			return;
		}
		await Promise.all(
			allVariants(this.#catalog).map(({ model, variant }) => this.#inspect(model, variant))
		);
	}

	async #inspect(model: CatalogModel, variant: CatalogVariant): Promise<void> {
		try {
			const stored = await this.#deps.store.inspect(toSpec(model, variant, this.#sources()));
			if (stored.state === 'absent' && stored.bytesStored === 0) delete this.stored[variant.id];
			else this.stored[variant.id] = stored;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	async #readPersisted(): Promise<void> {
		if (!this.#deps.persisted) return;
		try {
			this.persisted = await this.#deps.persisted();
		} catch {
			this.persisted = null;
		}
	}

	async #afterFirstDownload(): Promise<void> {
		if (this.#askedPersistence || this.persisted === true) return;
		this.#askedPersistence = true;
		await this.requestPersistence();
	}
}
