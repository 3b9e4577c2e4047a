import type { ModelEntries } from '$lib/engine/model-entries';
import { parsedEntry } from '$lib/engine/model-entries';
import { fetchVerified } from '$lib/engine/model-fetch';
import { manifestFiles, parseChatConfig, parseTensorCache } from '$lib/engine/model-files';
import type { ChatConfigManifest, ModelFile, TensorCacheManifest } from '$lib/engine/model-files';
import type { WebModelSpec } from '$lib/protocol/llm';

// The two manifests come first in every download: they name the rest of the files.

export interface EnsuredManifests {
	value: { config: ChatConfigManifest; tensorCache: TensorCacheManifest };
	/** Manifests already stored and valid. */
	resumed: { name: string; bytes: number }[];
	/** Manifests fetched now. */
	fetched: { name: string; bytes: number }[];
}

/** Config and tensor-cache.json: from the cache when valid, else fetched, checked and stored. */
export async function ensureManifests(
	entries: ModelEntries,
	doFetch: typeof fetch,
	spec: WebModelSpec,
	signal: AbortSignal
): Promise<EnsuredManifests> {
	const files = manifestFiles(spec);
	const resumed: { name: string; bytes: number }[] = [];
	const fetched: { name: string; bytes: number }[] = [];
	const load = async <T>(file: ModelFile, parse: (url: string, text: string) => T) => {
		const stored = await entries.check(file);
		const value = parsedEntry(stored, file, parse);
		if (stored.status === 'ok' && value) {
			resumed.push({ name: file.name, bytes: stored.bytes });
			return value;
		}
		if (stored.status !== 'missing') await entries.remove(file);
		// The caller's parse reports a bad manifest, so fetchVerified need not check JSON.
		const body = await fetchVerified(doFetch, spec, { ...file, json: false }, undefined, signal);
		const parsedValue = parse(file.url, await body.text());
		await entries.store(spec, file, body, body.size);
		fetched.push({ name: file.name, bytes: body.size });
		return parsedValue;
	};
	const config = await load(files.config, parseChatConfig);
	const tensorCache = await load(files.tensorCache, parseTensorCache);
	return { value: { config, tensorCache }, resumed, fetched };
}
