// The slice of the Cache Storage API (window.caches) the model store uses, so tests can hand it
// an in-memory implementation: Node has no Cache Storage. Keys are absolute URL strings, which is
// how web-llm's ArtifactCache keys its entries.

export interface CacheLike {
	match(request: string): Promise<Response | undefined>;
	put(request: string, response: Response): Promise<void>;
	delete(request: string): Promise<boolean>;
	keys(): Promise<ReadonlyArray<{ url: string }>>;
}

export interface CacheStorageLike {
	open(cacheName: string): Promise<CacheLike>;
	has(cacheName: string): Promise<boolean>;
}

/** The cache names web-llm 0.2.86 reads with its default "cache" backend. */
export const WEBLLM_CACHES = {
	config: 'webllm/config',
	wasm: 'webllm/wasm',
	model: 'webllm/model'
} as const;

export type WebLlmCacheName = (typeof WEBLLM_CACHES)[keyof typeof WEBLLM_CACHES];
