import { describe, expect, it } from 'vitest';
import { base64ToBytes, blobToBase64, bytesToBase64 } from '$lib/utils/base64';

describe('base64', () => {
	it('matches Node for sizes around and well past one chunk', async () => {
		for (const size of [0, 1, 2, 3, 0x8000 - 1, 0x8000, 0x8000 + 1, 300_000]) {
			const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 256);
			expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
			expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
		}
		expect(await blobToBase64(new Blob(['Hearth']))).toBe('SGVhcnRo');
	});
});
