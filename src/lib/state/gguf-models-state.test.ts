import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GgufStore } from '$lib/engine/gguf-store';
import { makeGguf, storiesModel, str } from '$lib/engine/gguf-test-kit';
import { MemoryCacheStorage } from '$lib/engine/memory-cache';
import { GgufModelsState } from '$lib/state/gguf-models.svelte';
import type { GgufRecordsLike } from '$lib/state/gguf-models.svelte';
import type { HearthError } from '$lib/types/errors';
import type { GgufModelRecord } from '$lib/types/gguf';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import type { WasmFeatures } from '$lib/utils/wasm-features';
import { startGgufMirror } from '../../../tests/fixtures/gguf-mirror.js';
import type { GgufMirror } from '../../../tests/fixtures/gguf-mirror.js';

// The real state class, store (over an in-memory Cache Storage) and mirror fixture serving the
// real stories260K; only the IndexedDB repository is a plain in-memory list.

const REPO = 'ggml-org/models';
const FILE = 'tinyllamas/stories260K.gguf';
const ID = `gguf:hf:${REPO}:${FILE}`;
const FAST: WasmFeatures = {
	simd: true,
	exceptions: true,
	jspi: true,
	memory64: true,
	threads: false
};
const model = storiesModel();

class Records implements GgufRecordsLike {
	rows: GgufModelRecord[] = [];
	async list() {
		return [...this.rows];
	}
	async put(record: GgufModelRecord) {
		this.rows = [...this.rows.filter((r) => r.id !== record.id), record];
	}
	async delete(id: string) {
		this.rows = this.rows.filter((r) => r.id !== id);
	}
}

/** A File System Access handle as IndexedDB would give it back: permission asked again. */
function handleFor(file: File, state: PermissionState) {
	const handle = {
		kind: 'file',
		name: file.name,
		permission: state,
		async queryPermission() {
			return handle.permission;
		},
		async requestPermission() {
			handle.permission = 'granted';
			return handle.permission;
		},
		async getFile() {
			if (handle.permission !== 'granted') {
				throw Object.assign(new Error('not allowed'), { name: 'NotAllowedError' });
			}
			return file;
		}
	};
	return handle;
}

let mirror: GgufMirror;
let settings: Settings;
let records: Records;
let errors: HearthError[];
let changed: number;
let mlc: boolean;
let phone: boolean;

function state(caches = new MemoryCacheStorage()) {
	return new GgufModelsState({
		store: new GgufStore({ caches, partBytes: 256 * 1024 }),
		records,
		settings: () => settings,
		updateSettings: (patch) => (settings = { ...settings, ...patch }),
		env: () => ({ gpu: { webgpu: false, shaderF16: false }, deviceMemoryGB: 8 }),
		features: () => FAST,
		cpu: () => ({ hardwareConcurrency: 4, crossOriginIsolated: false }),
		onError: (e) => errors.push(e),
		onInstalledChanged: () => changed++,
		mlcRecommends: () => mlc,
		phone: () => phone,
		uuid: () => 'picked-1'
	});
}

beforeAll(async () => {
	mirror = await startGgufMirror();
	if ('bytes' in model) mirror.add(REPO, FILE, model.bytes);
});
afterAll(async () => {
	await mirror?.close();
});
beforeEach(() => {
	settings = { ...DEFAULT_SETTINGS, ggufBaseUrl: mirror.url };
	records = new Records();
	errors = [];
	changed = 0;
	mlc = false;
	phone = false;
});

describe('GgufModelsState', { timeout: 30_000 }, () => {
	it('adds a model by repository and file, downloads it, learns its header and lists it', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const s = state();
		await expect(s.addFromHub('not a repo', FILE)).rejects.toMatchObject({ code: 'path_rejected' });
		const id = await s.addFromHub(` ${REPO} `, FILE);
		expect(id).toBe(ID);
		await expect.poll(() => s.stored[ID]?.state, { timeout: 20_000 }).toBe('complete');
		await expect.poll(() => records.rows[0]?.contextLength).toBe(2048);
		// Its header's name is only its architecture ("llama"): the file's name stays its label.
		expect(records.rows[0]).toMatchObject({
			name: 'stories260K',
			architecture: 'llama',
			nativeTools: false
		});
		expect(s.installedModels()).toEqual([
			expect.objectContaining({ id: ID, contextLength: 2048, sizeBytes: model.bytes.length })
		]);
		const source = s.resolve(ID);
		expect(source).toMatchObject({ contextSize: 2048, nativeTools: false });
		const [blob] = await source!.files();
		expect(blob?.size).toBe(model.bytes.length);
		expect(changed).toBeGreaterThan(0);
		expect(errors).toEqual([]);
	});

	it('offers the catalog without WebGPU on the CPU, with one model recommended', () => {
		const s = state();
		const rows = s.rows;
		expect(rows.length).toBeGreaterThanOrEqual(14);
		expect(rows.every((r) => r.fit.place.device === 'cpu' && r.fit.place.threads === 1)).toBe(true);
		expect(rows.filter((r) => r.isRecommended).map((r) => r.entry.id)).toEqual([
			'gguf:qwen2.5-1.5b'
		]);
		expect(s.recommendedLabel).toBe('Qwen2.5 1.5B Instruct (986 MB, GGUF)');
		expect(s.firstRunCandidates).toEqual([
			{
				engine: 'gguf',
				variantId: 'gguf:qwen2.5-1.5b',
				name: 'Qwen2.5 1.5B Instruct',
				downloadBytes: 986_048_768,
				needs: 'wasm'
			}
		]);
		// Where an MLC model is recommended, that is the one suggestion.
		mlc = true;
		expect(s.rows.some((r) => r.isRecommended)).toBe(false);
		expect(s.firstRunCandidates).toEqual([]);
	});

	it('offers a phone the small model on its CPU for its first run', () => {
		phone = true;
		const s = state();
		expect(s.firstRunCandidates).toEqual([
			expect.objectContaining({
				engine: 'gguf',
				variantId: 'gguf:qwen2.5-0.5b',
				downloadBytes: 397_808_192,
				needs: 'wasm'
			})
		]);
	});

	it('keeps a picked file as a handle, reads it in place, and asks again after a reload', async () => {
		const bytes = makeGguf({ 'general.architecture': str('llama'), 'general.name': str('Mine') });
		const file = new File([bytes], 'mine.gguf');
		const handle = handleFor(file, 'granted');
		const s = state();
		const id = await s.addLocal([{ file, handle: handle as unknown as FileSystemFileHandle }]);
		expect(id).toBe('gguf:file:picked-1');
		expect(records.rows[0]).toMatchObject({
			name: 'Mine',
			source: { kind: 'local', copied: false }
		});
		expect((await s.resolve(id!)!.files())[0]).toBe(file);

		// After a reload the browser wants a click before it lets Hearth read the file again.
		handle.permission = 'prompt';
		const again = state();
		await again.refresh();
		expect(again.rows.find((r) => r.entry.id === id)?.needsAccess).toBe(true);
		await expect(again.resolve(id!)!.files()).rejects.toMatchObject({ code: 'permission_denied' });
		await again.allowAccess(id!);
		expect(again.rows.find((r) => r.entry.id === id)?.needsAccess).toBe(false);
		expect((await again.resolve(id!)!.files())[0]).toBe(file);
	});

	it('copies a picked file where handles cannot be kept, and refuses one that is not a GGUF', async () => {
		const bytes = makeGguf({ 'general.architecture': str('llama') });
		const s = state();
		const id = await s.addLocal([{ file: new File([bytes], 'copy.gguf') }]);
		expect(records.rows[0]?.source).toMatchObject({ kind: 'local', copied: true });
		expect(s.installedModels().map((m) => m.id)).toEqual([id]);
		const [blob] = await s.resolve(id!)!.files();
		expect(blob?.size).toBe(bytes.length);
		expect(await s.addLocal([{ file: new File(['<html>'], 'page.gguf') }])).toBeNull();
		expect(errors.at(-1)?.code).toBe('model_corrupt');
	});

	it('removes a model, clearing it as the default', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		const s = state();
		await s.addFromHub(REPO, FILE);
		await expect.poll(() => s.stored[ID]?.state, { timeout: 20_000 }).toBe('complete');
		s.setDefault(ID);
		expect(s.rows.find((r) => r.entry.id === ID)?.isDefault).toBe(true);
		await s.remove(ID);
		expect(settings.webModel).toBe('');
		expect(records.rows).toEqual([]);
		expect(s.installedModels()).toEqual([]);
	});

	it('puts a failed download’s reason on its row', async () => {
		mirror.setFault(REPO, 'missing.gguf', '404');
		const s = state();
		const id = await s.addFromHub(REPO, 'missing.gguf');
		await expect.poll(() => s.downloads[id]?.error?.code).toBe('model_download_failed');
		expect(s.rows.find((r) => r.entry.id === id)?.status).toBe('absent');
	});

	it('stops at a full disk with what it needs, told on the row and not in a toast', async (t) => {
		if ('skip' in model) return t.skip(model.skip);
		// Room for the first 256 KiB part only: the real model is 1.2 MB.
		const s = state(new MemoryCacheStorage({ quotaBytes: 300 * 1024 }));
		await s.addFromHub(REPO, FILE);
		// The notice is set once the row's storage was read again, after the row's error.
		await expect.poll(() => s.storageFull?.id, { timeout: 20_000 }).toBe(ID);
		expect(s.downloads[ID]?.error?.code).toBe('quota_exceeded');
		expect(errors).toEqual([]);
		// The part that fit stays; what is still needed is less than the file (or unknown when the
		// disk filled before the file's size arrived).
		const needed = s.storageFull!.neededBytes;
		if (needed !== undefined) {
			expect(needed).toBeGreaterThan(0);
			expect(needed).toBeLessThan(model.bytes.byteLength);
		}
		expect(s.rows.find((r) => r.entry.id === ID)?.status).toBe('partial');
		// Trying again clears the notice (it comes back if the disk is still full).
		const again = s.download(ID);
		expect(s.storageFull).toBeNull();
		await again;
		expect(s.storageFull?.id).toBe(ID);
		s.dismissStorageFull();
		expect(s.storageFull).toBeNull();
	});
});
