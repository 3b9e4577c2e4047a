import type { CacheLike, CacheStorageLike } from '$lib/engine/cache-storage';

// An in-memory Cache Storage for Node tests (Node has no `caches`). It follows the browser's
// behaviour where the model store and web-llm depend on it: keys are parsed absolute URLs, a
// Request or a string finds the same entry, `keys()` yields objects with `url`, and `put` can be
// made to fail with a QuotaExceededError past a byte budget shared by all caches.

interface Entry {
	body: Uint8Array;
	status: number;
	statusText: string;
	headers: [string, string][];
}

type RequestKey = string | URL | { url: string };

function keyOf(request: RequestKey): string {
	if (typeof request === 'string') return new URL(request).href;
	if (request instanceof URL) return request.href;
	return new URL(request.url).href;
}

export class MemoryCache implements CacheLike {
	readonly entries = new Map<string, Entry>();

	constructor(
		private readonly owner: MemoryCacheStorage,
		private readonly doFetch: () => typeof fetch
	) {}

	async match(request: RequestKey): Promise<Response | undefined> {
		const entry = this.entries.get(keyOf(request));
		if (!entry) return undefined;
		// A fresh copy per match: a Response body can be read only once.
		return new Response(entry.body.slice(), {
			status: entry.status,
			statusText: entry.statusText,
			headers: entry.headers
		});
	}

	async put(request: RequestKey, response: Response): Promise<void> {
		const key = keyOf(request);
		const body = new Uint8Array(await response.arrayBuffer());
		const previous = this.entries.get(key)?.body.length ?? 0;
		this.owner.reserve(body.length - previous);
		this.entries.set(key, {
			body,
			status: response.status,
			statusText: response.statusText,
			headers: [...response.headers.entries()]
		});
	}

	/** What web-llm's ArtifactCache calls for a missing entry. */
	async add(request: RequestKey): Promise<void> {
		const url = keyOf(request);
		const response = await this.doFetch()(url);
		if (!response.ok) throw new TypeError(`Cache.add: ${url} answered ${response.status}`);
		await this.put(url, response);
	}

	async delete(request: RequestKey): Promise<boolean> {
		const key = keyOf(request);
		const entry = this.entries.get(key);
		if (!entry) return false;
		this.owner.reserve(-entry.body.length);
		return this.entries.delete(key);
	}

	async keys(): Promise<ReadonlyArray<{ url: string }>> {
		return [...this.entries.keys()].map((url) => ({ url }));
	}
}

export class MemoryCacheStorage implements CacheStorageLike {
	readonly caches = new Map<string, MemoryCache>();
	private used = 0;

	/**
	 * @param options.quotaBytes puts that would take the total past this throw QuotaExceededError
	 * @param options.fetch what `Cache.add` uses (defaults to the global fetch at call time)
	 */
	constructor(private readonly options: { quotaBytes?: number; fetch?: typeof fetch } = {}) {}

	get usedBytes(): number {
		return this.used;
	}

	/** Adds (or with a negative delta, frees) stored bytes, enforcing the quota. */
	reserve(delta: number): void {
		const quota = this.options.quotaBytes;
		if (delta > 0 && quota !== undefined && this.used + delta > quota) {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		}
		this.used += delta;
	}

	async open(cacheName: string): Promise<MemoryCache> {
		let cache = this.caches.get(cacheName);
		if (!cache) {
			cache = new MemoryCache(this, () => this.options.fetch ?? globalThis.fetch);
			this.caches.set(cacheName, cache);
		}
		return cache;
	}

	async has(cacheName: string): Promise<boolean> {
		return this.caches.has(cacheName);
	}

	async delete(cacheName: string): Promise<boolean> {
		const cache = this.caches.get(cacheName);
		if (!cache) return false;
		for (const key of cache.entries.keys()) await cache.delete(key);
		return this.caches.delete(cacheName);
	}

	async keys(): Promise<string[]> {
		return [...this.caches.keys()];
	}
}
