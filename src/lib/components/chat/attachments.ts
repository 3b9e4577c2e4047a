// Pure checks behind AttachButton: which picked files may be attached.
import { formatBytes } from '$lib/utils/format-bytes';

/** Per file: larger files would sit in memory twice (IndexedDB and Python's file system). */
export const MAX_ATTACHMENT_BYTES = 25_000_000;

/** The files to attach, and a sentence about any that were refused (null when none). */
export function checkAttachments<F extends { name: string; size: number }>(
	files: readonly F[],
	maxBytes = MAX_ATTACHMENT_BYTES
): { accepted: F[]; rejection: string | null } {
	const accepted: F[] = [];
	const tooLarge: F[] = [];
	const empty: F[] = [];
	for (const file of files) {
		if (file.size > maxBytes) tooLarge.push(file);
		else if (file.size === 0) empty.push(file);
		else accepted.push(file);
	}
	const parts: string[] = [];
	const limit = formatBytes(maxBytes);
	if (tooLarge.length === 1 && tooLarge[0]) {
		const f = tooLarge[0];
		parts.push(`${f.name} is ${formatBytes(f.size)}; files can be at most ${limit}.`);
	} else if (tooLarge.length > 1) {
		parts.push(`${names(tooLarge)} are larger than ${limit}, the most a file can be.`);
	}
	if (empty.length > 0) parts.push(`${names(empty)} ${empty.length === 1 ? 'is' : 'are'} empty.`);
	return { accepted, rejection: parts.length ? `Not attached: ${parts.join(' ')}` : null };
}

function names(files: readonly { name: string }[]): string {
	const list = files.map((f) => f.name);
	if (list.length <= 3) return list.join(', ');
	return `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
}
