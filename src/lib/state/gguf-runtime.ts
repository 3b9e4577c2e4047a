import { GgufEngine, WLLAMA_CACHE } from '$lib/engine/gguf';
import { WLLAMA_FILES, WLLAMA_PATH } from '$lib/protocol/gguf';
import { threadsFor } from '$lib/engine/gguf-models';
import { GgufStore } from '$lib/engine/gguf-store';
import type { DeviceEnvironment } from '$lib/engine/capability';
import type { NetFetch } from '$lib/net/types';
import { isPhone } from '$lib/onboarding/device';
import type { NavigatorTraits } from '$lib/onboarding/device';
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
	/** The MLC assessment recommends a model (then no GGUF is suggested). */
	mlcRecommends: () => boolean;
	onError: (e: HearthError) => void;
	onInstalledChanged: () => void;
	afterDownload: () => Promise<unknown>;
}

/** A phone, read once per question (the first-run notice and the Models dialog ask). */
function phone(): boolean {
	const nav = globalThis.navigator as unknown as NavigatorTraits | undefined;
	if (!nav) return false;
	const screenSize = globalThis.screen
		? { width: globalThis.screen.width, height: globalThis.screen.height }
		: undefined;
	return isPhone(nav, screenSize);
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
		mlcRecommends: deps.mlcRecommends,
		phone,
		features: () => detectWasmFeatures(),
		cpu,
		onError: deps.onError,
		onInstalledChanged: deps.onInstalledChanged,
		afterDownload: deps.afterDownload,
		keepRuntime: keepRuntimeOffline
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

/**
 * Puts llama.cpp's wasm (the build this browser runs) into the service worker's cache for it, so
 * a model downloaded on a first visit (before the service worker controls the page) still loads
 * with the network off. Best effort: failing here only means the next online load caches it.
 */
async function keepRuntimeOffline(): Promise<void> {
	const storage = (globalThis as { caches?: CacheStorage }).caches;
	if (!storage) return;
	const features = detectWasmFeatures();
	const names =
		features.jspi && features.memory64
			? [WLLAMA_FILES.wasm]
			: [WLLAMA_FILES.compatWasm, WLLAMA_FILES.compatWorker];
	try {
		const cache = await storage.open(WLLAMA_CACHE);
		for (const name of names) {
			const url = `${WLLAMA_PATH}${name}`;
			if (!(await cache.match(url))) await cache.add(url);
		}
	} catch {
		// Offline or out of space: the service worker caches it on the next online load.
	}
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
