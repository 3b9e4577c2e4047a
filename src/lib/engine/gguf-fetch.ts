import type { ProgressTracker } from '$lib/engine/download-progress';
import { checkMagic, partCount, partKey, partSize } from '$lib/engine/gguf-parts';
import type {
	GgufDownloadSpec,
	GgufFileMeta,
	GgufFileRef,
	GgufParts
} from '$lib/engine/gguf-parts';
import { HearthError, stopped } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';
import { fetchOk, hostOf } from '$lib/engine/model-fetch';

// The GGUF store's side of the network: HTTP Range requests for one part at a time, each
// checked against its exact size before it is stored, and the fallback for a server that
// ignores Range (the whole file, cut into parts as it arrives). Failures are coded: aborted,
// model_download_failed, model_corrupt.

/** What fetching one file needs. */
export interface FileFetch {
	parts: GgufParts;
	spec: GgufDownloadSpec;
	file: GgufFileRef;
	/** Through the privacy ledger when there is one. */
	fetch: typeof fetch;
	partBytes: number;
	progress: ProgressTracker;
	signal: AbortSignal;
}

/** The total size from `Content-Range: bytes 0-99/1234`, or undefined. */
function rangeTotal(response: Response): number | undefined {
	const match = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
	return match ? Number(match[1]) : undefined;
}

export function dropped(file: GgufFileRef, cause: unknown): HearthError {
	return new HearthError(
		'model_download_failed',
		`Downloading ${file.name} stopped: the connection to ${hostOf(file.url)} dropped. Finished parts are kept; try again to resume.`,
		{ cause }
	);
}

function request(f: FileFetch, from: number, to: number): Promise<Response> {
	const { file, signal } = f;
	const init = { signal, headers: { Range: `bytes=${from}-${to - 1}` } };
	return fetchOk(f.fetch, file.url, init, file.name);
}

/** Reads a whole response body into a Blob, counting bytes as they arrive. */
async function readBody(f: FileFetch, name: string, response: Response): Promise<Blob> {
	const chunks: Uint8Array<ArrayBuffer>[] = [];
	if (!response.body) return new Blob([]);
	const reader = response.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			f.progress.received(name, value.length);
		}
	} catch (e) {
		if (f.signal.aborted) throw stopped(e);
		throw dropped(f.file, e);
	} finally {
		reader.releaseLock();
	}
	return new Blob(chunks);
}

/**
 * The first part of a file not stored yet: it says how large the file is (Content-Range) and
 * whether it is a GGUF at all. Returns the file's meta and which parts are now stored.
 */
export async function fetchFirstPart(
	f: FileFetch
): Promise<{ meta: GgufFileMeta; fresh: Set<number> }> {
	const { file, progress } = f;
	const response = await request(f, 0, f.partBytes);
	// A server that ignores Range sends the whole file: store it part by part as it comes.
	if (response.status !== 206) return storeStream(f, response);
	const total = rangeTotal(response);
	if (total === undefined || total <= 0) {
		await response.body?.cancel().catch(() => {});
		throw new HearthError(
			'model_download_failed',
			`Downloading ${file.name} failed: ${hostOf(file.url)} did not say how large the file is.`
		);
	}
	const meta: GgufFileMeta = { bytes: total, partBytes: f.partBytes };
	progress.expect(partSize(meta, 0));
	const body = await readBody(f, file.name, response);
	await checkMagic(body, file);
	if (body.size !== partSize(meta, 0)) {
		throw new HearthError(
			'model_download_failed',
			`Downloading ${file.name} stopped: the first ${formatBytes(body.size)} arrived instead of ${formatBytes(partSize(meta, 0))}. Try again to resume.`
		);
	}
	await f.parts.put(f.spec, partKey(file.url, 0), body, total);
	await f.parts.putMeta(f.spec, file.url, meta);
	progress.finished(file.name, body.size, body.size);
	return { meta, fresh: new Set([0]) };
}

/**
 * Stores a whole-file response part by part as it arrives. The size comes from Content-Length
 * when the server sends one (else from what arrived); the first bytes must be "GGUF", so an
 * error page is refused before anything is kept.
 */
async function storeStream(
	f: FileFetch,
	response: Response
): Promise<{ meta: GgufFileMeta; fresh: Set<number> }> {
	const { file, progress, partBytes } = f;
	const declared = Number(response.headers.get('Content-Length'));
	const length = Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
	if (length !== undefined) progress.expect(length);
	const reader = response.body?.getReader();
	let pending: Uint8Array<ArrayBuffer>[] = [];
	let pendingBytes = 0;
	let index = 0;
	let received = 0;
	let checked = false;
	const check = async () => {
		if (checked || (pendingBytes < 4 && index === 0)) return;
		checked = true;
		await checkMagic(new Blob(pending), file);
	};
	const flush = async () => {
		await check();
		await f.parts.put(f.spec, partKey(file.url, index), new Blob(pending), length ?? received);
		index++;
		pending = [];
		pendingBytes = 0;
	};
	try {
		for (;;) {
			const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
			if (done) break;
			let chunk = value;
			received += chunk.length;
			if (length !== undefined && received > length) {
				throw dropped(file, new Error('more bytes than announced'));
			}
			progress.received(file.name, chunk.length);
			while (chunk.length > 0) {
				const piece = chunk.subarray(0, partBytes - pendingBytes);
				pending.push(piece);
				pendingBytes += piece.length;
				chunk = chunk.subarray(piece.length);
				await check();
				if (pendingBytes === partBytes) await flush();
			}
		}
	} catch (e) {
		if (f.signal.aborted) throw stopped(e);
		if (e instanceof HearthError) throw e;
		throw dropped(file, e);
	} finally {
		reader?.releaseLock();
	}
	if (pendingBytes > 0) await flush();
	if (!checked) await checkMagic(new Blob([]), file);
	if (length !== undefined && received !== length) {
		throw dropped(file, new Error(`${received} of ${length} bytes arrived`));
	}
	const meta: GgufFileMeta = { bytes: received, partBytes };
	await f.parts.putMeta(f.spec, file.url, meta);
	progress.finished(file.name, received, length ?? 0);
	return { meta, fresh: new Set(Array.from({ length: index }, (_, i) => i)) };
}

/** One part by Range, checked against its exact size; a bad copy is fetched once more. */
export async function fetchPart(f: FileFetch, meta: GgufFileMeta, index: number): Promise<void> {
	const { file, progress } = f;
	const from = index * meta.partBytes;
	const expected = partSize(meta, index);
	const name = `${file.name} (part ${index + 1} of ${partCount(meta)})`;
	for (let attempt = 1; ; attempt++) {
		const response = await request(f, from, from + expected);
		if (response.status !== 206 && !(from === 0 && expected === meta.bytes)) {
			await response.body?.cancel().catch(() => {});
			throw new HearthError(
				'model_download_failed',
				`Downloading ${file.name} failed: ${hostOf(file.url)} does not send parts of files (HTTP Range), which a large model needs.`
			);
		}
		const body = await readBody(f, name, response);
		if (body.size === expected) {
			await f.parts.put(f.spec, partKey(file.url, index), body, meta.bytes);
			progress.finished(name, body.size, body.size);
			return;
		}
		progress.restart(name);
		if (attempt >= 2) {
			throw new HearthError(
				'model_corrupt',
				`${name} came back damaged twice (${body.size} bytes instead of ${expected}), so it was not stored.`
			);
		}
	}
}
