import type { CacheStorageLike } from '$lib/engine/cache-storage';
import type { DownloadProgress } from '$lib/engine/download-progress';
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import {
	deleteHubModel,
	downloadHubModel,
	hubCacheKey,
	isHubModelDownloaded
} from '$lib/models/hub-download';
import type { HubDownloadResult } from '$lib/models/hub-download';
import type { NetFetch } from '$lib/net/types';
import { EMBED_CACHE_NAME } from '$lib/protocol/embed';

// Embedding models on the shared hub download (models/hub-download.ts), in their own cache and
// under their own ledger purpose. Kept as the knowledge code's entry point.

export { hubFileUrl } from '$lib/models/hub-download';

export interface EmbedDownloadOptions {
	/** The hub's base URL, e.g. "https://huggingface.co/" (files at <id>/resolve/main/<file>). */
	hubUrl: string;
	net: NetFetch;
	caches: CacheStorageLike;
	signal?: AbortSignal;
	onProgress?: (progress: DownloadProgress) => void;
	now?: () => number;
}

export type EmbedDownloadResult = HubDownloadResult;

/** The Cache Storage key of one file: what transformers.js asks the cache for. */
export const embedCacheKey = hubCacheKey;

/** Whether every file of the model is stored. */
export function isEmbedModelDownloaded(
	model: EmbedModelInfo,
	caches: CacheStorageLike
): Promise<boolean> {
	return isHubModelDownloaded(model, EMBED_CACHE_NAME, caches);
}

/** Removes the model's stored files; returns how many there were. */
export function deleteEmbedModel(model: EmbedModelInfo, caches: CacheStorageLike): Promise<number> {
	return deleteHubModel(model, EMBED_CACHE_NAME, caches);
}

export function downloadEmbedModel(
	model: EmbedModelInfo,
	options: EmbedDownloadOptions
): Promise<EmbedDownloadResult> {
	return downloadHubModel(model, EMBED_CACHE_NAME, {
		...options,
		purpose: `embedding model download: ${model.name}`
	});
}
