import { expect, it } from 'vitest';
import { createPurifier } from '$lib/utils/markdown-sanitize';

// In Node there is no window at all: no purifier, and the renderer shows answers as plain text.
it('gives no purifier where there is no window', () => {
	expect(typeof window).toBe('undefined');
	expect(createPurifier(() => '')).toBeNull();
});
