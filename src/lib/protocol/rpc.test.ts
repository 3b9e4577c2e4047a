import { describe, expect, it } from 'vitest';
import { answerCall, createCallQueue } from '$lib/protocol/rpc';
import type { CallResult } from '$lib/protocol/rpc';
import { HearthError, toHearthError } from '$lib/types/errors';

interface MathCalls {
	double: { params: { n: number }; result: number };
	half: { params: { n: number }; result: number };
}

const handlers = {
	double: ({ n }: { n: number }) => n * 2,
	half: async ({ n }: { n: number }) => {
		if (n % 2) throw new HearthError('tool_invalid_args', `${n} is odd.`);
		return n / 2;
	}
};

describe('answerCall', () => {
	const answer = async (request: Parameters<typeof answerCall<MathCalls>>[0]) => {
		const posted: CallResult<MathCalls>[] = [];
		await answerCall<MathCalls>(
			request,
			handlers,
			(m) => posted.push(m),
			(e) => toHearthError(e).toJSON()
		);
		return posted;
	};

	it('posts exactly one result: the value of a sync or async handler, or its error', async () => {
		expect(await answer({ type: 'call', id: 4, call: 'double', params: { n: 21 } })).toEqual([
			{ type: 'result', id: 4, call: 'double', ok: true, value: 42 }
		]);
		expect(await answer({ type: 'call', id: 5, call: 'half', params: { n: 8 } })).toEqual([
			{ type: 'result', id: 5, call: 'half', ok: true, value: 4 }
		]);
		expect(await answer({ type: 'call', id: 6, call: 'half', params: { n: 3 } })).toEqual([
			{
				type: 'result',
				id: 6,
				call: 'half',
				ok: false,
				error: { code: 'tool_invalid_args', message: '3 is odd.' }
			}
		]);
	});

	it('answers with an error when the value cannot be posted', async () => {
		const posted: CallResult<MathCalls>[] = [];
		await answerCall<MathCalls>(
			{ type: 'call', id: 1, call: 'double', params: { n: 1 } },
			handlers,
			(m) => {
				if (m.ok) throw new Error('could not be cloned');
				posted.push(m);
			},
			(e) => ({ code: 'unknown', message: e instanceof Error ? e.message : '?' })
		);
		expect(posted).toEqual([
			{
				type: 'result',
				id: 1,
				call: 'double',
				ok: false,
				error: { code: 'unknown', message: 'could not be cloned' }
			}
		]);
	});
});

describe('createCallQueue', () => {
	it('runs items one at a time in arrival order, and lets a waiting one be taken out', async () => {
		const log: string[] = [];
		const gates = new Map<string, () => void>();
		const queue = createCallQueue<string>(async (item) => {
			log.push(`start ${item}`);
			await new Promise<void>((resolve) => gates.set(item, resolve));
			log.push(`end ${item}`);
		});
		queue.push('a');
		queue.push('b');
		queue.push('c');
		expect(queue.current).toBe('a');
		expect(queue.remove((item) => item === 'a')).toBeUndefined();
		expect(queue.remove((item) => item === 'b')).toBe('b');
		gates.get('a')?.();
		await new Promise((r) => setTimeout(r, 0));
		expect(queue.current).toBe('c');
		gates.get('c')?.();
		await new Promise((r) => setTimeout(r, 0));
		expect(queue.current).toBeUndefined();
		expect(log).toEqual(['start a', 'end a', 'start c', 'end c']);
	});
});
