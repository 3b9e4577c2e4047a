import type { ChatImage } from '$lib/types/llm';

import { bytesToBase64 } from '$lib/utils/base64';

// Base64 without the data: prefix, as engines take images.

export async function blobToBase64(blob: Blob): Promise<string> {
	return bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
}

export async function toChatImage(blob: Blob, mime: ChatImage['mime']): Promise<ChatImage> {
	return { mime, base64: await blobToBase64(blob) };
}
