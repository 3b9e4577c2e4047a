import { describe, expect, it } from 'vitest';
import { ScriptedEngine } from '$lib/agent/scripted-engine';
import { KnowledgeServices } from '$lib/state/knowledge-services.svelte';
import { freshDb } from '$lib/storage/test-db';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

// Memory proposals in the browser's wiring: exchanges that might state something durable wait,
// and are read in one model call per conversation.

function services() {
	const proposed: number[] = [];
	const knowledge = new KnowledgeServices({
		db: freshDb(),
		settings: () => DEFAULT_SETTINGS,
		net: (url, init) => fetch(url, init),
		onError: (e) => {
			throw e;
		},
		onProposed: (count) => proposed.push(count)
	});
	return { knowledge, proposed };
}

describe('memory proposals', () => {
	it('reads the waiting exchanges of a conversation in one model call', async () => {
		const engine = new ScriptedEngine('native', [
			{
				text: '{"memories":[{"text":"The user lives in Porto.","kind":"fact"},{"text":"The user works as a nurse.","kind":"fact"}]}'
			}
		]);
		const { knowledge, proposed } = services();
		const base = { engine, model: 'scripted', conversationId: 'c1', answer: 'Noted.' };
		await knowledge.proposeFrom({ ...base, userText: 'I live in Porto.' });
		await knowledge.proposeFrom({ ...base, userText: 'I work as a nurse at night.' });
		// A question about the world says nothing about the person: it is not even queued.
		await knowledge.proposeFrom({ ...base, userText: 'How far is the Moon?' });
		expect(engine.requests).toHaveLength(0);
		await knowledge.flushProposals();
		expect(engine.requests).toHaveLength(1);
		const asked = engine.requests[0]!.messages.at(-1)!.content;
		expect(asked).toContain('I live in Porto.');
		expect(asked).toContain('I work as a nurse at night.');
		expect(asked).not.toContain('Moon');
		const stored = await knowledge.memories.list('proposed');
		expect(stored.map((m) => m.text).sort()).toEqual([
			'The user lives in Porto.',
			'The user works as a nurse.'
		]);
		expect(stored.every((m) => m.conversationId === 'c1')).toBe(true);
		expect(proposed).toEqual([2]);
	});
});
