import { afterEach, describe, expect, it, vi } from 'vitest';
import { yieldToMain } from './yield';

describe('yieldToMain', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('uses scheduler.yield where the browser has it', async () => {
		const spy = vi.fn(() => Promise.resolve());
		vi.stubGlobal('scheduler', { yield: spy });
		await yieldToMain();
		expect(spy).toHaveBeenCalledOnce();
	});

	it('otherwise resolves in a later task, after work already queued', async () => {
		vi.stubGlobal('scheduler', undefined);
		const order: string[] = [];
		setTimeout(() => order.push('queued task'), 0);
		await yieldToMain();
		order.push('after yield');
		expect(order).toEqual(['queued task', 'after yield']);
	});
});
