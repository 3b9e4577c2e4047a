// The chat's fast path for explicit memory commands, tried before the model sees the message.

export type MemoryCommand = { remember: string } | { forget: string };

/** Openers, longest first so "remember that" wins over "remember". Matched case-insensitively. */
const REMEMBER = [
	'please remember that',
	'please remember',
	'please note that',
	'remember that',
	'remember:',
	'remember',
	'keep in mind that',
	'note that',
	"don't forget that",
	'do not forget that'
];

const FORGET = [
	'please forget that',
	'please forget about',
	'please forget',
	'forget that',
	'forget about',
	'forget:',
	'forget'
];

/** "remember when…", "remember what you said?": questions about the past, not commands. */
const QUESTION_START = /^(when|what|how|why|where|who|which|if|whether|to)\b/i;
/** "forget it", "forget that.", "forget it, let's…": dismissals with nothing to forget. */
const NOTHING = /^(it|this|that|everything|all|all that|about it|me|you)(?:$|[,;.!-])/i;

function rest(text: string, openers: readonly string[]): string | null {
	const lower = text.toLowerCase();
	for (const opener of openers) {
		if (!lower.startsWith(opener)) continue;
		const after = text.slice(opener.length);
		// Whole words only: "remembered", "forgetful".
		if (after !== '' && /^[\p{L}\p{N}]/u.test(after) && !opener.endsWith(':')) continue;
		return after.replace(/^[\s,:;-]+/, '').replace(/[\s.!]+$/, '');
	}
	return null;
}

/**
 * `{remember}` / `{forget}` for a message that starts with an explicit memory command, else null.
 * Questions ("remember when we…?", ending in "?") are left to the model.
 */
export function parseMemoryCommand(text: string): MemoryCommand | null {
	const t = text
		.trim()
		.replace(/^(?:hey|ok|okay|hearth)[,!]?\s+/i, '')
		.replace(/[\u2019]/g, "'");
	if (t.endsWith('?')) return null;
	const remember = rest(t, REMEMBER);
	if (remember !== null) {
		if (remember === '' || QUESTION_START.test(remember)) return null;
		return { remember };
	}
	const forget = rest(t, FORGET);
	if (forget !== null) {
		if (forget === '' || NOTHING.test(forget)) return null;
		return { forget };
	}
	return null;
}
