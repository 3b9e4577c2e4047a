// SHA-256 through Web Crypto (browser, worker and Node 20 alike).

/** Blocks hashed one at a time by `hashBlob`, so a 50 MB file never sits in memory whole. */
export const HASH_BLOCK_BYTES = 1 << 20;

function hex(buffer: ArrayBuffer): string {
	const bytes = new Uint8Array(buffer);
	let out = '';
	for (const b of bytes) out += b.toString(16).padStart(2, '0');
	return out;
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	return hex(await crypto.subtle.digest('SHA-256', bytes));
}

/**
 * The document-level content hash. Web Crypto has no incremental digest, so a file larger than
 * one block is hashed as SHA-256 over its blocks' SHA-256 digests (a one-level hash list); a file
 * of one block gets the plain SHA-256 of its bytes. Either way equal bytes give equal hashes.
 */
export async function hashBlob(blob: Blob, signal?: AbortSignal): Promise<string> {
	if (blob.size <= HASH_BLOCK_BYTES) {
		return sha256Hex(new Uint8Array(await blob.arrayBuffer()));
	}
	const digests = new Uint8Array(Math.ceil(blob.size / HASH_BLOCK_BYTES) * 32);
	for (let i = 0, offset = 0; offset < blob.size; i++, offset += HASH_BLOCK_BYTES) {
		signal?.throwIfAborted();
		const block = await blob.slice(offset, offset + HASH_BLOCK_BYTES).arrayBuffer();
		digests.set(new Uint8Array(await crypto.subtle.digest('SHA-256', block)), i * 32);
	}
	return sha256Hex(digests);
}
