import type { DeviceEnvironment } from '$lib/engine/capability';
import type { GgufModelSource as EngineSource } from '$lib/engine/gguf';
import type { GgufCatalogModel } from '$lib/engine/gguf-catalog';
import { GGUF_CATALOG } from '$lib/engine/gguf-catalog';
import { ggufFit, ggufPlace, recommendGguf } from '$lib/engine/gguf-fit';
import type { GgufFit, GgufPlace } from '$lib/engine/gguf-fit';
import { modelNameOf } from '$lib/engine/gguf-header';
import {
	localRecord,
	permissionOf,
	readLocal,
	requestAccess,
	templateRendersTools
} from '$lib/engine/gguf-local';
import type { PickedFile } from '$lib/engine/gguf-local';
import {
	allEntries,
	checkHfFields,
	contextSizeFor,
	downloadSpec,
	findEntry,
	hfModelId,
	threadsFor
} from '$lib/engine/gguf-models';
import type { GgufEntry } from '$lib/engine/gguf-models';
import type { GgufStore } from '$lib/engine/gguf-store';
import type { DownloadProgress, StoredModel } from '$lib/engine/model-store';
import type { ModelInfo } from '$lib/engine/types';
import type { InBrowserCandidate } from '$lib/onboarding/first-run';
import type { DownloadEntry, RowStatus } from '$lib/state/models-rows';
import { type HearthError, toHearthError } from '$lib/types/errors';
import type { GgufModelRecord } from '$lib/types/gguf';
import type { Settings } from '$lib/types/settings';
import { formatBytes } from '$lib/utils/format-bytes';
import type { WasmFeatures } from '$lib/utils/wasm-features';

// The GGUF side of the Models dialog and of the in-browser engine: the catalog and the models the
// user added (by Hugging Face name, or picked from this device), what is stored, downloads in
// flight, and how the engine gets each model's files.

export type GgufStoreLike = Pick<
	GgufStore,
	'inspect' | 'download' | 'delete' | 'open' | 'headers' | 'importFiles'
>;

export interface GgufRecordsLike {
	list(): Promise<GgufModelRecord[]>;
	put(record: GgufModelRecord): Promise<void>;
	delete(id: string): Promise<void>;
}

// The component that picks files imports the shape from here, next to the state that takes it.
export type { PickedFile };

export interface GgufModelsDeps {
	store: GgufStoreLike;
	records: GgufRecordsLike;
	settings: () => Settings;
	updateSettings: (patch: Partial<Settings>) => void;
	/** The device as the MLC assessment read it (GPU probe, memory, storage); null before. */
	env: () => DeviceEnvironment | null;
	features: () => WasmFeatures;
	/** True when the MLC assessment recommends a model: then that is the suggestion. */
	mlcRecommends?: () => boolean;
	/** A phone: its CPU gets a smaller suggestion (onboarding/device.ts isPhone). */
	phone?: () => boolean;
	/** crossOriginIsolated and hardwareConcurrency, for the thread count. */
	cpu: () => { hardwareConcurrency?: number; crossOriginIsolated?: boolean };
	onError: (e: HearthError) => void;
	/** A model became usable or was removed: the in-browser engine lists its models again. */
	onInstalledChanged?: () => void;
	/** After a first finished download: ask the browser to keep models (shared with MLC). */
	afterDownload?: () => Promise<unknown>;
	/** After a model is in: keep llama.cpp's runtime for offline use too. */
	keepRuntime?: () => Promise<void>;
	uuid?: () => string;
	now?: () => number;
	catalog?: readonly GgufCatalogModel[];
}

export interface GgufRow {
	entry: GgufEntry;
	fit: GgufFit;
	stored: StoredModel | undefined;
	download: DownloadEntry | undefined;
	status: RowStatus;
	/** A picked file whose handle needs the user's permission again. */
	needsAccess: boolean;
	isDefault: boolean;
	isRecommended: boolean;
}

const PROGRESS_INTERVAL_MS = 100;

export class GgufModelsState {
	records = $state.raw<GgufModelRecord[]>([]);
	stored = $state<Record<string, StoredModel>>({});
	downloads = $state<Record<string, DownloadEntry>>({});
	/** Picked files (by model id) the browser needs permission for again. */
	access = $state<Record<string, PermissionState>>({});
	/** A picked file is being read and checked. */
	adding = $state(false);
	/** Per stored model: its chat template renders tools (read from its verified header). */
	templateTools = $state<Record<string, boolean>>({});
	/**
	 * A download ran out of space: which model, and how much more it needs. The Models dialog
	 * turns it into a "Storage is full" notice offering stored models of either runtime to delete.
	 */
	storageFull = $state<{ id: string; name: string; neededBytes?: number } | null>(null);

	readonly #deps: GgufModelsDeps;
	readonly #catalog: readonly GgufCatalogModel[];
	// Not state: what cancel() and remove() need.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	#running = new Map<string, AbortController>();
	// Every download's latest progress, unthrottled: what a full disk leaves still to fetch.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
	#lastProgress = new Map<string, DownloadProgress>();
	#loaded: Promise<void> | null = null;
	#askedPersistence = false;

	constructor(deps: GgufModelsDeps) {
		this.#deps = deps;
		this.#catalog = deps.catalog ?? GGUF_CATALOG;
	}

	/** Catalog models, then the user's own (a plain getter: cheap, and reads reactive records). */
	get entries(): GgufEntry[] {
		return allEntries(this.records, this.#catalog);
	}

	/** Where models run on this device, as Settings and the GPU allow. */
	get place(): GgufPlace {
		const settings = this.#deps.settings();
		return ggufPlace({
			env: this.#deps.env(),
			device: settings.ggufDevice,
			threads: threadsFor(settings, this.#deps.cpu())
		});
	}

	/** One row per model, with its fit, storage, download and defaults. Plain getter: reads settings. */
	get rows(): GgufRow[] {
		const settings = this.#deps.settings();
		const env = this.#deps.env();
		const features = this.#deps.features();
		const threads = threadsFor(settings, this.#deps.cpu());
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway lookup
		const fits = new Map<string, GgufFit>();
		for (const entry of this.entries) {
			fits.set(
				entry.id,
				ggufFit(entry, {
					env,
					features,
					threads,
					device: settings.ggufDevice,
					stored: this.stored[entry.id]?.state === 'complete'
				})
			);
		}
		const recommended = this.recommendedFor(fits, env)?.id;
		return this.entries.map((entry) => {
			const download = this.downloads[entry.id];
			const stored = this.stored[entry.id];
			return {
				entry,
				fit: fits.get(entry.id)!,
				stored,
				download,
				status: statusOf(entry, stored, download),
				needsAccess: entry.local && this.access[entry.id] !== 'granted',
				isDefault: settings.webModel === entry.id,
				isRecommended: recommended === entry.id
			};
		});
	}

	/** e.g. "Qwen2.5 1.5B Instruct (986 MB)": the GGUF model suggested here, for onboarding. */
	get recommendedLabel(): string | null {
		const row = this.rows.find((r) => r.isRecommended);
		return row ? `${row.entry.name} (${formatBytes(row.entry.bytes)}, GGUF)` : null;
	}

	/**
	 * The GGUF model to suggest where no MLC model can run (no usable WebGPU, or none that fits);
	 * null before the device was read: the two runtimes' suggestions never compete.
	 */
	recommendedFor(
		fits: ReadonlyMap<string, GgufFit>,
		env: DeviceEnvironment | null
	): GgufEntry | null {
		if (!env || this.#deps.mlcRecommends?.()) return null;
		return recommendGguf(this.entries, fits, env, this.place, { phone: this.#deps.phone?.() });
	}

	/**
	 * What the first-run notice may offer from the GGUF catalog: the suggested model, which needs
	 * only WebAssembly (so a browser without WebGPU gets one too); none before the device is read.
	 */
	get firstRunCandidates(): InBrowserCandidate[] {
		const row = this.rows.find((r) => r.isRecommended);
		if (!row || row.entry.local) return [];
		return [
			{
				engine: 'gguf',
				variantId: row.entry.id,
				name: row.entry.name,
				downloadBytes: row.entry.bytes,
				needs: 'wasm'
			}
		];
	}

	/** Reads the added models and what is stored. Never throws. */
	async refresh(): Promise<void> {
		this.#loaded = this.#readAll();
		await this.#loaded;
	}

	async #readAll(): Promise<void> {
		try {
			this.records = await this.#deps.records.list();
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
		await Promise.all(this.entries.map((entry) => this.#inspect(entry)));
	}

	async #inspect(entry: GgufEntry): Promise<void> {
		try {
			if (entry.local) {
				this.access[entry.id] = await permissionOf(entry.record);
				return;
			}
			const spec = downloadSpec(entry, this.#deps.settings());
			const stored = await this.#deps.store.inspect(spec);
			if (stored.state === 'absent') delete this.stored[entry.id];
			else this.stored[entry.id] = stored;
			if (stored.state === 'complete') {
				const model = (await this.#deps.store.headers(spec)).find((h) => h && !h.projector);
				if (model) this.templateTools[entry.id] = templateRendersTools(model);
			}
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Downloads (or resumes, or repairs) a model. Never throws: failures land on its row. */
	async download(id: string): Promise<void> {
		if (this.#running.has(id)) return;
		const entry = findEntry(id, this.records, this.#catalog);
		if (!entry || entry.local) return;
		const controller = new AbortController();
		this.#running.set(id, controller);
		this.downloads[id] = { progress: null };
		if (this.storageFull?.id === id) this.storageFull = null;
		let shownAt = 0;
		const onProgress = (p: DownloadProgress) => {
			this.#lastProgress.set(id, p);
			const now = Date.now();
			if (controller.signal.aborted) return;
			if (now - shownAt < PROGRESS_INTERVAL_MS && p.loadedBytes < p.totalBytes) return;
			shownAt = now;
			this.downloads[id] = { progress: p };
		};
		const spec = downloadSpec(entry, this.#deps.settings());
		try {
			this.stored[id] = await this.#deps.store.download(spec, onProgress, controller.signal);
			delete this.downloads[id];
			await this.#learnHeaders(entry);
			await this.#inspect(entry);
			await this.#deps.keepRuntime?.();
			this.#deps.onInstalledChanged?.();
			if (!this.#askedPersistence) {
				this.#askedPersistence = true;
				await this.#deps.afterDownload?.();
			}
		} catch (e) {
			const error = toHearthError(e);
			if (controller.signal.aborted || error.code === 'aborted') delete this.downloads[id];
			else {
				const progress = this.downloads[id]?.progress ?? null;
				this.downloads[id] = { progress, error: error.toJSON() };
				// Those three are told on the row (and in the dialog's storage notice), not in a toast.
				const shownHere = ['model_corrupt', 'model_download_failed', 'quota_exceeded'];
				if (!shownHere.includes(error.code)) {
					this.#deps.onError(error);
				}
			}
			await this.#inspect(entry);
			if (error.code === 'quota_exceeded') this.#storageFullFor(entry);
		} finally {
			this.#running.delete(id);
			this.#lastProgress.delete(id);
		}
	}

	/** What a download stopped by a full disk still needs: the file's size less what is stored. */
	#storageFullFor(entry: GgufEntry): void {
		const progress = this.#lastProgress.get(entry.id);
		const stored = this.stored[entry.id];
		// The stored size record knows the whole file; progress may have announced only part of it.
		const total = Math.max(stored?.bytesTotal ?? 0, progress?.totalBytes ?? 0, entry.bytes);
		// What is in storage (read again after the failure): bytes received but refused by the full
		// disk count as still needed.
		const have = stored?.bytesStored ?? 0;
		this.storageFull = {
			id: entry.id,
			name: entry.name,
			// Unknown when the file's size was not learnt before the disk filled.
			...(total > 0 ? { neededBytes: Math.max(0, total - have) } : {})
		};
	}

	dismissStorageFull(): void {
		this.storageFull = null;
	}

	/** Stops a running download; stored parts stay, so it can be resumed. */
	cancel(id: string): void {
		this.#running.get(id)?.abort();
	}

	/** Deletes a model's stored files (and forgets an added one). Never throws. */
	async remove(id: string): Promise<void> {
		const entry = findEntry(id, this.records, this.#catalog);
		if (!entry) return;
		this.#running.get(id)?.abort();
		try {
			await this.#deps.store.delete(downloadSpec(entry, this.#deps.settings()));
			if (entry.record) {
				await this.#deps.records.delete(id);
				this.records = this.records.filter((r) => r.id !== id);
			}
			delete this.stored[id];
			delete this.downloads[id];
			if (this.#deps.settings().webModel === id) this.#deps.updateSettings({ webModel: '' });
			this.#deps.onInstalledChanged?.();
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	setDefault(id: string): void {
		this.#deps.updateSettings({ webModel: id });
	}

	/**
	 * Adds any GGUF by Hugging Face repository and file name (fetched through the mirror setting)
	 * and starts its download. Returns the model id, or throws path_rejected for a bad field.
	 */
	async addFromHub(repo: string, file: string, mmproj = ''): Promise<string> {
		const r = repo.trim();
		const f = file.trim();
		const m = mmproj.trim();
		checkHfFields(r, f, m);
		const id = hfModelId(r, f);
		if (!this.records.some((rec) => rec.id === id)) {
			const name = f.slice(f.lastIndexOf('/') + 1).replace(/\.gguf$/i, '');
			const record: GgufModelRecord = {
				id,
				name,
				source: { kind: 'hf', repo: r, file: f, ...(m ? { mmproj: m } : {}) },
				addedAt: this.#now()
			};
			await this.#deps.records.put(record);
			this.records = [...this.records, record];
		}
		void this.download(id);
		return id;
	}

	/**
	 * Adds GGUF files picked from this device (a model, or all splits of one). Each is checked
	 * first. With handles the files are read in place from now on; without (no File System Access
	 * API), they are copied into storage with progress. Returns the new model id.
	 */
	async addLocal(picked: readonly PickedFile[]): Promise<string | null> {
		if (picked.length === 0) return null;
		this.adding = true;
		try {
			const { record, files } = await localRecord(picked, this.#uuid(), this.#now());
			const copied = record.source.kind === 'local' && record.source.copied;
			if (copied) await this.#copy(record, files);
			await this.#deps.records.put(record);
			this.records = [...this.records, record];
			if (copied) await this.#inspect(recordEntryOf(record));
			else this.access[record.id] = 'granted';
			await this.#deps.keepRuntime?.();
			this.#deps.onInstalledChanged?.();
			return record.id;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
			return null;
		} finally {
			this.adding = false;
		}
	}

	async #copy(record: GgufModelRecord, files: File[]): Promise<void> {
		const spec = downloadSpec(recordEntryOf(record), this.#deps.settings());
		const controller = new AbortController();
		this.#running.set(record.id, controller);
		this.downloads[record.id] = { progress: null };
		try {
			await this.#deps.store.importFiles(
				spec,
				files,
				(p) => (this.downloads[record.id] = { progress: p }),
				controller.signal
			);
		} finally {
			delete this.downloads[record.id];
			this.#running.delete(record.id);
		}
	}

	/** Asks the browser to let Hearth read a picked file again (needs a click). Never throws. */
	async allowAccess(id: string): Promise<void> {
		try {
			const state = await requestAccess(findEntry(id, this.records, this.#catalog)?.record);
			this.access[id] = state;
			if (state === 'granted') this.#deps.onInstalledChanged?.();
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** The models this device has ready (downloaded, copied, or picked), as the engine lists them. */
	installedModels(): ModelInfo[] {
		const settings = this.#deps.settings();
		return this.entries.flatMap((entry): ModelInfo[] => {
			const ready = entry.local || this.stored[entry.id]?.state === 'complete';
			if (!ready) return [];
			return [
				{
					id: entry.id,
					name: entry.name,
					sizeBytes: entry.bytes,
					contextLength: contextSizeFor(entry, settings),
					...(entry.catalog ? { family: entry.catalog.family } : {}),
					...(entry.parameters ? { parameterSize: entry.parameters } : {}),
					...(entry.quantization ? { quantization: entry.quantization } : {})
				}
			];
		});
	}

	/** For the engine's listModels: reads storage first when nothing has yet. */
	async listInstalled(): Promise<ModelInfo[]> {
		this.#loaded ??= this.#readAll();
		await this.#loaded;
		return this.installedModels();
	}

	/** What the engine needs to load `id`: its files (read on demand), context, size, tools. */
	resolve(id: string): EngineSource | undefined {
		const entry = findEntry(id, this.records, this.#catalog);
		if (!entry) return undefined;
		const settings = this.#deps.settings();
		// The downloaded file's own template decides; before it is read, the catalog's word.
		const nativeTools =
			this.templateTools[id] ??
			(entry.catalog ? entry.capabilities.includes('tools') : (entry.record?.nativeTools ?? false));
		return {
			contextSize: contextSizeFor(entry, settings),
			bytes: entry.bytes,
			nativeTools,
			files: () => this.#filesOf(entry)
		};
	}

	async #filesOf(entry: GgufEntry): Promise<Blob[]> {
		if (entry.local && entry.record) {
			try {
				return await readLocal(entry.record);
			} catch (e) {
				if (toHearthError(e).code === 'permission_denied') this.access[entry.id] = 'prompt';
				throw e;
			}
		}
		return this.#deps.store.open(downloadSpec(entry, this.#deps.settings()));
	}

	/** After a download: what its header says (context, template) joins an added model's record. */
	async #learnHeaders(entry: GgufEntry): Promise<void> {
		const record = entry.record;
		if (!record) return;
		try {
			const headers = await this.#deps.store.headers(downloadSpec(entry, this.#deps.settings()));
			const model = headers.find((h) => h && !h.projector);
			if (!model) return;
			const named = modelNameOf(model);
			const updated: GgufModelRecord = {
				...record,
				bytes: this.stored[entry.id]?.bytesTotal ?? record.bytes,
				...(model.architecture ? { architecture: model.architecture } : {}),
				...(model.contextLength ? { contextLength: model.contextLength } : {}),
				...(named ? { name: named } : {}),
				nativeTools: templateRendersTools(model)
			};
			await this.#deps.records.put(updated);
			this.records = this.records.map((r) => (r.id === updated.id ? updated : r));
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	#now(): number {
		return this.#deps.now?.() ?? Date.now();
	}

	#uuid(): string {
		return this.#deps.uuid?.() ?? crypto.randomUUID();
	}
}

function recordEntryOf(record: GgufModelRecord): GgufEntry {
	return allEntries([record], []).at(-1)!;
}

function statusOf(
	entry: GgufEntry,
	stored: StoredModel | undefined,
	download: DownloadEntry | undefined
): RowStatus {
	if (download && !download.error) return 'downloading';
	if (entry.local) return 'complete';
	return stored?.state ?? 'absent';
}
