import { describe, expect, it } from 'vitest';
import type { ReasoningOptions, ReasoningSplit } from '$lib/utils/reasoning';
import { formatThinkingDuration, splitReasoning, stripReasoning } from '$lib/utils/reasoning';

describe('splitReasoning', () => {
	it('separates a leading think block from the answer', () => {
		expect(splitReasoning('<think>\nThe user greets me.\n</think>\n\nHello!')).toEqual({
			reasoning: 'The user greets me.',
			answer: 'Hello!',
			thinking: false
		});
	});

	it('reports an open block as thinking, with no answer yet', () => {
		expect(splitReasoning('<think>\nLet me count: 1, 2')).toEqual({
			reasoning: 'Let me count: 1, 2',
			answer: '',
			thinking: true
		});
	});

	it('leaves a reply without reasoning alone', () => {
		expect(splitReasoning('Paris is the capital of France.')).toEqual({
			reasoning: null,
			answer: 'Paris is the capital of France.',
			thinking: false
		});
	});

	it('accepts leading whitespace, upper case and spaces inside the tags', () => {
		expect(splitReasoning('\n  <THINK >hmm</Think >ok')).toEqual({
			reasoning: 'hmm',
			answer: 'ok',
			thinking: false
		});
	});

	it('gives null reasoning for an empty or blank block (Qwen3 no-think)', () => {
		expect(splitReasoning('<think></think>Hi').reasoning).toBeNull();
		expect(splitReasoning('<think>\n\n</think>\n\nHi')).toEqual({
			reasoning: null,
			answer: 'Hi',
			thinking: false
		});
	});

	it('treats <think> that is not leading as answer text', () => {
		const later = 'Use the tag like this: <think>x</think> and done.';
		expect(splitReasoning(later)).toEqual({ reasoning: null, answer: later, thinking: false });
		const code = '```html\n<think>not reasoning</think>\n```';
		expect(splitReasoning(code).answer).toBe(code);
	});

	it('keeps a second think block inside the answer as answer text', () => {
		const split = splitReasoning('<think>a</think>Answer <think>b</think>');
		expect(split.reasoning).toBe('a');
		expect(split.answer).toBe('Answer <think>b</think>');
	});

	describe('startsInReasoning (the template opened the block)', () => {
		const opts: ReasoningOptions = { startsInReasoning: true };

		it('takes the text before </think> as reasoning', () => {
			expect(splitReasoning('Okay, the user wants a poem.\n</think>\n\nRoses…', opts)).toEqual({
				reasoning: 'Okay, the user wants a poem.',
				answer: 'Roses…',
				thinking: false
			});
		});

		it('is all reasoning until </think> arrives', () => {
			expect(splitReasoning('Okay, the user', opts)).toEqual({
				reasoning: 'Okay, the user',
				answer: '',
				thinking: true
			});
			expect(splitReasoning('', opts)).toEqual({ reasoning: '', answer: '', thinking: true });
		});

		it('still accepts an explicit opening tag', () => {
			expect(splitReasoning('<think>\nplan\n</think>answer', opts)).toEqual({
				reasoning: 'plan',
				answer: 'answer',
				thinking: false
			});
		});

		it('treats a complete reply that never closed a block as a plain answer', () => {
			expect(splitReasoning('Just an answer.', { ...opts, complete: true })).toEqual({
				reasoning: null,
				answer: 'Just an answer.',
				thinking: false
			});
		});
	});

	it('holds back a partial opening tag while streaming, releases it when complete', () => {
		for (const partial of ['<', '<t', '<thi', ' \n<think', '<THINK ']) {
			expect(splitReasoning(partial), partial).toEqual({
				reasoning: null,
				answer: '',
				thinking: false
			});
		}
		expect(splitReasoning('<thi', { complete: true }).answer).toBe('<thi');
		expect(splitReasoning('<thinking cap>').answer).toBe('<thinking cap>');
	});

	it('holds back a partial closing tag while streaming', () => {
		for (const partial of ['<', '</', '</thin', '</THINK', '</think  ']) {
			expect(splitReasoning(`<think>Some thought ${partial}`).reasoning, partial).toBe(
				'Some thought'
			);
		}
		expect(splitReasoning('<think>a < b and c</th').reasoning).toBe('a < b and c');
		expect(splitReasoning('<think>x </b>').reasoning).toBe('x </b>');
	});

	it('ends an unclosed block when the reply is complete (ran out of tokens)', () => {
		expect(splitReasoning('<think>still going', { complete: true })).toEqual({
			reasoning: 'still going',
			answer: '',
			thinking: false
		});
	});
});

describe('splitReasoning on every prefix of a streamed reply', () => {
	const replies: Array<{ name: string; text: string; opts?: ReasoningOptions }> = [
		{
			name: 'explicit block',
			text: '<think>\nThe user asks 2+2. a < b is irrelevant.\n</think>\n\nIt is **4**.'
		},
		{
			name: 'R1 style, no opening tag',
			text: 'First, recall the </b> tag rule.\n</think>\n\n```html\n<think>\n```',
			opts: { startsInReasoning: true }
		},
		{ name: 'no reasoning, starts with a tag-like word', text: '<thinking> is not a tag here.' },
		{ name: 'no reasoning, plain', text: '  Hello there, <think>friend</think>!' },
		{ name: 'blank block', text: '<think>\n\n</think>\n\nShort answer.' },
		{ name: 'mixed case, spaced tags', text: '<Think >\nA\n</THINK >B <think' },
		{ name: 'unclosed', text: '<think>never ends </thin' }
	];

	for (const { name, text, opts } of replies) {
		it(`stays consistent: ${name}`, () => {
			const splits: ReasoningSplit[] = [];
			for (let end = 0; end <= text.length; end++) {
				splits.push(splitReasoning(text.slice(0, end), opts));
			}
			const final = splits[splits.length - 1]!;
			for (let i = 1; i < splits.length; i++) {
				const before = splits[i - 1]!;
				const now = splits[i]!;
				const at = `prefix ${i}: ${JSON.stringify(text.slice(0, i))}`;
				expect(now.answer.startsWith(before.answer), at).toBe(true);
				expect((now.reasoning ?? '').startsWith(before.reasoning ?? ''), at).toBe(true);
				// A partial tag never leaks into what is shown.
				expect(now.answer, at).not.toMatch(/^<\/?t?h?i?n?k?\s*$/i);
				const partial = /<\/?(t(h(i(n(k\s*)?)?)?)?)?$/i.exec(text.slice(0, i));
				if (now.thinking && partial) {
					expect((now.reasoning ?? '').endsWith(partial[0].trimEnd()), at).toBe(false);
				}
				// Once the block has closed it never reopens.
				if (!before.thinking && before.answer) expect(now.thinking, at).toBe(false);
			}
			expect(final.answer).toBe(splitReasoning(text, { ...opts, complete: true }).answer);
		});
	}
});

describe('stripReasoning', () => {
	it('returns only the answer, for the history sent back to the model', () => {
		expect(stripReasoning('<think>secret plan</think>\nDone.')).toBe('Done.');
		expect(stripReasoning('plan</think>Done.', { startsInReasoning: true })).toBe('Done.');
		expect(stripReasoning('No reasoning.')).toBe('No reasoning.');
		// Exactly as generated (a leading space or newline is part of the model's first token),
		// so the history renders to the same tokens and llama.cpp's cache holds.
		expect(stripReasoning(' Once there was a dog.\n')).toBe(' Once there was a dog.\n');
		expect(stripReasoning('\n<think>plan</think>\n Done.')).toBe('Done.');
	});

	it('treats a stored reply as complete', () => {
		expect(stripReasoning('<thi')).toBe('<thi');
		expect(stripReasoning('<think>cut off')).toBe('');
	});
});

describe('formatThinkingDuration', () => {
	it('reads in seconds, then minutes and seconds', () => {
		expect(formatThinkingDuration(200)).toBe('1 s');
		expect(formatThinkingDuration(12_300)).toBe('12 s');
		expect(formatThinkingDuration(65_000)).toBe('1 min 5 s');
		expect(formatThinkingDuration(120_000)).toBe('2 min');
	});
});
