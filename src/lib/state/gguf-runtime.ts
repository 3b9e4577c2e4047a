import { GgufEngine } from '$lib/engine/gguf';
import { threadsFor } from '$lib/engine/gguf-models';
import { GgufStore } from '$lib/engine/gguf-store';
import type { DeviceEnvironment } from '$lib/engine/capability';
import type { NetFetch } from '$lib/net/types';
import { GgufModelsState } from '$lib/state/gguf-models.svelte';
import type { GgufStoreLike } from '$lib/state/gguf-models.svelte';
import type { HearthDb } from '$lib/storage/db';
import { GgufModelsRepository } from '$lib/storage/gguf-models-repo';
import { HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { detectWasmFeatures } from '$lib/utils/wasm-features';

// llama.cpp in the browser, wired: the GGUF models state (Models dialog) and the engine that
// runs them, which refer to each other through closures. AppState makes one of each.

export interface GgufRuntimeDeps {
	db: HearthDb;
	net: NetFetch;
	settings: () => Settings;
	updateSettings: (patch: Partial<Settings>) => void;
	/** The device as the Models dialog last read it (GPU probe, memory, storage). */
	env: () => DeviceEnvironment | null;
	onError: (e: HearthError) => void;
	onInstalledChanged: () => void;
	afterDownload: () => Promise<unknown>;
}

function cpu(): { hardwareConcurrency?: number; crossOriginIsolated?: boolean } {
	return {
		hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
		crossOriginIsolated: globalThis.crossOriginIsolated
	};
}

export function createGgufRuntime(deps: GgufRuntimeDeps): {
	state: GgufModelsState;
	engine: GgufEngine;
} {
	const state = new GgufModelsState({
		store: createGgufStore(deps.net),
		records: new GgufModelsRepository(deps.db),
		settings: deps.settings,
		updateSettings: deps.updateSettings,
		env: deps.env,
		features: () => detectWasmFeatures(),
		cpu,
		onError: deps.onError,
		onInstalledChanged: deps.onInstalledChanged,
		afterDownload: deps.afterDownload
	});
	const engine = new GgufEngine({
		resolve: (id) => state.resolve(id),
		listInstalled: () => state.listInstalled(),
		runtime: () => {
			const settings = deps.settings();
			return { device: settings.ggufDevice, threads: threadsFor(settings, cpu()) };
		}
	});
	return { state, engine };
}

/** Cache Storage is missing in some private modes: GGUF models then explain why. */
function createGgufStore(net: NetFetch): GgufStoreLike {
	try {
		// Downloads go through the privacy ledger (never blocked by "offline only").
		return new GgufStore({ net });
	} catch (cause) {
		const error = new HearthError(
			'storage_unavailable',
			'This browser does not let Hearth store model files here (Cache Storage is off, as in some private windows).',
			{ cause }
		);
		const fail = (): never => {
			throw error;
		};
		return {
			inspect: fail,
			download: fail,
			delete: fail,
			open: fail,
			headers: fail,
			importFiles: fail
		};
	}
}
