import type { CacheLike } from '$lib/engine/cache-storage';
import type { BlobLike, GgufHeader } from '$lib/engine/gguf-header';
import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// The GGUF store's side of Cache Storage: each file is kept as parts of a fixed size under its
// URL (a query names the part), plus a small JSON entry saying its size and, once every part is
// in and the whole was checked, what its header says. Blobs read back from here are handed to
// llama.cpp as they are: the browser keeps them on disk, nothing is copied.

/** One file of a model as the store fetches it. */
export interface GgufFileRef {
	/** Shown in progress and errors, e.g. "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf". */
	name: string;
	/** Absolute URL; also the cache key (with the part appended). */
	url: string;
}

export interface GgufDownloadSpec {
	/** Hearth's model id ("gguf:…"), for the ledger and messages. */
	id: string;
	/** The model's files in load order: splits, then the projector. */
	files: GgufFileRef[];
}

/** What the store learnt about one stored file. */
export interface GgufFileMeta {
	bytes: number;
	partBytes: number;
	/** Set once every part is in and the header checked the whole. */
	verified?: {
		architecture?: string;
		name?: string;
		contextLength?: number;
		chatTemplate?: string;
		projector: boolean;
	};
}

export const GGUF_CACHE = 'hearth-gguf';
const MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"

/** Every key of one file starts with this: its URL and the store's own query parameter. */
export const keyOf = (url: string, suffix: string): string =>
	`${url}${url.includes('?') ? '&' : '?'}hearth-gguf=${suffix}`;
export const partKey = (url: string, index: number) => keyOf(url, `part-${index}`);
const metaKey = (url: string) => keyOf(url, 'meta');

export function partCount(meta: Pick<GgufFileMeta, 'bytes' | 'partBytes'>): number {
	return Math.max(1, Math.ceil(meta.bytes / meta.partBytes));
}

export function partSize(meta: Pick<GgufFileMeta, 'bytes' | 'partBytes'>, index: number): number {
	return Math.min(meta.partBytes, meta.bytes - index * meta.partBytes);
}

function isQuotaError(e: unknown): boolean {
	return e instanceof Error && e.name === 'QuotaExceededError';
}

/** The parts of GGUF files in one cache. */
export class GgufParts {
	readonly #cache: CacheLike;

	constructor(cache: CacheLike) {
		this.#cache = cache;
	}

	async meta(url: string): Promise<GgufFileMeta | undefined> {
		const response = await this.#cache.match(metaKey(url));
		if (!response) return undefined;
		try {
			const value = (await response.json()) as GgufFileMeta;
			const valid =
				Number.isSafeInteger(value.bytes) &&
				value.bytes > 0 &&
				Number.isSafeInteger(value.partBytes) &&
				value.partBytes > 0;
			return valid ? value : undefined;
		} catch {
			return undefined;
		}
	}

	async putMeta(spec: GgufDownloadSpec, url: string, meta: GgufFileMeta): Promise<void> {
		await this.put(spec, metaKey(url), new Blob([JSON.stringify(meta)]), 0);
	}

	/** The stored size of part `index`, or undefined when it is missing. */
	async partSize(url: string, index: number): Promise<number | undefined> {
		const response = await this.#cache.match(partKey(url, index));
		if (!response) return undefined;
		return (await response.blob()).size;
	}

	/** True when every part is stored with its exact size. */
	async complete(url: string, meta: GgufFileMeta): Promise<boolean> {
		for (let i = 0; i < partCount(meta); i++) {
			if ((await this.partSize(url, i)) !== partSize(meta, i)) return false;
		}
		return true;
	}

	/** The stored parts of a file, in order (missing ones left out). */
	async parts(url: string, meta: GgufFileMeta): Promise<Blob[]> {
		const parts: Blob[] = [];
		for (let i = 0; i < partCount(meta); i++) {
			const response = await this.#cache.match(partKey(url, i));
			if (response) parts.push(await response.blob());
		}
		return parts;
	}

	/** Stores one checked part (or the meta entry); a full disk says how much the model needs. */
	async put(spec: GgufDownloadSpec, key: string, body: Blob, totalBytes: number): Promise<void> {
		const headers = {
			'Content-Type': 'application/octet-stream',
			'Content-Length': String(body.size)
		};
		try {
			await this.#cache.put(key, new Response(body, { status: 200, headers }));
		} catch (e) {
			if (isQuotaError(e)) {
				throw new HearthError(
					'quota_exceeded',
					`Not enough storage space for ${spec.id}: it needs about ${formatBytes(totalBytes)} of free space.`,
					{ cause: e }
				);
			}
			throw new HearthError('storage_failed', `Could not store part of ${spec.id}.`, { cause: e });
		}
	}

	/** Removes every entry of these files. */
	async remove(files: readonly GgufFileRef[]): Promise<void> {
		const prefixes = files.map((f) => keyOf(f.url, ''));
		for (const { url } of await this.#cache.keys()) {
			if (prefixes.some((p) => url.startsWith(p))) await this.#cache.delete(url);
		}
	}
}

/** Fails fast when the first bytes are not a GGUF (an HTML error page, a wrong file). */
export async function checkMagic(blob: BlobLike, file: GgufFileRef): Promise<void> {
	const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
	if (MAGIC.every((b, i) => head[i] === b)) return;
	const shown = [...head].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
	throw new HearthError(
		'model_corrupt',
		`${file.name} is not a GGUF model: it starts with "${shown}" instead of "GGUF". Check the repository and file name.`
	);
}

/** What a checked header tells the rest of Hearth, kept with the file. */
export function headerSummary(header: GgufHeader): NonNullable<GgufFileMeta['verified']> {
	return {
		projector: header.projector,
		...(header.architecture ? { architecture: header.architecture } : {}),
		...(header.name ? { name: header.name } : {}),
		...(header.contextLength ? { contextLength: header.contextLength } : {}),
		...(header.chatTemplate ? { chatTemplate: header.chatTemplate } : {})
	};
}
