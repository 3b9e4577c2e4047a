import { HearthError } from '$lib/types/errors';

const MAX_SEGMENT = 255;

function reject(path: string, why: string): HearthError {
	return new HearthError('path_rejected', `The path "${path}" can't be used: ${why}`);
}

/**
 * Splits a path relative to a shared folder into names, or throws HearthError('path_rejected').
 * Refused: absolute paths, drive letters, "~", backslashes, control characters (NUL included),
 * ".." and "." and empty segments ("a//b"). `directory` allows one trailing slash ("notes/").
 * The empty path is the folder itself.
 *
 * Handles can only walk down from the granted folder and the browser never hands out a parent, so
 * a ".." (or a symlink) couldn't escape anyway; every segment is still checked, so a path that
 * even looks like it leaves the folder is refused with a reason rather than half-resolved.
 */
export function splitPath(path: string, options: { directory?: boolean } = {}): string[] {
	// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
	if (/[\u0000-\u001f\u007f]/.test(path)) throw reject(path, 'it contains control characters.');
	if (path.includes('\\')) throw reject(path, 'use "/" between folders, not "\\".');
	if (path.startsWith('/') || path.startsWith('~') || /^[a-zA-Z]:/.test(path)) {
		throw reject(path, 'give it relative to the shared folder, e.g. "notes/todo.md".');
	}
	const trimmed = options.directory && path.endsWith('/') ? path.slice(0, -1) : path;
	if (trimmed === '') return [];
	const segments = trimmed.split('/');
	for (const s of segments) {
		if (s === '') throw reject(path, 'it has an empty folder name ("//" or a trailing "/").');
		if (s === '..') throw reject(path, '".." would leave the shared folder.');
		if (s === '.') throw reject(path, 'leave out "." and name each folder.');
		if (s.length > MAX_SEGMENT) throw reject(path, 'a name in it is too long.');
	}
	return segments;
}

/** Back to text, for messages: ["notes", "a.md"] → "notes/a.md". */
export function joinPath(segments: readonly string[]): string {
	return segments.join('/');
}
