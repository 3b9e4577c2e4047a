const MAX_TITLE = 60;

function clip(text: string): string {
	const chars = Array.from(text);
	return chars.length > MAX_TITLE
		? `${chars
				.slice(0, MAX_TITLE - 1)
				.join('')
				.trimEnd()}…`
		: text;
}

/** A first title from the user's opening message, shown until a better one exists. */
export function titleFromText(text: string): string {
	const line = text.trim().split('\n', 1)[0]?.replace(/\s+/g, ' ').trim() ?? '';
	return line ? clip(line) : 'New chat';
}

/**
 * The opening message already makes a good title (a short, plain line: "Plan a garden party"),
 * so no model is asked to write one. Long, multi-line, code or link openings are not.
 */
export function isGoodTitle(text: string): boolean {
	const trimmed = text.trim();
	if (trimmed.includes('\n') || Array.from(trimmed).length > MAX_TITLE) return false;
	if (/[`{}[\]<>*_#|]|https?:\/\/|www\./i.test(trimmed)) return false;
	const words = trimmed.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
	return words.length >= 2 && words.length <= 12;
}

/** Cleans a model-written title: one line, no quotes, markdown or "Title:" prefix. Empty → null. */
export function cleanGeneratedTitle(raw: string): string | null {
	const withoutThinking = raw.replace(/<think>[\s\S]*?(<\/think>|$)/g, '');
	const line = withoutThinking
		.split('\n')
		.map((l) => l.trim())
		.find((l) => l.length > 0);
	if (!line) return null;
	const cleaned = line
		.replace(/[*_`#]/g, '')
		.trim()
		.replace(/^title\s*:\s*/i, '')
		.replace(/^["'“”‘’«»]+|["'“”‘’«».]+$/g, '')
		.trim();
	return cleaned ? clip(cleaned) : null;
}

export const TITLE_PROMPT =
	'Write a short title (at most six words) for a conversation that begins with the message below. ' +
	'Reply with the title only: no quotes, no punctuation at the end.';
