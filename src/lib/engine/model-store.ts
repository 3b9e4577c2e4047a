import type { CacheStorageLike } from '$lib/engine/cache-storage';
import type { WebModelSpec } from '$lib/protocol/llm';

export type StoredState = 'absent' | 'partial' | 'complete' | 'broken';

export interface StoredModel {
	id: string;
	state: StoredState;
	bytesStored: number;
	bytesTotal?: number;
	missingFiles: number;
	brokenFiles: number;
}

export interface DownloadProgress {
	loadedBytes: number;
	totalBytes: number;
	fraction: number;
	bytesPerSecond: number;
	etaSeconds: number | null;
	file: string;
	filesDone: number;
	filesTotal: number;
	resumedBytes: number;
}

export interface ModelStoreDeps {
	caches?: CacheStorageLike;
	fetch?: typeof fetch;
	now?: () => number;
}

export class ModelStore {
	constructor(deps: ModelStoreDeps = {}) {
		void deps;
	}

	async inspect(spec: WebModelSpec): Promise<StoredModel> {
		return { id: spec.id, state: 'absent', bytesStored: 0, missingFiles: 0, brokenFiles: 0 };
	}

	async download(
		spec: WebModelSpec,
		onProgress: (p: DownloadProgress) => void,
		signal?: AbortSignal
	): Promise<StoredModel> {
		void onProgress;
		void signal;
		return this.inspect(spec);
	}

	/** `others`: specs of other stored models, so a shared model library is kept. */
	async delete(spec: WebModelSpec, others: readonly WebModelSpec[] = []): Promise<void> {
		void spec;
		void others;
	}
}
