import { describe, expect, it } from 'vitest';
import { argumentsFromUser, callGate } from '$lib/agent/taint';
import { addTool, fileTools, webTools } from '$lib/agent/test-tools';

// Issue 15, Low 7: after untrusted text a network call runs unasked only when the user clearly
// asked for exactly its arguments, not when they merely appear somewhere in what the user wrote.

describe('argumentsFromUser', () => {
	it('accepts what a user types as a request', () => {
		expect(
			argumentsFromUser({ query: 'lighthouse history' }, 'search the web for lighthouse history')
		).toBe(true);
		expect(argumentsFromUser({ place: 'Berlin' }, "What's the weather in Berlin?")).toBe(true);
		expect(
			argumentsFromUser({ url: 'https://a.example/x' }, 'read https://a.example/x please')
		).toBe(true);
		expect(
			argumentsFromUser(
				{ url: 'https://b.example/y' },
				'Compare https://a.example/x with https://b.example/y'
			)
		).toBe(true);
	});

	it('refuses a fragment of a pasted log (a password) or of a longer message', () => {
		const log = [
			'2025-03-01 12:00:01 connecting to db.internal as admin',
			'2025-03-01 12:00:02 auth: password=hunter2 accepted',
			'2025-03-01 12:00:03 ERROR timeout after 30s',
			'why does this time out?'
		].join('\n');
		expect(argumentsFromUser({ query: 'hunter2' }, log)).toBe(false);
		expect(argumentsFromUser({ query: 'password=hunter2' }, log)).toBe(false);
		expect(argumentsFromUser({ query: 'hunter2' }, 'my password is hunter2, is it strong?')).toBe(
			false
		);
		expect(
			argumentsFromUser(
				{ query: 'Anna Berg' },
				'Draft a letter to my landlord Anna Berg about the broken heating in flat 4 and the rent'
			)
		).toBe(false);
	});

	it('refuses text only found inside a word or a longer address, or padded with extra characters', () => {
		expect(argumentsFromUser({ query: 'ight' }, 'lighthouse')).toBe(false);
		expect(argumentsFromUser({ url: 'https://a.example/x' }, 'read https://a.example/x?d=1')).toBe(
			false
		);
		expect(argumentsFromUser({ url: 'https://a.example/x?d=1' }, 'read https://a.example/x')).toBe(
			false
		);
		expect(argumentsFromUser({ query: 'lighthouse!!..;' }, 'search lighthouse')).toBe(false);
	});

	it('needs every text argument to pass, and at least one', () => {
		const text = 'fetch https://a.example/x';
		expect(argumentsFromUser({ url: 'https://a.example/x', note: 'secret' }, text)).toBe(false);
		expect(argumentsFromUser({ url: 'https://a.example/x', max: 3 }, text)).toBe(true);
		expect(argumentsFromUser({ max: 3 }, text)).toBe(false);
	});
});

describe('argumentsFromUser: what counts as the user asking', () => {
	it('does not count request words of any kind against the words the user asked about', () => {
		// Each message has two or more request words from one group: counted, they would
		// outnumber "lighthouse" and the call would have to ask.
		const q = { query: 'lighthouse' };
		expect(argumentsFromUser(q, 'is it about the lighthouse')).toBe(true);
		expect(argumentsFromUser(q, 'would you please search lighthouse for me')).toBe(true);
		expect(argumentsFromUser(q, 'how and where to find lighthouse')).toBe(true);
		expect(argumentsFromUser(q, 'summarise the lighthouse page online')).toBe(true);
		expect(argumentsFromUser(q, 'lighthouse weather forecast now')).toBe(true);
	});

	it('counts only the argument’s own asked words, not its request words', () => {
		expect(
			argumentsFromUser(
				{ place: 'the weather in Berlin' },
				"what's the weather in Berlin and Paris and Rome tomorrow"
			)
		).toBe(false);
		// Nothing but request words on both sides: nothing the user asked about is covered.
		expect(argumentsFromUser({ query: 'the web' }, 'search the web')).toBe(false);
	});

	it('accepts words in quotes or brackets with closing punctuation after them', () => {
		expect(
			argumentsFromUser({ query: 'lighthouse keepers' }, 'search for "lighthouse keepers".')
		).toBe(true);
		expect(argumentsFromUser({ query: 'lighthouse keepers' }, 'search (lighthouse keepers)')).toBe(
			true
		);
		expect(argumentsFromUser({ query: 'lighthouse history' }, 'lighthouse history please')).toBe(
			true
		);
	});

	it('refuses the end of a longer word, and punctuation with no words at all', () => {
		expect(argumentsFromUser({ query: 'house' }, 'search lighthouse')).toBe(false);
		expect(argumentsFromUser({ query: '?!' }, '?!')).toBe(false);
	});

	it('ignores spacing: runs of spaces and line breaks, and blank arguments', () => {
		expect(
			argumentsFromUser({ query: '  lighthouse history ' }, 'search for lighthouse\n\n history')
		).toBe(true);
		expect(argumentsFromUser({ query: 'lighthouse', note: '   ' }, 'search lighthouse')).toBe(true);
	});

	it('takes a whole http or https address on its own, but not an address with more words', () => {
		const three = 'compare http://a.example/x, http://b.example/y and http://c.example/z for me';
		expect(argumentsFromUser({ url: 'http://b.example/y' }, three)).toBe(true);
		expect(
			argumentsFromUser(
				{ url: 'https://a.example/x secret-thing' },
				'fetch https://a.example/x secret-thing and tell me about harbour lights tonight'
			)
		).toBe(false);
	});

	it('reads strings inside lists and nested objects, and skips empty values', () => {
		const text = 'search lighthouse and harbour';
		expect(
			argumentsFromUser({ queries: ['lighthouse and harbour'], extra: null, n: 2 }, text)
		).toBe(true);
		expect(argumentsFromUser({ nested: { deep: ['lighthouse and harbour', 'leak'] } }, text)).toBe(
			false
		);
	});
});

describe('callGate', () => {
	const { search } = webTools({});
	const { writeFile } = fileTools();
	const tainted = { tainted: true, userText: 'why does this time out? password=hunter2' };

	it('says why a call asks, and why one ran unasked after untrusted text', () => {
		expect(
			callGate(writeFile, { path: 'a', content: 'b' }, { tainted: false, userText: '' })
		).toEqual({
			ask: true,
			gate: 'side-effect'
		});
		expect(callGate(search, { query: 'hunter2' }, tainted)).toEqual({
			ask: true,
			gate: 'untrusted'
		});
		expect(callGate(search, { query: 'x' }, { tainted: true, userText: 'search x' })).toEqual({
			ask: false,
			gate: 'your-words'
		});
		expect(callGate(addTool, { a: 1, b: 2 }, tainted)).toEqual({ ask: false, gate: 'contained' });
		expect(callGate(search, { query: 'x' }, { tainted: false, userText: '' })).toBeUndefined();
	});
});
