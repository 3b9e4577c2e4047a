import { describe, expect, it } from 'vitest';
import { SentenceStream, speakable } from '$lib/voice/sentences';

/** Feeds `text` in pieces of `size` characters; returns every sentence, flush included. */
function speak(text: string, size = 1, options = {}): string[] {
	const stream = new SentenceStream(options);
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) out.push(...stream.push(text.slice(i, i + size)));
	out.push(...stream.flush());
	return out;
}

/** The same sentences whatever the chunking: whole, per character, and odd sizes. */
function expectSentences(text: string, expected: string[], options = {}): void {
	for (const size of [text.length || 1, 1, 2, 3, 7, 13]) {
		expect(speak(text, size, options), `chunks of ${size}`).toEqual(expected);
	}
}

describe('SentenceStream', () => {
	it('emits each sentence as soon as the next one begins', () => {
		const stream = new SentenceStream();
		expect(stream.push('Hello there. ')).toEqual([]); // the next word is not known yet
		expect(stream.push('How')).toEqual(['Hello there.']);
		expect(stream.push(' are you? I am')).toEqual(['How are you?']);
		expect(stream.push(' fine.')).toEqual([]);
		expect(stream.flush()).toEqual(['I am fine.']);
	});

	it('splits on . ! ? and keeps closing quotes and brackets', () => {
		expectSentences('Wow! Really? Yes. He said "stop." Then (quietly.) It ended.', [
			'Wow!',
			'Really?',
			'Yes.',
			'He said "stop."',
			'Then (quietly.)',
			'It ended.'
		]);
	});

	it('does not split on abbreviations, decimals, initials or ellipses', () => {
		expectSentences(
			'Use a fruit, e.g. an apple. Dr. Smith agreed. Pi is 3.14 or so. J. R. R. Tolkien wrote it. Well... I think so. It is i.e. fine.',
			[
				'Use a fruit, e.g. an apple.',
				'Dr. Smith agreed.',
				'Pi is 3.14 or so.',
				'J. R. R. Tolkien wrote it.',
				'Well... I think so.',
				'It is i.e. fine.'
			]
		);
		expectSentences('Wait… Something moved. Mrs. Jones vs. Mr. Brown.', [
			'Wait… Something moved.',
			'Mrs. Jones vs. Mr. Brown.'
		]);
	});

	it('does not take a full stop before a lowercase word as an end', () => {
		expectSentences('The file is named config. it is small.', [
			'The file is named config. it is small.'
		]);
	});

	it('skips fenced code blocks entirely', () => {
		expectSentences(
			'Here is the code:\n\n```python\nprint("Hello. World.")\nx = 1\n```\n\nRun it. It prints a greeting.\n~~~\nmore code.\n~~~\nDone.',
			['Here is the code:', 'Run it.', 'It prints a greeting.', 'Done.']
		);
	});

	it('drops a code block that never closes', () => {
		expectSentences('Try this.\n```js\nconsole.log("never spoken.");', ['Try this.']);
	});

	it('reads headings, list items and table rows as sentences of their own', () => {
		expectSentences(
			'## Shopping list\n- Apples\n- Bread and butter\n1. First step\n2. Second step\n\n| Fruit | Price |\n|---|---:|\n| Apple | 2 |\n\n---\nThat is all.',
			[
				'Shopping list',
				'Apples',
				'Bread and butter',
				'First step',
				'Second step',
				'Fruit, Price',
				'Apple, 2',
				'That is all.'
			]
		);
	});

	it('joins soft-wrapped paragraph lines and ends a paragraph at a blank line', () => {
		expectSentences(
			'This sentence\nis wrapped over\nthree lines. Next one.\n\nNo full stop here\n\nAfter',
			['This sentence is wrapped over three lines.', 'Next one.', 'No full stop here', 'After']
		);
	});

	it('strips markdown syntax, links and URLs', () => {
		expectSentences(
			'This is **bold**, _italic_ and `code`. See [the docs](https://example.com/docs). Visit https://example.com/a?b=c now.\n> Quoted\n> text here.\n![a cat](cat.png) is cute.',
			[
				'This is bold, italic and code.',
				'See the docs.',
				'Visit now.',
				'Quoted text here.',
				'a cat is cute.'
			]
		);
	});

	it('keeps snake_case words and drops citation numbers', () => {
		expectSentences('Set max_tokens to 10 [1](hearth://cite/1). Done [2].', [
			'Set max_tokens to 10.',
			'Done.'
		]);
	});

	it('never speaks reasoning', () => {
		expectSentences(
			'<think>\nThe user wants a greeting. Easy.\n</think>\n\nHello! How can I help?',
			['Hello!', 'How can I help?']
		);
		expectSentences('<think>Still thinking. Never done.', []);
	});

	it('handles a template that opened the think block itself', () => {
		expectSentences('Hmm, let me think. Okay.</think>The answer is 4.', ['The answer is 4.'], {
			startsInReasoning: true
		});
		// The guess was wrong (no closing tag): the reply is read as a plain answer at the end.
		expectSentences('Plain answer. No reasoning.', ['Plain answer.', 'No reasoning.'], {
			startsInReasoning: true
		});
	});

	it('does not speak a think tag that appears later in the answer as reasoning', () => {
		expectSentences('Sure. Use <think> tags to reason.', ['Sure.', 'Use tags to reason.']);
	});

	it('ignores text with no words and can be reused after flush', () => {
		const stream = new SentenceStream();
		expect(stream.push('--- *** ...\n')).toEqual([]);
		expect(stream.flush()).toEqual([]);
		expect(stream.push('Again. ')).toEqual([]);
		expect(stream.flush()).toEqual(['Again.']);
	});

	it('speaks a long paragraph sentence by sentence before it ends', () => {
		const stream = new SentenceStream();
		const spoken: string[] = [];
		const text = 'One fish. Two fish. Red fish. Blue fish.';
		for (const word of text.split(/(?<= )/)) spoken.push(...stream.push(word));
		expect(spoken).toEqual(['One fish.', 'Two fish.', 'Red fish.']);
		expect(stream.flush()).toEqual(['Blue fish.']);
	});
});

describe('speakable', () => {
	it('removes markup and tidies spacing', () => {
		expect(speakable('**Note:** read <https://x.y> and <b>this</b> ~~not~~ ( https://a.b )')).toBe(
			'Note: read and this not'
		);
		expect(speakable('Call `npm install` then __run__ it')).toBe('Call npm install then run it');
	});
});
