import {
	catalogBytes,
	catalogFiles,
	ggufCatalogEntry,
	GGUF_CATALOG,
	GGUF_PREFIX
} from '$lib/engine/gguf-catalog';
import type { GgufCatalogModel } from '$lib/engine/gguf-catalog';
import type { GgufDownloadSpec, GgufFileRef } from '$lib/engine/gguf-parts';
import type { ModelCapability } from '$lib/engine/catalog';
import { HearthError } from '$lib/types/errors';
import type { GgufModelRecord } from '$lib/types/gguf';
import type { Settings } from '$lib/types/settings';

// The GGUF models Hearth knows, catalog and added alike, as one shape: ids, the files to fetch
// (through the mirror setting), what each model can do, the context to allocate and the threads
// to run with. Pure functions over the catalog, the stored records and the settings.

/** The context Hearth allocates when the setting says "automatic": enough for long chats. */
export const DEFAULT_GGUF_CONTEXT = 4096;
/** Where picked files are keyed in Cache Storage when copied (never fetched). */
export const LOCAL_ORIGIN = 'https://local.hearth.invalid/';
/** At most this many threads: more than that and the page itself starves. */
const MAX_AUTO_THREADS = 8;

/** One GGUF model as the Models dialog and the engine see it. */
export interface GgufEntry {
	id: string;
	name: string;
	/** Set for catalog models. */
	catalog?: GgufCatalogModel;
	/** Set for models the user added. */
	record?: GgufModelRecord;
	/** Bytes to download (published size) or of the picked files. */
	bytes: number;
	quantization?: string;
	parameters?: string;
	/** The trained context, when known. */
	contextWindow?: number;
	capabilities: ModelCapability[];
	/** Picked from this device and read in place through a handle: nothing to download. */
	local: boolean;
}

export function catalogId(key: string): string {
	return `${GGUF_PREFIX}${key}`;
}

export function hfModelId(repo: string, file: string): string {
	return `${GGUF_PREFIX}hf:${repo}:${file}`;
}

export function localModelId(uuid: string): string {
	return `${GGUF_PREFIX}file:${uuid}`;
}

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** `x-00001-of-00003.gguf` → its three splits in order; any other name → itself. */
export function splitFiles(file: string): string[] {
	const match = SPLIT.exec(file);
	if (!match) return [file];
	const total = Number(match[2]);
	const stem = file.slice(0, match.index);
	return Array.from(
		{ length: total },
		(_, i) => `${stem}-${String(i + 1).padStart(5, '0')}-of-${match[2]}.gguf`
	);
}

/** A Hugging Face repository name as the form takes it ("owner/name"). */
export function validRepo(repo: string): boolean {
	return /^[\w.-]+\/[\w.-]+$/.test(repo) && !repo.includes('..');
}

/** A file path inside a repository ending in .gguf, without escapes. */
export function validFile(file: string): boolean {
	return (
		/^[\w./ +-]+\.gguf$/i.test(file) && !file.split('/').includes('..') && !file.startsWith('/')
	);
}

function withSlash(url: string): string {
	return url.endsWith('/') ? url : `${url}/`;
}

function resolveUrl(base: string, repo: string, file: string): string {
	const path = file.split('/').map(encodeURIComponent).join('/');
	return `${withSlash(base)}${repo}/resolve/main/${path}`;
}

/** The files the store fetches for a model, through the mirror setting; none for handles. */
export function downloadSpec(
	entry: GgufEntry,
	settings: Pick<Settings, 'ggufBaseUrl'>
): GgufDownloadSpec {
	const base = settings.ggufBaseUrl;
	const file = (repo: string, name: string): GgufFileRef => ({
		name: name.slice(name.lastIndexOf('/') + 1),
		url: resolveUrl(base, repo, name)
	});
	if (entry.catalog) {
		const { repo } = entry.catalog;
		return { id: entry.id, files: catalogFiles(entry.catalog).map((f) => file(repo, f.file)) };
	}
	const source = entry.record?.source;
	if (source?.kind === 'hf') {
		const names = [...splitFiles(source.file), ...(source.mmproj ? [source.mmproj] : [])];
		return { id: entry.id, files: names.map((name) => file(source.repo, name)) };
	}
	if (source?.kind === 'local' && source.copied) {
		const uuid = entry.id.slice(`${GGUF_PREFIX}file:`.length);
		return {
			id: entry.id,
			files: source.files.map((f) => ({
				name: f.name,
				url: `${LOCAL_ORIGIN}${uuid}/${encodeURIComponent(f.name)}`
			}))
		};
	}
	return { id: entry.id, files: [] };
}

export function catalogEntry(model: GgufCatalogModel): GgufEntry {
	return {
		id: catalogId(model.key),
		name: model.name,
		catalog: model,
		bytes: catalogBytes(model),
		quantization: model.quantization,
		parameters: model.parameters,
		contextWindow: model.contextWindow,
		capabilities: model.capabilities,
		local: false
	};
}

export function recordEntry(record: GgufModelRecord): GgufEntry {
	const { source } = record;
	const capabilities: ModelCapability[] = [];
	if (record.nativeTools) capabilities.push('tools');
	if (source.kind === 'hf' && source.mmproj) capabilities.push('vision');
	return {
		id: record.id,
		name: record.name,
		record,
		bytes:
			record.bytes ??
			(source.kind === 'local' ? source.files.reduce((sum, f) => sum + f.size, 0) : 0),
		...(record.contextLength ? { contextWindow: record.contextLength } : {}),
		capabilities,
		local: source.kind === 'local' && !source.copied
	};
}

/** Every GGUF model: the catalog, then the user's own in the order they were added. */
export function allEntries(
	records: readonly GgufModelRecord[],
	catalog: readonly GgufCatalogModel[] = GGUF_CATALOG
): GgufEntry[] {
	return [...catalog.map(catalogEntry), ...records.map(recordEntry)];
}

/** The entry behind an id: a catalog key, or a stored record. */
export function findEntry(
	id: string,
	records: readonly GgufModelRecord[],
	catalog: readonly GgufCatalogModel[] = GGUF_CATALOG
): GgufEntry | undefined {
	if (!id.startsWith(GGUF_PREFIX)) return undefined;
	const record = records.find((r) => r.id === id);
	if (record) return recordEntry(record);
	const model = ggufCatalogEntry(id.slice(GGUF_PREFIX.length), catalog);
	return model ? catalogEntry(model) : undefined;
}

/**
 * Tokens of context to allocate: the setting, else 4,096; never more than the model was trained
 * with, which llama.cpp's server caps each request at anyway.
 */
export function contextSizeFor(
	entry: Pick<GgufEntry, 'contextWindow'>,
	settings: Pick<Settings, 'ggufContextSize'>
): number {
	const wanted = settings.ggufContextSize > 0 ? settings.ggufContextSize : DEFAULT_GGUF_CONTEXT;
	return Math.min(wanted, entry.contextWindow ?? wanted);
}

/**
 * Threads for llama.cpp: the setting, else half the cores (the page, the GPU process and other
 * tabs need the rest: llama.cpp's threads spin while they wait). More than one thread needs a
 * cross-origin isolated page; without it, one.
 */
export function threadsFor(
	settings: Pick<Settings, 'ggufThreads'>,
	env: { hardwareConcurrency?: number; crossOriginIsolated?: boolean }
): number {
	if (!env.crossOriginIsolated) return 1;
	if (settings.ggufThreads > 0) return settings.ggufThreads;
	const cores =
		env.hardwareConcurrency && env.hardwareConcurrency > 0 ? env.hardwareConcurrency : 2;
	return Math.max(1, Math.min(MAX_AUTO_THREADS, Math.floor(cores / 2)));
}

/** Checks the Hugging Face form's fields; throws a coded error naming the wrong one. */
export function checkHfFields(repo: string, file: string, mmproj: string): void {
	if (!validRepo(repo)) {
		throw new HearthError(
			'path_rejected',
			'The repository must look like owner/name, for example bartowski/Qwen2.5-0.5B-Instruct-GGUF.'
		);
	}
	if (!validFile(file)) {
		throw new HearthError(
			'path_rejected',
			'The file must be a .gguf path inside the repository, for example Qwen2.5-0.5B-Instruct-Q4_K_M.gguf.'
		);
	}
	if (mmproj !== '' && !validFile(mmproj)) {
		throw new HearthError('path_rejected', 'The projector (mmproj) must be a .gguf file name too.');
	}
}
