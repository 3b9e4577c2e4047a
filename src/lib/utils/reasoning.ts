/**
 * Reasoning models (DeepSeek-R1 distills, Qwen3, QwQ) write `<think>…</think>` before the answer.
 * This splits a reply — complete or still streaming — into the reasoning and the answer.
 *
 * Invariants, for every prefix of a reply (see the prefix tests):
 * - `reasoning` and `answer` only grow: each is a prefix of its value for any longer prefix.
 * - A partly received tag (`<thi`, `</thin`) is held back, never shown as text.
 * - Only a LEADING think block counts: `<think>` later in the answer is answer text.
 * - An empty or blank block (`<think>\n\n</think>`, Qwen3's no-think form) gives reasoning null,
 *   so the UI shows no thinking block; an open block gives a string, possibly ''.
 * Both parts are trimmed: the tags usually sit on lines of their own.
 */

export interface ReasoningSplit {
	/** null when the reply has no (non-blank) reasoning. */
	reasoning: string | null;
	answer: string;
	/** The think block is open: the model is still reasoning. */
	thinking: boolean;
}

export interface ReasoningOptions {
	/**
	 * The chat template already opened the block (DeepSeek-R1 puts `<think>\n` in the prompt), so
	 * the reply starts inside the reasoning and only `</think>` appears.
	 */
	startsInReasoning?: boolean;
	/**
	 * The reply is finished: nothing is held back, and a `startsInReasoning` reply that never
	 * closed a block (and never opened one) is taken as a plain answer — the guess was wrong.
	 */
	complete?: boolean;
}

const OPEN = /^<think\s*>/i;
const CLOSE = /<\/think\s*>/i;
/** Longer than any tag we hold back (`</think` + some spaces before `>`). */
const MAX_PARTIAL = 24;

/** True when `tail` may still become `name` + optional spaces + `>` as more text arrives. */
function couldBecomeTag(tail: string, name: string): boolean {
	const lower = tail.toLowerCase();
	if (lower.length < name.length) return name.startsWith(lower);
	return lower.startsWith(name) && /^\s*$/.test(lower.slice(name.length));
}

/** `text` minus a trailing partial `</think>` tag. */
function holdBackPartialClose(text: string): string {
	const at = text.lastIndexOf('<');
	if (at < 0 || text.length - at > MAX_PARTIAL) return text;
	return couldBecomeTag(text.slice(at), '</think') ? text.slice(0, at) : text;
}

function inside(body: string, complete: boolean): ReasoningSplit {
	const close = CLOSE.exec(body);
	if (close) {
		const reasoning = body.slice(0, close.index).trim();
		const answer = body.slice(close.index + close[0].length).trimStart();
		return { reasoning: reasoning || null, answer, thinking: false };
	}
	const reasoning = (complete ? body : holdBackPartialClose(body)).trim();
	if (complete) return { reasoning: reasoning || null, answer: '', thinking: false };
	return { reasoning, answer: '', thinking: true };
}

export function splitReasoning(content: string, opts: ReasoningOptions = {}): ReasoningSplit {
	const complete = opts.complete ?? false;
	const lead = content.trimStart();
	const open = OPEN.exec(lead);
	if (open) return inside(lead.slice(open[0].length), complete);
	if (opts.startsInReasoning) {
		if (complete && !CLOSE.test(lead)) return { reasoning: null, answer: lead, thinking: false };
		// A model may still write the opening tag itself: a partial one is not reasoning text yet.
		if (!complete && couldBecomeTag(lead, '<think')) return inside('', false);
		return inside(lead, complete);
	}
	if (!complete && couldBecomeTag(lead, '<think')) {
		return { reasoning: null, answer: '', thinking: false };
	}
	return { reasoning: null, answer: lead, thinking: false };
}

/**
 * The answer without its reasoning: what goes back to the model as history. An answer without
 * reasoning goes back exactly as the model wrote it, leading space included, so it renders to the
 * tokens the model generated and llama.cpp reuses its cache instead of computing them again.
 */
export function stripReasoning(content: string, opts: ReasoningOptions = {}): string {
	const split = splitReasoning(content, { complete: true, ...opts });
	return split.reasoning === null && split.answer === content.trimStart() ? content : split.answer;
}

/** "12 s", "1 min 5 s", "2 min": how long the model reasoned. */
export function formatThinkingDuration(ms: number): string {
	const total = Math.max(1, Math.round(ms / 1000));
	const min = Math.floor(total / 60);
	const s = total % 60;
	if (min === 0) return `${s} s`;
	return s === 0 ? `${min} min` : `${min} min ${s} s`;
}

/**
 * Times a reply's reasoning: from the first reasoning text to the close of the think block.
 * `observe` returns the duration once, when the block closes; it stops scanning once decided, so
 * a long answer is not re-split on every delta.
 */
export function reasoningClock(startsInside: boolean) {
	let startedAt: number | undefined;
	let decided = false;
	return {
		observe(content: string): number | undefined {
			if (decided) return undefined;
			const split = splitReasoning(content, { startsInReasoning: startsInside });
			if (split.thinking) {
				startedAt ??= performance.now();
				return undefined;
			}
			if (split.reasoning === null && split.answer === '') return undefined; // not known yet
			decided = true;
			return startedAt === undefined ? undefined : performance.now() - startedAt;
		}
	};
}
