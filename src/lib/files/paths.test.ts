import { describe, expect, it } from 'vitest';
import { splitPath } from '$lib/files/paths';
import { HearthError } from '$lib/types/errors';

function rejected(path: string, options?: { directory?: boolean }): string {
	try {
		splitPath(path, options);
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		expect((e as HearthError).code).toBe('path_rejected');
		return (e as HearthError).message;
	}
	throw new Error(`"${path}" was accepted`);
}

describe('splitPath', () => {
	it('splits relative paths into names; empty is the folder itself', () => {
		expect(splitPath('notes/2025/todo.md')).toEqual(['notes', '2025', 'todo.md']);
		expect(splitPath('')).toEqual([]);
		expect(splitPath('notes/', { directory: true })).toEqual(['notes']);
		expect(splitPath('.hidden/a b.txt')).toEqual(['.hidden', 'a b.txt']);
		// Only a drive letter at the start is absolute; a colon later is part of a name.
		expect(splitPath('notes/c:d.txt')).toEqual(['notes', 'c:d.txt']);
		// The longest name a file system allows is still a name.
		expect(splitPath(`${'x'.repeat(251)}.txt`)).toEqual([`${'x'.repeat(251)}.txt`]);
	});

	it('refuses anything that leaves or skips around the folder, with the reason', () => {
		expect(rejected('../secret.txt')).toMatch(/would leave the shared folder/);
		expect(rejected('notes/../../x')).toMatch(/would leave/);
		expect(rejected('/etc/passwd')).toMatch(/relative to the shared folder/);
		expect(rejected('C:/Users/me')).toMatch(/relative/);
		expect(rejected('~/notes')).toMatch(/relative/);
		expect(rejected('notes\\a.txt')).toMatch(/not "\\"/);
		expect(rejected('a\u0000.txt')).toMatch(/control characters/);
		expect(rejected('notes//a.txt')).toMatch(/empty folder name/);
		expect(rejected('notes/')).toMatch(/empty folder name/);
		expect(rejected('notes//', { directory: true })).toMatch(/empty folder name/);
		expect(rejected('./a.txt')).toMatch(/leave out "\."/);
		expect(rejected(`${'x'.repeat(256)}.txt`)).toMatch(/too long/);
	});
});
