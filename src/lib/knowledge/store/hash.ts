// SHA-256 in hex through Web Crypto (browser and Node 20 alike).

/** Blobs are read in slices of this size, so hashing a 50 MB file never holds it whole. */
export const HASH_SLICE_BYTES = 4 * 1024 * 1024;

function hex(buffer: ArrayBuffer): string {
	return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data: string | ArrayBuffer | Uint8Array): Promise<string> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/**
 * A content hash of a blob with bounded memory: Web Crypto has no incremental digest, so this is
 * SHA-256 over the SHA-256s of its 4 MB slices (prefixed with the size). Equal bytes always give
 * the same hash; it is not the plain SHA-256 of the file for files over one slice.
 */
export async function hashBlob(blob: Blob, signal?: AbortSignal): Promise<string> {
	if (blob.size <= HASH_SLICE_BYTES) return sha256Hex(await blob.arrayBuffer());
	const parts: string[] = [String(blob.size)];
	for (let at = 0; at < blob.size; at += HASH_SLICE_BYTES) {
		signal?.throwIfAborted();
		parts.push(await sha256Hex(await blob.slice(at, at + HASH_SLICE_BYTES).arrayBuffer()));
	}
	return sha256Hex(parts.join(':'));
}
