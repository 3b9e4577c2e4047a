import { describe, expect, it } from 'vitest';
import { newNameProblem, numberedName } from '$lib/files/names';

describe('newNameProblem', () => {
	it('accepts ordinary names, unicode and dot files', () => {
		for (const name of [
			'report.txt',
			'Photos 2024',
			'naïve café.md',
			'.env',
			'日本語.txt',
			'a.b.c'
		]) {
			expect(newNameProblem(name), name).toBeNull();
		}
	});

	it('refuses what Windows or macOS refuse, with the reason', () => {
		expect(newNameProblem('a:b.txt')).toMatch(/":"/);
		expect(newNameProblem('what?.txt')).toMatch(/"\?"/);
		for (const c of ['<', '>', '"', '|', '*'])
			expect(newNameProblem(`a${c}b`)).toMatch(/don't allow/);
		expect(newNameProblem('tab\there')).toMatch(/control character/);
		expect(newNameProblem('notes.')).toMatch(/ends in a dot or a space/);
		expect(newNameProblem('notes ')).toMatch(/ends in a dot or a space/);
		for (const reserved of ['CON', 'con', 'Nul.txt', 'com1', 'LPT9.log', 'aux.tar.gz']) {
			expect(newNameProblem(reserved), reserved).toMatch(/device name Windows reserves/);
		}
		expect(newNameProblem('console.log')).toBeNull();
		expect(newNameProblem('x'.repeat(256))).toMatch(/longer than 255 bytes/);
		// 86 three-byte characters are 258 bytes though only 86 characters long.
		expect(newNameProblem('日'.repeat(86))).toMatch(/longer than 255 bytes/);
		expect(newNameProblem('.hearth-trash')).toMatch(/deleted items/);
		expect(newNameProblem('..')).toMatch(/not a name/);
	});
});

describe('numberedName', () => {
	it('numbers before the extension', () => {
		expect(numberedName('report.txt', 2)).toBe('report (2).txt');
		expect(numberedName('Photos', 3)).toBe('Photos (3)');
		expect(numberedName('.env', 2)).toBe('.env (2)');
		expect(numberedName('a.tar.gz', 2)).toBe('a.tar (2).gz');
	});
});
