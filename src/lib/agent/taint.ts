import type { AnyTool } from '$lib/tools/types';
import type { CallGate } from '$lib/types/tools';

/**
 * Whether a call must wait for the user's yes, and why; or, when untrusted text is in the turn
 * and it may run at once, why. Side-effect tools always ask. Once untrusted text entered the
 * turn (this turn's tool results, or anything an earlier turn, an image, the summary or a memory
 * brought in: agent/untrusted-origins.ts), a network tool asks (a URL or a query can carry data
 * out) and so does a tool whose effect lasts (a memory joins every later prompt), unless the
 * user clearly asked for exactly those arguments (argumentsFromUser). Anything else cannot send
 * or change anything, so it runs.
 */
export function callGate(
	tool: AnyTool,
	args: unknown,
	state: { tainted: boolean; userText: string }
): { ask: boolean; gate: CallGate } | undefined {
	if (tool.sideEffect) return { ask: true, gate: 'side-effect' };
	if (!state.tainted) return undefined;
	if (!tool.network && !tool.lasting) return { ask: false, gate: 'contained' };
	return argumentsFromUser(args, state.userText)
		? { ask: false, gate: 'your-words' }
		: { ask: true, gate: 'untrusted' };
}

/** Why a call must wait for the user's yes, or undefined when it may run at once. */
export function confirmationReason(
	tool: AnyTool,
	args: unknown,
	state: { tainted: boolean; userText: string }
): 'side-effect' | 'tainted' | undefined {
	const gate = callGate(tool, args, state);
	if (!gate?.ask) return undefined;
	return gate.gate === 'side-effect' ? 'side-effect' : 'tainted';
}

/**
 * Words of a request that do not name what is asked for ("search the web for …", "what's the
 * weather in …"): they do not count towards how much of the message an argument covers.
 */
const REQUEST_WORDS = new Set(
	(
		'a an the and or of in on at to for from with about by into is are was be it its this that ' +
		'these those me my i you your we our please can could would will do does did what whats ' +
		"what's how when where which who why tell show give get find search look lookup up fetch " +
		'read open check summarise summarize compare visit browse web page pages site online ' +
		'internet weather forecast news now then also again some any all more run python code'
	).split(' ')
);

const OPENERS = new Set([...'([{\'"«<']);
const CLOSERS = new Set([...'.,;:!?)]}\'"»>']);

/**
 * Words and URLs of a text, lower-cased; a URL is one token. Only counted and compared with
 * REQUEST_WORDS, so a URL's trailing punctuation does not matter.
 */
function tokens(text: string): string[] {
	return text.toLowerCase().match(/https?:\/\/[^\s"'<>]+|[\p{L}\p{N}_'’-]+/gu) ?? [];
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Whether `arg` appears verbatim (spaces aside) in `message` as whole words: not inside a word,
 * and not the start of a longer URL (`https://a.example/x` in `https://a.example/x?d=1`).
 */
function appearsWhole(arg: string, message: string): boolean {
	for (let at = message.indexOf(arg); at !== -1; at = message.indexOf(arg, at + 1)) {
		const before = message[at - 1];
		const startOk = before === undefined || before === ' ' || OPENERS.has(before);
		// Closing punctuation may follow (`"lighthouse".`), then a space or the end.
		let end = at + arg.length;
		while (CLOSERS.has(message.charAt(end))) end++;
		const after = message.charAt(end);
		if (startOk && (after === '' || after === ' ')) return true;
	}
	return false;
}

/**
 * True when the arguments hold at least one text and the user clearly asked for each one: a web
 * address they wrote out whole, or words they wrote verbatim that make up at least half of what
 * their message asks about (its words other than request words like "search" or "weather").
 * A fragment of a longer message (a password in a pasted log, a name in a paragraph) does not
 * count: a page could have told the model to send exactly that fragment somewhere.
 */
export function argumentsFromUser(args: unknown, userText: string): boolean {
	const texts = collectStrings(args)
		.map(squash)
		.filter((s) => s !== '');
	if (texts.length === 0) return false;
	const message = squash(userText);
	const asked = tokens(message).filter((t) => !REQUEST_WORDS.has(t));
	return texts.every((text) => {
		if (!appearsWhole(text, message)) return false;
		const words = tokens(text);
		if (words.length === 1 && /^https?:\/\//.test(words[0] ?? '')) return true;
		const covered = words.filter((t) => !REQUEST_WORDS.has(t)).length;
		// Words found whole in the message are among its asked words, so asked is never shorter.
		return covered > 0 && covered * 2 >= asked.length;
	});
}

function collectStrings(value: unknown, out: string[] = []): string[] {
	if (typeof value === 'string') out.push(value);
	// Object.values lists an array's items too.
	else if (typeof value === 'object' && value !== null) {
		for (const v of Object.values(value)) collectStrings(v, out);
	}
	return out;
}
