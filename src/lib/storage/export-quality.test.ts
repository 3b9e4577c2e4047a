import { describe, expect, it } from 'vitest';
import { CORE_SET } from '$lib/evals/golden/core-set';
import type { EvalSet } from '$lib/evals/types';
import type { Feedback } from '$lib/metrics/feedback';
import { exportAll, importExport } from '$lib/storage/export';
import { conversation, message } from '$lib/storage/export-fixtures';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';

const verdict: Feedback = {
	messageId: 'm1',
	conversationId: 'c1',
	rating: 'down',
	reason: 'It invented a citation.',
	at: 10,
	day: '2025-06-01',
	engine: 'ollama',
	model: 'qwen2.5:1.5b',
	agent: 'research'
};

const mine: EvalSet = {
	id: 'mine',
	name: 'My cases',
	version: 2,
	cases: [
		{
			id: 'from-answer',
			category: 'custom',
			turns: [{ text: 'Who wrote Dune?' }],
			graders: [{ kind: 'contains', expected: ['Frank Herbert'] }]
		}
	]
};

describe('backup of feedback and eval sets', () => {
	it('carries verdicts and the person’s sets; metrics and runs stay on the device', async () => {
		const db = freshDb();
		await db.conversations.add(conversation('c1'));
		await db.messages.add(message('m1', 'c1'));
		await db.feedback.put(verdict);
		await db.evalSets.put(mine);
		await db.evalRuns.put({
			id: 'r1',
			setId: 'mine',
			setName: 'My cases',
			setVersion: 2,
			engine: 'ollama',
			model: 'x',
			label: 'x',
			startedAt: 1,
			status: 'done',
			options: { temperature: 0, topP: 1, seed: 42 },
			caseCount: 0,
			results: []
		});
		const file = await exportAll(db);
		expect(file.quality).toEqual({ feedback: [verdict], evalSets: [mine] });
		expect(JSON.stringify(file)).not.toContain('"r1"');

		const other = freshDb();
		const data = parseExport(JSON.stringify(file));
		expect(await importExport(other, data)).toMatchObject({ feedbackAdded: 1, evalSetsAdded: 1 });
		expect(await other.feedback.get('m1')).toEqual(verdict);
		expect(await other.evalSets.get('mine')).toEqual({ ...mine, builtIn: false });
		// Imported again: nothing doubles; an older verdict never replaces a newer one.
		expect(await importExport(other, data)).toMatchObject({ feedbackAdded: 0, evalSetsAdded: 0 });
		await other.feedback.put({ ...verdict, rating: 'up', at: 20 });
		await importExport(other, data);
		expect((await other.feedback.get('m1'))?.rating).toBe('up');
	});

	it('a backup without them (an older one) still imports; a broken set is refused before any write', async () => {
		const base = {
			format: 'hearth-export',
			version: 1,
			exportedAt: 1,
			conversations: [],
			messages: []
		};
		expect(parseExport(JSON.stringify(base)).quality).toBeUndefined();
		const onlyModel = {
			...mine,
			cases: [{ ...mine.cases[0], graders: [{ kind: 'model', rubric: 'good?' }] }]
		};
		expect(() =>
			parseExport(JSON.stringify({ ...base, quality: { feedback: [], evalSets: [onlyModel] } }))
		).toThrow('quality');
		expect(() =>
			parseExport(
				JSON.stringify({
					...base,
					quality: { feedback: [{ ...verdict, rating: 'meh' }], evalSets: [] }
				})
			)
		).toThrow('quality.feedback[0].rating');
		expect(() =>
			parseExport(JSON.stringify({ ...base, quality: { feedback: [], evalSets: [CORE_SET] } }))
		).not.toThrow();
	});
});
