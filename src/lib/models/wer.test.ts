import { describe, expect, it } from 'vitest';
import { normalizeWords, wordEdits, wordErrorRate } from '$lib/models/wer';

describe('word error rate', () => {
	it('normalises case and punctuation, keeps apostrophes inside words', () => {
		expect(normalizeWords(' Stuff it into you, his belly counselled him.')).toEqual([
			'stuff',
			'it',
			'into',
			'you',
			'his',
			'belly',
			'counselled',
			'him'
		]);
		expect(normalizeWords("He didn’t — 'quite' — say 'twas")).toEqual([
			'he',
			"didn't",
			'quite',
			'say',
			'twas'
		]);
	});

	it('counts substitutions, deletions and insertions', () => {
		const ref = ['he', 'could', 'wait', 'no', 'longer'];
		expect(wordEdits(ref, ref)).toBe(0);
		expect(wordEdits(ref, ['he', 'would', 'wait', 'no', 'longer'])).toBe(1);
		expect(wordEdits(ref, ['he', 'wait', 'no', 'longer'])).toBe(1);
		expect(wordEdits(ref, ['oh', 'he', 'could', 'wait', 'no', 'longer'])).toBe(1);
		expect(wordEdits(ref, [])).toBe(5);
		expect(wordEdits([], ['a', 'b'])).toBe(2);
	});

	it('scores a corpus as total edits over total reference words', () => {
		const score = wordErrorRate([
			{ reference: 'HE COULD WAIT NO LONGER', hypothesis: ' He could wait no longer.' },
			{ reference: 'STUFF IT INTO YOU', hypothesis: 'Stuff it in to you' }
		]);
		// "into" → "in" + inserted "to": 2 edits over 9 words.
		expect(score).toEqual({ wer: 2 / 9, edits: 2, words: 9 });
		expect(wordErrorRate([]).wer).toBe(0);
		expect(wordErrorRate([{ reference: '', hypothesis: 'noise' }]).wer).toBe(1);
	});
});
