import { HearthError } from '$lib/types/errors';
import type { DirHandle, FileHandle } from '$lib/files/handles';
import { TRASH_DIR } from '$lib/files/names';
import { joinPath } from '$lib/files/paths';
import { formatBytes } from '$lib/utils/format-bytes';

/** Larger files won't fit a model's context anyway; refuse them plainly. */
export const READ_MAX_BYTES = 256_000;
export const WRITE_MAX_BYTES = 1_000_000;
/** A find never looks at more entries than this or deeper than MAX_DEPTH (a whole disk is shareable). */
export const MAX_VISITED = 5000;
export const MAX_DEPTH = 16;
/** Folders a search skips: huge, machine-made, and never what a person means; Hearth's trash. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', TRASH_DIR]);

export interface EntryInfo {
	path: string;
	kind: 'file' | 'directory';
	size?: number;
	lastModified?: number;
}

/** Maps the browser's DOMExceptions to errors that say which path and what to do. */
export function fsError(e: unknown, where: string, folder: string): HearthError {
	if (e instanceof HearthError) return e;
	const name = e instanceof Error ? e.name : '';
	if (name === 'NotFoundError') {
		return new HearthError('file_not_found', `There is no "${where}" in "${folder}".`, {
			cause: e
		});
	}
	if (name === 'TypeMismatchError') {
		return new HearthError(
			'file_not_found',
			`"${where}" in "${folder}" is a folder where a file was expected, or the other way round.`,
			{ cause: e }
		);
	}
	if (name === 'NotAllowedError' || name === 'SecurityError') {
		return new HearthError(
			'permission_denied',
			`The browser refused access to "${where}" in "${folder}".`,
			{ cause: e }
		);
	}
	if (name === 'NoModificationAllowedError' || name === 'InvalidModificationError') {
		return new HearthError(
			'tool_failed',
			`"${where}" in "${folder}" is locked or in use; try again later.`,
			{ cause: e }
		);
	}
	if (e instanceof TypeError) {
		return new HearthError(
			'path_rejected',
			`The browser refused the name "${where}": ${e.message}`,
			{ cause: e }
		);
	}
	if (name === 'QuotaExceededError') {
		return new HearthError('quota_exceeded', 'There is no space left to write that file.', {
			cause: e
		});
	}
	const message = e instanceof Error ? e.message : String(e);
	return new HearthError('tool_failed', `"${where}" in "${folder}": ${message}`, { cause: e });
}

export async function resolveDir(
	root: DirHandle,
	segments: readonly string[],
	create = false
): Promise<DirHandle> {
	let dir = root;
	for (const name of segments) dir = await dir.getDirectoryHandle(name, { create });
	return dir;
}

export async function listDir(
	dir: DirHandle,
	prefix: readonly string[],
	limit: number
): Promise<{ entries: EntryInfo[]; total: number }> {
	const entries: EntryInfo[] = [];
	let total = 0;
	for await (const [name, handle] of dir.entries()) {
		// The trash is listed under Tools and agents, not to the model.
		if (name === TRASH_DIR) continue;
		total++;
		if (entries.length >= limit) continue;
		entries.push(await describeEntry([...prefix, name], handle));
	}
	entries.sort((a, b) =>
		a.kind === b.kind ? a.path.localeCompare(b.path) : a.kind === 'directory' ? -1 : 1
	);
	return { entries, total };
}

async function describeEntry(path: string[], handle: DirHandle | FileHandle): Promise<EntryInfo> {
	if (handle.kind === 'directory') return { path: joinPath(path), kind: 'directory' };
	const file = await handle.getFile();
	return { path: joinPath(path), kind: 'file', size: file.size, lastModified: file.lastModified };
}

export interface FindQuery {
	/** A glob on the file name ("*.md", "report-??.txt") or, without * or ?, a substring. */
	name?: string;
	/** "md" or ".md". */
	extension?: string;
	modifiedAfter?: number;
	modifiedBefore?: number;
	limit: number;
}

function nameMatcher(pattern: string | undefined): (name: string) => boolean {
	if (!pattern) return () => true;
	const lower = pattern.toLowerCase();
	if (!/[*?]/.test(lower)) return (name) => name.toLowerCase().includes(lower);
	const source = lower
		.replace(/[.+^${}()|[\]\\]/g, '\\$&')
		.replace(/\*/g, '.*')
		.replace(/\?/g, '.');
	const re = new RegExp(`^${source}$`);
	return (name) => re.test(name.toLowerCase());
}

/** Breadth first, so shallow matches come first and a limit keeps the most relevant ones. */
export async function findFiles(
	root: DirHandle,
	prefix: readonly string[],
	query: FindQuery
): Promise<{ matches: EntryInfo[]; truncated: boolean; visited: number }> {
	const matchName = nameMatcher(query.name);
	const ext = query.extension?.toLowerCase().replace(/^\./, '');
	const queue: { dir: DirHandle; path: string[] }[] = [{ dir: root, path: [...prefix] }];
	const matches: EntryInfo[] = [];
	let visited = 0;
	let truncated = false;
	while (queue.length > 0) {
		const { dir, path } = queue.shift()!;
		for await (const [name, handle] of dir.entries()) {
			if (++visited > MAX_VISITED) return { matches, truncated: true, visited: MAX_VISITED };
			if (handle.kind === 'directory') {
				if (SKIPPED_DIRS.has(name)) continue;
				if (path.length - prefix.length < MAX_DEPTH)
					queue.push({ dir: handle, path: [...path, name] });
				else truncated = true;
				continue;
			}
			if (!matchName(name)) continue;
			if (ext !== undefined && !name.toLowerCase().endsWith(`.${ext}`)) continue;
			const info = await describeEntry([...path, name], handle);
			const modified = info.lastModified ?? 0;
			if (query.modifiedAfter !== undefined && modified < query.modifiedAfter) continue;
			if (query.modifiedBefore !== undefined && modified >= query.modifiedBefore) continue;
			matches.push(info);
			if (matches.length >= query.limit) return { matches, truncated: true, visited };
		}
	}
	return { matches, truncated, visited };
}

/** UTF-8 text of a file: refused when too big, binary (a NUL byte), or not valid UTF-8. */
export async function readText(
	handle: FileHandle,
	label: string,
	maxBytes = READ_MAX_BYTES
): Promise<{ text: string; size: number; lastModified: number }> {
	const file = await handle.getFile();
	if (file.size > maxBytes) {
		throw new HearthError(
			'content_too_large',
			`"${label}" is ${formatBytes(file.size)}; Hearth reads text files up to ${formatBytes(maxBytes)}.`
		);
	}
	const bytes = new Uint8Array(await file.arrayBuffer());
	if (bytes.subarray(0, 8192).includes(0)) {
		throw new HearthError(
			'content_unreadable',
			`"${label}" is a binary file (an image, archive or program), not text.`
		);
	}
	try {
		const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		return { text, size: file.size, lastModified: file.lastModified };
	} catch (e) {
		throw new HearthError(
			'content_unreadable',
			`"${label}" isn't UTF-8 text, so it can't be read.`,
			{ cause: e }
		);
	}
}

/**
 * Writes a file in `dir`. With `overwrite` false an existing file is refused (file_exists).
 * The browser writes to a copy and swaps it in on close, so a failed write leaves the old file.
 */
export async function writeText(
	dir: DirHandle,
	name: string,
	content: string,
	overwrite: boolean
): Promise<{ created: boolean; bytes: number }> {
	const bytes = new TextEncoder().encode(content).length;
	if (bytes > WRITE_MAX_BYTES) {
		throw new HearthError(
			'content_too_large',
			`That is ${formatBytes(bytes)} of text; Hearth writes files up to ${formatBytes(WRITE_MAX_BYTES)}.`
		);
	}
	let created = false;
	let handle: FileHandle;
	try {
		handle = await dir.getFileHandle(name);
		if (!overwrite)
			throw new HearthError(
				'file_exists',
				`"${name}" already exists. Use write_file to replace it, or pick another name.`
			);
	} catch (e) {
		if (!(e instanceof Error) || e.name !== 'NotFoundError') throw e;
		handle = await dir.getFileHandle(name, { create: true });
		created = true;
	}
	const writable = await handle.createWritable();
	try {
		await writable.write(content);
		await writable.close();
	} catch (e) {
		await writable.abort().catch(() => {});
		throw e;
	}
	return { created, bytes };
}
