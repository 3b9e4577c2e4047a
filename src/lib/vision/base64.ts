import type { ChatImage } from '$lib/types/llm';

// Base64 without the data: prefix, as engines take images. Chunked, because spreading a
// multi-megabyte array into String.fromCharCode overflows the call stack.

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let at = 0; at < bytes.length; at += CHUNK) {
		binary += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
	}
	return btoa(binary);
}

export async function blobToBase64(blob: Blob): Promise<string> {
	return bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
}

export async function toChatImage(blob: Blob, mime: ChatImage['mime']): Promise<ChatImage> {
	return { mime, base64: await blobToBase64(blob) };
}
