import { describe, expect, it } from 'vitest';
import { base64ToBytes, blobToBase64, bytesToBase64 } from '$lib/utils/base64';

describe('base64', () => {
	it('matches Node for sizes around and well past one chunk', async () => {
		for (const size of [0, 1, 2, 3, 0x8000 - 1, 0x8000, 0x8000 + 1, 300_000]) {
			const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 256);
			expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
			// Compared as buffers: toEqual walks 300,000 elements one by one (seconds under load).
			const back = base64ToBytes(bytesToBase64(bytes));
			expect(back).toBeInstanceOf(Uint8Array);
			expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).toBe(0);
		}
		expect(await blobToBase64(new Blob(['Hearth']))).toBe('SGVhcnRo');
	});
});
