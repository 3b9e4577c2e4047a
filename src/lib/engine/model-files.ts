import { WEBLLM_CACHES } from '$lib/engine/cache-storage';
import type { WebLlmCacheName } from '$lib/engine/cache-storage';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError } from '$lib/types/errors';

// Which files web-llm 0.2.86 reads for a model, under which cache name and URL key. This mirrors
// `reloadInternal`, `asyncLoadTokenizer` and tvmjs `fetchTensorCache` with the default "cache"
// backend and a model record without `model_manifest`; if web-llm changes them, change this.

export const CONFIG_FILE = 'mlc-chat-config.json';
export const TENSOR_CACHE_FILE = 'tensor-cache.json';

/** One entry the model store writes and web-llm reads. */
export interface ModelFile {
	/** For messages and progress: the name inside the model folder, or the library's file name. */
	name: string;
	/** Absolute URL: the cache key. */
	url: string;
	cache: WebLlmCacheName;
	/** Exact size when a manifest states it (weight shards); otherwise learned while fetching. */
	bytes?: number;
	/** Parsed to check it (a JSON file cut short or replaced by an HTML error page is broken). */
	json: boolean;
}

/** The parts of mlc-chat-config.json the store relies on. */
export interface ChatConfigManifest {
	tokenizer_files: string[];
}

/** The parts of tensor-cache.json the store relies on. */
export interface TensorCacheManifest {
	records: { dataPath: string; nbytes: number }[];
}

/** web-llm's `cleanModelUrl`: a trailing slash, and `resolve/main/` when no `resolve/` is there. */
export function webLlmModelUrl(modelUrl: string): string {
	let url = modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`;
	if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/';
	return new URL(url).href;
}

/**
 * web-llm keeps a library in Cache Storage only when its URL starts with http and does not
 * contain "localhost"; any other library is fetched afresh on every load, so storing it is useless.
 */
export function libraryIsCached(modelLibUrl: string): boolean {
	return modelLibUrl.startsWith('http') && !modelLibUrl.includes('localhost');
}

function folderFile(spec: WebModelSpec, name: string, cache: WebLlmCacheName): ModelFile {
	return {
		name,
		url: new URL(name, webLlmModelUrl(spec.modelUrl)).href,
		cache,
		json: name.endsWith('.json')
	};
}

/** Read first: they say which other files exist. */
export function manifestFiles(spec: WebModelSpec): { config: ModelFile; tensorCache: ModelFile } {
	return {
		config: folderFile(spec, CONFIG_FILE, WEBLLM_CACHES.config),
		tensorCache: folderFile(spec, TENSOR_CACHE_FILE, WEBLLM_CACHES.model)
	};
}

/** web-llm loads tokenizer.json when the config lists it, else tokenizer.model; never both. */
export function tokenizerName(config: ChatConfigManifest): string {
	return config.tokenizer_files.includes('tokenizer.json') ? 'tokenizer.json' : 'tokenizer.model';
}

/** The library entry, or undefined when web-llm would not read it from the cache. */
export function libraryFile(spec: WebModelSpec): ModelFile | undefined {
	if (!libraryIsCached(spec.modelLibUrl)) return undefined;
	const url = new URL(spec.modelLibUrl).href;
	const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1)) || url;
	return { name, url, cache: WEBLLM_CACHES.wasm, json: false };
}

/** web-llm's choice when the config is not stored yet: what every MLC model ships. */
const DEFAULT_CONFIG: ChatConfigManifest = { tokenizer_files: ['tokenizer.json'] };

/** The files that do not depend on tensor-cache.json: manifests, tokenizer, library. */
export function baseFiles(
	spec: WebModelSpec,
	config: ChatConfigManifest = DEFAULT_CONFIG
): ModelFile[] {
	const { config: configFile, tensorCache: tensorCacheFile } = manifestFiles(spec);
	const library = libraryFile(spec);
	return [
		configFile,
		tensorCacheFile,
		folderFile(spec, tokenizerName(config), WEBLLM_CACHES.model),
		...(library ? [library] : [])
	];
}

/** Every file web-llm reads for this model, manifests first, shards last. */
export function modelFiles(
	spec: WebModelSpec,
	config: ChatConfigManifest | undefined,
	tensorCache: TensorCacheManifest
): ModelFile[] {
	return [
		...baseFiles(spec, config),
		...tensorCache.records.map((record) => ({
			...folderFile(spec, record.dataPath, WEBLLM_CACHES.model),
			bytes: record.nbytes
		}))
	];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notAManifest(url: string, why: string): HearthError {
	return new HearthError('model_corrupt', `${url} is not a valid model manifest: ${why}.`);
}

function parseJson(url: string, text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return notAManifest(url, 'it is not JSON');
	}
}

/** Parses and checks mlc-chat-config.json; throws model_corrupt naming the URL. */
export function parseChatConfig(url: string, text: string): ChatConfigManifest {
	const value = parseJson(url, text);
	if (value instanceof HearthError) throw value;
	if (!isRecord(value)) throw notAManifest(url, 'it is not a JSON object');
	const files = value.tokenizer_files;
	if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
		throw notAManifest(url, 'it has no tokenizer_files list');
	}
	if (!files.includes('tokenizer.json') && !files.includes('tokenizer.model')) {
		throw notAManifest(url, 'it names no tokenizer.json or tokenizer.model');
	}
	return { tokenizer_files: files };
}

/** Parses and checks tensor-cache.json; throws model_corrupt naming the URL. */
export function parseTensorCache(url: string, text: string): TensorCacheManifest {
	const value = parseJson(url, text);
	if (value instanceof HearthError) throw value;
	if (!isRecord(value) || !Array.isArray(value.records) || value.records.length === 0) {
		throw notAManifest(url, 'it has no records');
	}
	const records: TensorCacheManifest['records'] = [];
	for (const record of value.records) {
		if (
			!isRecord(record) ||
			typeof record.dataPath !== 'string' ||
			record.dataPath === '' ||
			typeof record.nbytes !== 'number' ||
			!Number.isSafeInteger(record.nbytes) ||
			record.nbytes < 0
		) {
			throw notAManifest(url, 'a record lacks dataPath or nbytes');
		}
		records.push({ dataPath: record.dataPath, nbytes: record.nbytes });
	}
	return { records };
}
