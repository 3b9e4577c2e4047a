import type { CacheStorageLike } from '$lib/engine/cache-storage';
import type { ModelFile } from '$lib/engine/model-files';
import type { WebModelSpec } from '$lib/protocol/llm';
import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';

// The model store's side of Cache Storage: reading one entry back and judging it, writing a
// checked copy, removing one. web-llm trusts any entry it finds, so every judgement is here.

/** Stored with every entry so a later check knows a file's size without the network. */
const SIZE_HEADER = 'X-Hearth-Bytes';

export type EntryCheck =
	| { status: 'missing' }
	| { status: 'broken'; bytes: number }
	| { status: 'ok'; bytes: number; text?: string };

function isQuotaError(e: unknown): boolean {
	return e instanceof Error && e.name === 'QuotaExceededError';
}

function headerNumber(response: Response, name: string): number | undefined {
	const header = response.headers.get(name);
	const n = header === null ? NaN : Number(header);
	return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The size a response announces: our own header on stored entries, else Content-Length. */
export function storedSize(response: Response): number | undefined {
	return headerNumber(response, SIZE_HEADER) ?? headerNumber(response, 'Content-Length');
}

/**
 * Whether a stored entry's body has the size it should. The manifest's size and our own header
 * are exact. An entry web-llm stored itself carries the server's Content-Length, which counts
 * compressed bytes when the server compressed it: there only a shorter body is surely cut short.
 */
function sizeIsRight(file: ModelFile, response: Response, size: number): boolean {
	if (file.bytes !== undefined) return size === file.bytes;
	const exact = headerNumber(response, SIZE_HEADER);
	if (exact !== undefined) return size === exact;
	const declared = headerNumber(response, 'Content-Length');
	return declared === undefined || size >= declared;
}

/** A manifest's parsed value when its entry is ok and well-formed. */
export function parsedEntry<T>(
	check: EntryCheck,
	file: ModelFile,
	parse: (url: string, text: string) => T
): T | undefined {
	if (check.status !== 'ok' || check.text === undefined) return undefined;
	try {
		return parse(file.url, check.text);
	} catch {
		return undefined;
	}
}

/** A manifest entry that parses as JSON but has the wrong shape is broken too. */
export function parsedCheck(check: EntryCheck, value: unknown): EntryCheck {
	if (check.status === 'ok' && value === undefined) return { status: 'broken', bytes: check.bytes };
	return check;
}

export class ModelEntries {
	private readonly caches: CacheStorageLike;

	constructor(caches: CacheStorageLike) {
		this.caches = caches;
	}

	/** Reads one stored entry: missing, broken (wrong size or bad JSON) or ok. */
	async check(file: ModelFile): Promise<EntryCheck> {
		if (!(await this.caches.has(file.cache))) return { status: 'missing' };
		const response = await (await this.caches.open(file.cache)).match(file.url);
		if (!response) return { status: 'missing' };
		const blob = await response.blob();
		if (!sizeIsRight(file, response, blob.size)) return { status: 'broken', bytes: blob.size };
		if (!file.json) return { status: 'ok', bytes: blob.size };
		const text = await blob.text();
		try {
			JSON.parse(text);
		} catch {
			return { status: 'broken', bytes: blob.size };
		}
		return { status: 'ok', bytes: blob.size, text };
	}

	/** Stores a checked copy; `stillNeeded` is what the download has left, for the quota advice. */
	async store(spec: WebModelSpec, file: ModelFile, body: Blob, stillNeeded: number): Promise<void> {
		const cache = await this.caches.open(file.cache);
		const headers = {
			'Content-Type': file.json ? 'application/json' : 'application/octet-stream',
			'Content-Length': String(body.size),
			[SIZE_HEADER]: String(body.size)
		};
		try {
			await cache.put(file.url, new Response(body, { status: 200, headers }));
		} catch (e) {
			if (isQuotaError(e)) {
				throw new HearthError(
					'quota_exceeded',
					`Not enough storage space for ${spec.id}: it needs about ` +
						`${formatBytes(Math.max(stillNeeded, body.size))} more free space.`,
					{ cause: e }
				);
			}
			throw new HearthError('storage_failed', `Could not store ${file.name} of ${spec.id}.`, {
				cause: e
			});
		}
	}

	async remove(file: ModelFile): Promise<void> {
		await (await this.caches.open(file.cache)).delete(file.url);
	}
}
