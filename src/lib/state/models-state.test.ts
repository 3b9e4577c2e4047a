import { beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '$lib/engine/catalog';
import type { DownloadProgress, StoredModel } from '$lib/engine/model-store';
import type { GpuProbe, WebModelSpec } from '$lib/protocol/llm';
import { ModelsState, type ModelStoreLike, type ModelsDeps } from '$lib/state/models.svelte';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// The real ModelsState, catalog and capability assessment. The store is a fake: the real one
// needs Cache Storage, which Node lacks, and has its own tests; this checks the state class.

type Step = (
	spec: WebModelSpec,
	onProgress: (p: DownloadProgress) => void,
	signal: AbortSignal
) => Promise<StoredModel>;

class FakeStore implements ModelStoreLike {
	models = new Map<string, StoredModel>();
	deleted: { id: string; others: string[] }[] = [];
	/** What the next download does; the default finishes at once. */
	next: Step | null = null;

	async inspect(spec: WebModelSpec): Promise<StoredModel> {
		return this.models.get(spec.id) ?? absent(spec.id);
	}

	async download(
		spec: WebModelSpec,
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<StoredModel> {
		const step = this.next ?? (async (s) => complete(s.id, 1000));
		this.next = null;
		return step(spec, onProgress, signal ?? new AbortController().signal);
	}

	async delete(spec: WebModelSpec, others: readonly WebModelSpec[] = []): Promise<void> {
		this.deleted.push({ id: spec.id, others: others.map((o) => o.id) });
		this.models.delete(spec.id);
	}
}

function absent(id: string): StoredModel {
	return { id, state: 'absent', bytesStored: 0, missingFiles: 3, brokenFiles: 0 };
}

function complete(id: string, bytes: number): StoredModel {
	return {
		id,
		state: 'complete',
		bytesStored: bytes,
		bytesTotal: bytes,
		missingFiles: 0,
		brokenFiles: 0
	};
}

function progress(loadedBytes: number, totalBytes = 1000): DownloadProgress {
	return {
		loadedBytes,
		totalBytes,
		fraction: loadedBytes / totalBytes,
		bytesPerSecond: 100,
		etaSeconds: (totalBytes - loadedBytes) / 100,
		file: 'params_shard_0.bin',
		filesDone: 0,
		filesTotal: 3,
		resumedBytes: 0
	};
}

async function until(check: () => boolean): Promise<void> {
	for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 0));
	expect(check()).toBe(true);
}

function gate(): { promise: Promise<void>; open: () => void } {
	let open = () => {};
	const promise = new Promise<void>((resolve) => (open = resolve));
	return { promise, open };
}

const STRONG_GPU: GpuProbe = {
	webgpu: true,
	vendor: 'nvidia',
	architecture: 'ampere',
	shaderF16: true,
	maxBufferSize: 4 * 1024 ** 3,
	maxStorageBufferBindingSize: 2 * 1024 ** 3
};

let quota: number;
let estimates: number;
const nav = {
	deviceMemory: 8,
	storage: {
		estimate: async () => {
			estimates++;
			return { quota, usage: 1e9 };
		}
	} as unknown as StorageManager
};

const qwen15 = CATALOG.find((m) => m.key === 'qwen2.5-1.5b')!;
const llama1 = CATALOG.find((m) => m.key === 'llama3.2-1b')!;
const smol = CATALOG.find((m) => m.key === 'smollm2-360m')!;

let store: FakeStore;
let settings: Settings;
let gpu: GpuProbe;
let errors: HearthError[];
let installedChanges: number;
let persistRequests: number;
let models: ModelsState;

function create(extra: Partial<ModelsDeps> = {}): ModelsState {
	return new ModelsState({
		store,
		gpu: async () => gpu,
		settings: () => settings,
		updateSettings: (patch) => (settings = { ...settings, ...patch }),
		requestPersistence: async () => {
			persistRequests++;
			return true;
		},
		persisted: async () => false,
		onError: (e) => errors.push(e),
		onInstalledChanged: () => installedChanges++,
		nav,
		...extra
	});
}

beforeEach(() => {
	store = new FakeStore();
	settings = { ...DEFAULT_SETTINGS };
	gpu = STRONG_GPU;
	errors = [];
	installedChanges = 0;
	persistRequests = 0;
	quota = 100e9;
	estimates = 0;
	models = create();
});

describe('ModelsState.refresh', () => {
	it('builds one row per catalog model and defaults to the recommended one', async () => {
		await models.refresh();

		expect(models.probing).toBe(false);
		expect(models.rows.map((r) => r.model.key)).toEqual(CATALOG.map((m) => m.key));
		expect(models.rows.every((r) => r.variant.precision === 'f16')).toBe(true);
		const recommended = models.assessment?.recommended;
		expect(recommended?.fit.ok).toBe(true);
		expect(models.defaultId).toBe(recommended?.fit.variant.id);
		const defaults = models.rows.filter((r) => r.isDefault);
		expect(defaults.map((r) => r.variant.id)).toEqual([recommended?.fit.variant.id]);
		expect(models.rows.filter((r) => r.isRecommended).map((r) => r.variant.id)).toEqual([
			recommended?.fit.variant.id
		]);
		expect(models.installed).toEqual([]);
		expect(models.persisted).toBe(false);
		expect(models.recommendedLabel).toContain(recommended?.model.name);
		expect(errors).toEqual([]);
	});

	it('reads stored models, and prefers a downloaded model to one still to fetch', async () => {
		store.models.set(qwen15.variants.f16.id, complete(qwen15.variants.f16.id, 900));
		await models.refresh();
		const recommended = models.assessment!.recommended!.fit.variant.id;
		expect(recommended).not.toBe(qwen15.variants.f16.id);

		const qwenRow = models.rows.find((r) => r.model.key === qwen15.key)!;
		expect(qwenRow.status).toBe('complete');
		expect(models.installed).toEqual([qwen15.variants.f16.id]);
		expect(models.totalBytes).toBe(900);
		expect(models.defaultId).toBe(qwen15.variants.f16.id);

		store.models.set(recommended, complete(recommended, 2000));
		await models.refresh();
		expect(models.defaultId).toBe(recommended);
		expect(models.totalBytes).toBe(2900);
	});

	it('keeps the chosen default while it is offered, and falls back when it is not', async () => {
		await models.refresh();
		models.setDefault(smol.variants.f16.id);
		expect(settings.webModel).toBe(smol.variants.f16.id);
		expect(models.defaultId).toBe(smol.variants.f16.id);

		settings = { ...settings, webModel: 'Not-A-Model' };
		expect(models.defaultId).toBe(models.assessment?.recommended?.fit.variant.id);
	});

	it('chooses f32 variants when the GPU has no 16-bit floats', async () => {
		gpu = { ...STRONG_GPU, shaderF16: false };
		await models.refresh();

		const offered = models.rows.filter((r) => r.fit.ok);
		expect(offered.length).toBeGreaterThan(0);
		expect(models.rows.every((r) => r.variant.precision === 'f32')).toBe(true);
		expect(models.defaultId).toMatch(/q4f32_1-MLC$/);
		expect(models.specFor(models.defaultId!)?.requiredFeatures).toEqual([]);
	});

	it('does not list a stored 16-bit build to the engine on a GPU without 16-bit floats', async () => {
		gpu = { ...STRONG_GPU, shaderF16: false };
		store.models.set(smol.variants.f16.id, complete(smol.variants.f16.id, 200));
		store.models.set(smol.variants.f32.id, complete(smol.variants.f32.id, 250));
		await models.refresh();

		expect(models.installed).toEqual([smol.variants.f16.id, smol.variants.f32.id]);
		expect(models.installedModels().map((m) => m.id)).toEqual([smol.variants.f32.id]);
	});

	it('keeps a downloaded model offered when free space runs too low for new downloads', async () => {
		const id = llama1.variants.f16.id;
		store.models.set(id, complete(id, 700e6));
		quota = 1.1e9; // 100 MB free
		await models.refresh();

		const fits = Object.fromEntries(models.rows.map((r) => [r.model.key, r.fit]));
		expect(fits[llama1.key]?.ok).toBe(true);
		const qwen = fits[qwen15.key];
		expect(qwen?.ok).toBe(false);
		expect(qwen && !qwen.ok && qwen.reason).toMatch(/storage/);
		expect(models.defaultId).toBe(id);
	});

	it('reports no WebGPU as unfit rows instead of throwing when the probe fails', async () => {
		models = create({ gpu: () => Promise.reject(new Error('worker failed to start')) });
		await models.refresh();

		expect(models.assessment?.env.gpu.webgpu).toBe(false);
		expect(models.rows.length).toBe(CATALOG.length);
		expect(models.rows.every((r) => !r.fit.ok)).toBe(true);
		expect(models.defaultId).toBeNull();
	});
});

describe('ModelsState.download', () => {
	it('shows throttled progress, then the completed model', async () => {
		await models.refresh();
		const id = llama1.variants.f16.id;
		const release = gate();
		let spec: WebModelSpec | undefined;
		store.next = async (s, onProgress) => {
			spec = s;
			for (let i = 1; i <= 20; i++) onProgress(progress(i * 10));
			await release.promise;
			onProgress(progress(1000));
			store.models.set(s.id, complete(s.id, 1000));
			return complete(s.id, 1000);
		};

		const done = models.download(id);
		await Promise.resolve();
		const row = () => models.rows.find((r) => r.variant.id === id)!;
		expect(row().status).toBe('downloading');
		// Twenty events in one burst reach the UI once: the first.
		expect(models.downloads[id]?.progress?.loadedBytes).toBe(10);
		expect(spec?.modelUrl).toBe(`${settings.modelBaseUrl}${id}/resolve/main/`);

		release.open();
		await done;
		expect(row().status).toBe('complete');
		expect(models.downloads[id]).toBeUndefined();
		expect(models.installed).toContain(id);
		expect(installedChanges).toBe(1);
		expect(persistRequests).toBe(1);
		expect(models.persisted).toBe(true);
		// Free space changed: the estimate is read again (once by refresh, once after the download).
		expect(estimates).toBe(2);

		// Persistence is asked for once, not after every download.
		await models.download(smol.variants.f16.id);
		expect(persistRequests).toBe(1);
		expect(models.installedModels().map((m) => m.id)).toEqual(
			expect.arrayContaining([id, smol.variants.f16.id])
		);
		expect(models.installedModels().find((m) => m.id === id)).toEqual({
			id,
			name: llama1.name,
			sizeBytes: 1000,
			contextLength: llama1.contextWindow,
			family: llama1.family,
			parameterSize: llama1.parameters,
			quantization: 'q4f16_1'
		});
	});

	it('cancels: the entry goes away, the partial files stay, and nothing is reported', async () => {
		await models.refresh();
		const id = qwen15.variants.f16.id;
		store.next = (s, onProgress, signal) =>
			new Promise((_, reject) => {
				onProgress(progress(400));
				signal.addEventListener('abort', () => {
					store.models.set(s.id, { ...absent(s.id), state: 'partial', bytesStored: 400 });
					reject(new HearthError('aborted', 'Stopped.'));
				});
			});

		const done = models.download(id);
		await Promise.resolve();
		expect(models.rows.find((r) => r.variant.id === id)?.status).toBe('downloading');
		models.cancel(id);
		await done;

		expect(models.downloads[id]).toBeUndefined();
		expect(models.rows.find((r) => r.variant.id === id)?.status).toBe('partial');
		expect(models.stored[id]?.bytesStored).toBe(400);
		expect(errors).toEqual([]);
		expect(installedChanges).toBe(0);
	});

	it('on a full disk, lists stored models to delete, largest first', async () => {
		store.models.set(smol.variants.f16.id, complete(smol.variants.f16.id, 200e6));
		store.models.set(llama1.variants.f16.id, complete(llama1.variants.f16.id, 700e6));
		store.models.set(qwen15.variants.f32.id, {
			...absent(qwen15.variants.f32.id),
			state: 'partial',
			bytesStored: 300e6
		});
		await models.refresh();
		const id = qwen15.variants.f16.id;
		store.next = async (_s, onProgress) => {
			onProgress(progress(100e6, 1000e6));
			throw new HearthError('quota_exceeded', 'This device has run out of storage space.');
		};

		await models.download(id);

		expect(models.quotaProblem?.suggestions.map((s) => [s.id, s.bytes])).toEqual([
			[llama1.variants.f16.id, 700e6],
			[qwen15.variants.f32.id, 300e6],
			[smol.variants.f16.id, 200e6]
		]);
		expect(models.quotaProblem?.neededBytes).toBe(900e6);
		expect(models.quotaProblem?.message).toContain('900 MB');
		expect(models.downloads[id]?.error?.code).toBe('quota_exceeded');
		expect(errors).toEqual([]);

		await models.remove(llama1.variants.f16.id);
		expect(models.quotaProblem?.suggestions.map((s) => s.id)).toEqual([
			qwen15.variants.f32.id,
			smol.variants.f16.id
		]);
	});

	it('puts other failures on the row and reports them', async () => {
		await models.refresh();
		const id = smol.variants.f16.id;
		store.next = async () => {
			throw new HearthError('model_download_failed', 'The server answered 404.');
		};

		await models.download(id);

		const row = models.rows.find((r) => r.variant.id === id)!;
		expect(row.download?.error).toEqual({
			code: 'model_download_failed',
			message: 'The server answered 404.'
		});
		expect(row.status).toBe('absent');
		expect(errors.map((e) => e.code)).toEqual(['model_download_failed']);
		expect(models.quotaProblem).toBeNull();
	});

	it('a retry pressed while the failed attempt re-reads storage starts once it has', async () => {
		await models.refresh();
		const id = smol.variants.f16.id;
		store.next = async (s, onProgress) => {
			onProgress(progress(400));
			store.models.set(s.id, { ...absent(s.id), state: 'partial', bytesStored: 400 });
			throw new HearthError('model_download_failed', 'The connection was cut.');
		};
		// The failed attempt's look at what it left behind is slow (Cache Storage under load).
		const slow = gate();
		const inspect = store.inspect.bind(store);
		store.inspect = async (spec) => {
			await slow.promise;
			return inspect(spec);
		};

		const first = models.download(id);
		await until(() => models.downloads[id]?.error !== undefined);
		// The row shows the failure and "Try again": the user presses it at once.
		const retry = models.download(id);
		slow.open();
		await Promise.all([first, retry]);

		expect(models.downloads[id]).toBeUndefined();
		expect(models.rows.find((r) => r.variant.id === id)?.status).toBe('complete');
		expect(installedChanges).toBe(1);
	});

	it('a second press while a download runs starts nothing more', async () => {
		await models.refresh();
		const id = smol.variants.f16.id;
		const hold = gate();
		let started = 0;
		store.next = async (s) => {
			started++;
			await hold.promise;
			return complete(s.id, 1000);
		};
		const first = models.download(id);
		const second = models.download(id);
		hold.open();
		await Promise.all([first, second]);
		expect(started).toBe(1);
		expect(models.rows.find((r) => r.variant.id === id)?.status).toBe('complete');
	});

	it('reports an unknown model id instead of throwing', async () => {
		await models.download('Nope-q4f16_1-MLC');
		expect(errors.map((e) => e.code)).toEqual(['model_not_found']);
	});
});

describe('ModelsState for the engine', () => {
	it('lists downloaded models before any refresh, reading storage once', async () => {
		const id = llama1.variants.f32.id;
		store.models.set(id, complete(id, 800));
		let inspections = 0;
		const inspect = store.inspect.bind(store);
		store.inspect = (spec) => {
			inspections++;
			return inspect(spec);
		};

		const [first, second] = await Promise.all([models.listInstalled(), models.listInstalled()]);
		expect(first.map((m) => m.id)).toEqual([id]);
		expect(second).toEqual(first);
		expect(inspections).toBe(CATALOG.length * 2);
		expect(models.preferredInstalled(first)).toBe(id);
	});

	it('prefers the default, then the chosen model, then the first downloaded one', async () => {
		const small = smol.variants.f16.id;
		const large = qwen15.variants.f16.id;
		store.models.set(small, complete(small, 200));
		store.models.set(large, complete(large, 900));
		await models.refresh();
		const installed = models.installedModels();

		expect(models.preferredInstalled(installed)).toBe(models.defaultId);
		models.setDefault(small);
		expect(models.preferredInstalled(installed)).toBe(small);
		expect(models.preferredInstalled([])).toBeNull();
		expect(models.specFor(large)).toMatchObject({
			id: large,
			modelLibUrl: `${settings.modelLibBaseUrl}${qwen15.variants.f16.lib}`,
			requiredFeatures: ['shader-f16']
		});
		expect(models.specFor('Unknown-MLC')).toBeUndefined();
	});
});

describe('ModelsState.remove', () => {
	it('deletes the default model and clears the setting, keeping other models listed', async () => {
		const id = llama1.variants.f16.id;
		const other = smol.variants.f16.id;
		store.models.set(id, complete(id, 700));
		store.models.set(other, complete(other, 200));
		await models.refresh();
		models.setDefault(id);

		await models.remove(id);

		expect(settings.webModel).toBe('');
		expect(store.deleted.map((d) => d.id)).toEqual([id]);
		// Every other variant goes along, so a library another model still uses is kept.
		expect(store.deleted[0]?.others).toContain(other);
		expect(store.deleted[0]?.others).not.toContain(id);
		expect(store.deleted[0]?.others).toHaveLength(CATALOG.length * 2 - 1);
		expect(models.stored[id]).toBeUndefined();
		expect(models.installed).toEqual([other]);
		expect(installedChanges).toBe(1);
		expect(errors).toEqual([]);
	});

	it('stops a running download before deleting its files', async () => {
		await models.refresh();
		const id = qwen15.variants.f16.id;
		const events: string[] = [];
		store.next = (s, onProgress, signal) =>
			new Promise((_, reject) => {
				onProgress(progress(400));
				signal.addEventListener('abort', () => {
					// A store finishes its current write before it rejects.
					setTimeout(() => {
						events.push('download stopped');
						store.models.set(s.id, { ...absent(s.id), state: 'partial', bytesStored: 400 });
						reject(new HearthError('aborted', 'Stopped.'));
					}, 20);
				});
			});
		const originalDelete = store.delete.bind(store);
		store.delete = async (spec, others) => {
			events.push('deleted');
			await originalDelete(spec, others);
		};

		const done = models.download(id);
		await models.remove(id);
		await done;

		expect(events).toEqual(['download stopped', 'deleted']);
		expect(models.stored[id]).toBeUndefined();
		expect(models.downloads[id]).toBeUndefined();
		expect(errors).toEqual([]);
	});

	it('leaves the setting alone when another model is the default', async () => {
		const id = llama1.variants.f16.id;
		store.models.set(id, complete(id, 700));
		await models.refresh();
		models.setDefault(smol.variants.f16.id);

		await models.remove(id);
		expect(settings.webModel).toBe(smol.variants.f16.id);
	});

	it('reports a failed delete instead of throwing', async () => {
		const id = llama1.variants.f16.id;
		store.models.set(id, complete(id, 700));
		await models.refresh();
		store.delete = async () => {
			throw new HearthError('storage_failed', 'Cache Storage refused.');
		};

		await models.remove(id);
		expect(errors.map((e) => e.code)).toEqual(['storage_failed']);
		expect(models.installed).toEqual([id]);
	});
});
