import { describe, expect, it } from 'vitest';
import { parseMemoryCommand } from './commands';

describe('parseMemoryCommand', () => {
	it.each([
		['remember that I prefer Python', { remember: 'I prefer Python' }],
		['Remember that I prefer Python.', { remember: 'I prefer Python' }],
		['Please remember my sister is called Ana!', { remember: 'my sister is called Ana' }],
		['please remember that I am vegetarian', { remember: 'I am vegetarian' }],
		['remember: tabs, not spaces', { remember: 'tabs, not spaces' }],
		['Hey, remember I live in Lisbon', { remember: 'I live in Lisbon' }],
		["Don't forget that I use Linux", { remember: 'I use Linux' }],
		['Keep in mind that I’m left-handed', { remember: "I'm left-handed" }],
		['forget that I like Python', { forget: 'I like Python' }],
		['Forget about my address.', { forget: 'my address' }],
		['please forget my old phone number', { forget: 'my old phone number' }],
		['forget: the vegetarian thing', { forget: 'the vegetarian thing' }]
	])('%s', (text, expected) => {
		expect(parseMemoryCommand(text)).toEqual(expected);
	});

	it.each([
		'remember when we talked about Rust?',
		'Remember when we talked about Rust',
		'remember to buy milk',
		'do you remember my name',
		'I remember that film',
		'rememberance day is in November',
		'forget it',
		'Forget it, let us talk about Go.',
		'forget that.',
		'forgetful people lose keys',
		'forget everything',
		'remember',
		'what is the capital of France?',
		''
	])('%s → null', (text) => {
		expect(parseMemoryCommand(text)).toBeNull();
	});
});
