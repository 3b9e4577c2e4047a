// Downloading a GGUF model into the data folder: into `<file>.part`, resumed with a Range request
// after an interruption, then checked (the file's own GGUF header, and the published size when
// it is exact) before it is renamed into place. Every request goes through the ledgered fetch.
import { createWriteStream, openAsBlob } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GgufCatalogModel } from '$lib/engine/gguf-catalog';
import { verifyGgufFile } from '$lib/engine/gguf-header';
import type { NetFetch } from '$lib/net/types';
import { HearthError } from '$lib/types/errors';
import { ensurePrivateDir } from './paths';

/** Where catalog files come from; HEARTH_GGUF_BASE_URL points at a mirror instead. */
export const DEFAULT_GGUF_BASE_URL = 'https://huggingface.co';

export function catalogFileUrl(model: GgufCatalogModel, file: string, base: string): string {
	return `${base.replace(/\/+$/, '')}/${model.repo}/resolve/main/${encodeURIComponent(file)}`;
}

export interface DownloadProgress {
	received: number;
	total: number | null;
	/** Bytes already on disk from an earlier, interrupted download. */
	resumedFrom: number;
}

export interface GgufDownload {
	url: string;
	/** Final path; the partial download is `${dest}.part`. */
	dest: string;
	/** Published size, checked when `exact`. */
	bytes?: number;
	exact?: boolean;
	/** The ledger's words: "model download: SmolLM2 360M". */
	purpose: string;
	net: NetFetch;
	signal?: AbortSignal;
	onProgress?: (p: DownloadProgress) => void;
}

async function sizeOf(file: string): Promise<number> {
	try {
		return (await stat(file)).size;
	} catch {
		return 0;
	}
}

/** Downloads (or resumes) one file and verifies it; resolves with its final path. */
export async function downloadGguf(job: GgufDownload): Promise<string> {
	await ensurePrivateDir(path.dirname(job.dest));
	const part = `${job.dest}.part`;
	let have = await sizeOf(part);
	const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
	const response = await job.net(
		job.url,
		{ headers, ...(job.signal ? { signal: job.signal } : {}) },
		{ purpose: job.purpose }
	);
	if (response.status === 416 && have > 0) {
		// The part is already whole (or longer than the file): check it as it is.
		await response.body?.cancel();
	} else if (!response.ok || !response.body) {
		await response.body?.cancel();
		throw new HearthError(
			'model_download_failed',
			`The download of ${path.basename(job.dest)} failed: HTTP ${response.status}.`
		);
	} else {
		if (response.status !== 206) have = 0; // the server ignored Range: start over
		const length = Number(response.headers.get('content-length') ?? NaN);
		const total = Number.isFinite(length) ? length + have : (job.bytes ?? null);
		const out = createWriteStream(part, { flags: have > 0 ? 'a' : 'w', mode: 0o600 });
		let received = have;
		const resumedFrom = have;
		try {
			for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
				if (!out.write(chunk))
					await new Promise<void>((resolve) => out.once('drain', () => resolve()));
				received += chunk.byteLength;
				job.onProgress?.({ received, total, resumedFrom });
			}
		} finally {
			await new Promise<void>((resolve, reject) =>
				out.end((e?: Error | null) => (e ? reject(e) : resolve()))
			);
		}
	}
	const size = await sizeOf(part);
	if (job.exact && job.bytes !== undefined && size !== job.bytes) {
		if (size > job.bytes) await rm(part, { force: true });
		throw new HearthError(
			'model_corrupt',
			`${path.basename(job.dest)} is ${size.toLocaleString('en')} bytes; the catalog says ${job.bytes.toLocaleString('en')}.${size < job.bytes ? ' Run the download again to resume it.' : ''}`
		);
	}
	try {
		await verifyGgufFile(await openAsBlob(part), path.basename(job.dest));
	} catch (e) {
		// A whole-sized file that fails its check will not get better by resuming: start afresh.
		if (job.bytes === undefined || size >= job.bytes) await rm(part, { force: true });
		throw e;
	}
	await rename(part, job.dest);
	return job.dest;
}
