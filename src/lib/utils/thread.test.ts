import { describe, expect, it } from 'vitest';
import type { Message } from '$lib/types/chat';
import { buildThread, childrenByParent, newestLeaf, requestTurns } from '$lib/utils/thread';

const sent = (thread: Message[]) => requestTurns(thread).map((t) => t.message);
import { cleanGeneratedTitle, titleFromText } from '$lib/utils/title';

function msg(
	id: string,
	parentId: string | null,
	createdAt: number,
	extra: Partial<Message> = {}
): Message {
	return {
		id,
		parentId,
		createdAt,
		conversationId: 'c',
		role: 'user',
		content: id,
		status: 'done',
		updatedAt: createdAt,
		...extra
	};
}

describe('message tree', () => {
	// u1 → a1 ; u1 → a2 (regenerated) → u2 ; edit of u1 = u1b → a3
	const all = [
		msg('u1', null, 1),
		msg('a1', 'u1', 2, { role: 'assistant' }),
		msg('a2', 'u1', 3, { role: 'assistant' }),
		msg('u2', 'a2', 4),
		msg('u1b', null, 5),
		msg('a3', 'u1b', 6, { role: 'assistant' })
	];
	const byId = new Map(all.map((m) => [m.id, m]));

	it('walks the visible branch from the leaf', () => {
		expect(buildThread(byId, 'u2').map((m) => m.id)).toEqual(['u1', 'a2', 'u2']);
		expect(buildThread(byId, 'a1').map((m) => m.id)).toEqual(['u1', 'a1']);
		expect(buildThread(byId, null)).toEqual([]);
	});

	it('survives a parent cycle in corrupt data', () => {
		const loop = new Map([
			['x', msg('x', 'y', 1)],
			['y', msg('y', 'x', 2)]
		]);
		expect(buildThread(loop, 'x').map((m) => m.id)).toEqual(['y', 'x']);
	});

	it('groups siblings oldest first and follows the newest child', () => {
		const children = childrenByParent(all);
		expect(children.get(null)?.map((m) => m.id)).toEqual(['u1', 'u1b']);
		expect(children.get('u1')?.map((m) => m.id)).toEqual(['a1', 'a2']);
		expect(newestLeaf(children, 'u1')).toBe('u2');
		expect(newestLeaf(children, 'u1b')).toBe('a3');
	});

	it('leaves failed or empty answers out', () => {
		const thread = [
			msg('hi', null, 1),
			msg('oops', 'hi', 2, { role: 'assistant', status: 'error' }),
			msg('', 'hi', 3, { role: 'assistant', content: '' }),
			msg('partial', 'hi', 4, { role: 'assistant', status: 'interrupted' })
		];
		expect(sent(thread)).toEqual([
			{ role: 'user', content: 'hi' },
			{ role: 'assistant', content: 'partial' }
		]);
		expect(requestTurns(thread).map((t) => t.id)).toEqual(['hi', 'partial']);
	});

	it('keeps reasoning out of the history, and an answer that was only reasoning out entirely', () => {
		const thread = [
			msg('why?', null, 1),
			msg('<think>Let me see.</think>Because.', 'why?', 2, { role: 'assistant' }),
			msg('and?', 'x', 3),
			msg('<think>still going', 'and?', 4, { role: 'assistant', status: 'aborted' })
		];
		expect(sent(thread)).toEqual([
			{ role: 'user', content: 'why?' },
			{ role: 'assistant', content: 'Because.' },
			{ role: 'user', content: 'and?' }
		]);
	});
});

describe('titles', () => {
	it('takes the first line of the opening message, clipped', () => {
		expect(titleFromText('  How do I\nbake bread?')).toBe('How do I');
		expect(titleFromText('   ')).toBe('New chat');
		expect(Array.from(titleFromText('🔥'.repeat(100)))).toHaveLength(60);
	});

	it('cleans what a model writes', () => {
		expect(cleanGeneratedTitle('"Baking Sourdough Bread."')).toBe('Baking Sourdough Bread');
		expect(cleanGeneratedTitle('<think>hmm</think>\n\n**Title: Lisbon trip**')).toBe('Lisbon trip');
		expect(cleanGeneratedTitle('# Weekend plans\nmore')).toBe('Weekend plans');
		expect(cleanGeneratedTitle('  \n ')).toBeNull();
	});
});
