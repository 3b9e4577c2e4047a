// Names a new file or folder may take. The browser's origin-private file system accepts almost
// anything ("con", "a:b", "x."), but a shared folder lives on a real disk that may be synced to
// or copied onto another system: a name Windows or macOS refuses would break there, so Hearth
// never creates one.

/** Longest name in UTF-8 bytes: ext4, APFS and NTFS (in UTF-16 units) all stop near 255. */
export const MAX_NAME_BYTES = 255;

/** Hearth's own hidden folder in every shared folder (deleted items wait there). */
export const TRASH_DIR = '.hearth-trash';

// Windows reserves these device names in any case and with any extension ("nul.txt").
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const FORBIDDEN_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/;

/**
 * Why `name` can't be given to a new file or folder, in words for a person, or null when it can.
 * Existing entries are not judged by this: a file already named "a:b" on Linux can still be moved.
 */
export function newNameProblem(name: string): string | null {
	if (name === '' || name === '.' || name === '..') return 'it is not a name.';
	const bad = FORBIDDEN_CHARS.exec(name);
	if (bad) {
		const shown = /[\u0000-\u001f\u007f]/.test(bad[0]) ? 'a control character' : `"${bad[0]}"`; // eslint-disable-line no-control-regex
		return `it contains ${shown}, which Windows and macOS don't allow in names.`;
	}
	if (/[. ]$/.test(name)) return 'it ends in a dot or a space, which Windows drops or refuses.';
	if (RESERVED.test(name)) {
		return `"${name.split('.')[0]}" is a device name Windows reserves.`;
	}
	if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) {
		return `it is longer than ${MAX_NAME_BYTES} bytes.`;
	}
	if (name.toLowerCase() === TRASH_DIR)
		return `"${TRASH_DIR}" is where Hearth keeps deleted items.`;
	return null;
}

/** "report.txt" → "report (2).txt"; "Photos" → "Photos (2)"; ".env" stays whole → ".env (2)". */
export function numberedName(name: string, n: number): string {
	const dot = name.lastIndexOf('.');
	if (dot <= 0) return `${name} (${n})`;
	return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}
