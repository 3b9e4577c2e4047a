// Is this text? Decided on the first bytes of a file, before any parser reads it, so a renamed
// image or a database file is refused with a reason instead of being indexed as garbage.

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export type Sniff = { ok: true; encoding: TextEncoding } | { ok: false; reason: string };

/** How many bytes of the file `sniffText` looks at. */
export const SNIFF_BYTES = 64 * 1024;
/** More undecodable characters than this share of the sample means "not UTF-8 text". */
const MAX_INVALID_RATIO = 0.02;
/** More control characters (besides tab, newlines, form feed, escape) than this: binary. */
const MAX_CONTROL_RATIO = 0.05;

export function sniffText(head: Uint8Array): Sniff {
	if (head[0] === 0xff && head[1] === 0xfe) return { ok: true, encoding: 'utf-16le' };
	if (head[0] === 0xfe && head[1] === 0xff) return { ok: true, encoding: 'utf-16be' };
	if (head.includes(0)) {
		return { ok: false, reason: 'It looks like a binary file (it contains NUL bytes), not text.' };
	}
	// stream: true holds back a character cut off at the end of the sample instead of counting it
	// as invalid.
	const text = new TextDecoder('utf-8').decode(head, { stream: true });
	if (text.length === 0) return { ok: true, encoding: 'utf-8' };
	let invalid = 0;
	let control = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0xfffd) invalid++;
		else if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) control++;
	}
	if (invalid / text.length > MAX_INVALID_RATIO) {
		const percent = Math.round((invalid / text.length) * 100);
		return {
			ok: false,
			reason: `It is not UTF-8 text (${percent}% of its first bytes are not valid characters); it may be a binary file or use an old encoding.`
		};
	}
	if (control / text.length > MAX_CONTROL_RATIO) {
		return {
			ok: false,
			reason: 'It looks like a binary file (many control characters), not text.'
		};
	}
	return { ok: true, encoding: 'utf-8' };
}
