import { Lexer } from 'marked';
import type { MarkedOptions, Token, Tokens } from 'marked';

/*
 * Complexity guards for marked, whose emphasis runs and nested containers are super-linear:
 * hostile nesting is refused before parsing, and inline runs past a per-render budget stay text.
 */

/**
 * marked's emphasis/link scanning is roughly (run length × delimiters) per inline run.
 * Runs beyond this per-render budget render as plain text (~1 s worst case on a laptop).
 */
const INLINE_COST_BUDGET = 300_000_000;
/** marked re-lexes nested containers once per level: cost ≈ Σ line length × nesting depth. */
const NESTING_COST_BUDGET = 40_000_000;
/** Quote/list markers on one line beyond which the input is treated as hostile. */
const MAX_LINE_MARKERS = 64;

/** One block-container marker (quote or list item) at the sticky position. */
const CONTAINER_MARKER = /[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))/y;

/** Inline lexing cost one render may still spend. */
export interface InlineBudget {
	cost: number;
}

export function freshInlineBudget(): InlineBudget {
	return { cost: INLINE_COST_BUDGET };
}

/**
 * Nesting a line can open: leading indentation (2 columns a level) plus container markers.
 * Returns -1 when the markers alone exceed any sane depth.
 */
function lineDepth(source: string, start: number, end: number): number {
	let columns = 0;
	let i = start;
	for (; i < end; i++) {
		const c = source.charCodeAt(i);
		if (c === 32) columns++;
		else if (c === 9) columns += 4 - (columns % 4);
		else break;
	}
	let markers = 0;
	CONTAINER_MARKER.lastIndex = i;
	while (CONTAINER_MARKER.lastIndex < end && CONTAINER_MARKER.test(source)) {
		if (++markers > MAX_LINE_MARKERS) return -1;
	}
	return (columns >> 1) + markers;
}

/**
 * True when marked would spend too long (or overflow the stack) on nested containers.
 * Indentation alone only adds cost, so ASCII art or deeply indented code is not penalised.
 * `budget` is for tests, which check the cost rule on small inputs.
 */
export function tooDeeplyNested(source: string, budget = NESTING_COST_BUDGET): boolean {
	let cost = 0;
	let start = 0;
	while (start < source.length) {
		const newline = source.indexOf('\n', start);
		const end = newline === -1 ? source.length : newline;
		const depth = lineDepth(source, start, end);
		if (depth < 0) return true;
		cost += depth * (end - start + 1);
		if (cost > budget) return true;
		start = end + 1;
	}
	return false;
}

/** Rough cost of lexing one inline run: its length times the characters that start a scan. */
function inlineCost(src: string): number {
	let specials = 0;
	let previous = 0;
	for (let i = 0; i < src.length; i++) {
		const c = src.charCodeAt(i);
		// * _ ~ ` [ ] ( ) < > ! $ \ and runs of spaces
		if (
			c === 42 ||
			c === 95 ||
			c === 126 ||
			c === 96 ||
			c === 91 ||
			c === 93 ||
			c === 40 ||
			c === 41 ||
			c === 60 ||
			c === 62 ||
			c === 33 ||
			c === 36 ||
			c === 92 ||
			(c === 32 && previous === 32)
		) {
			specials++;
		}
		previous = c;
	}
	return src.length * (specials + 1);
}

/** Charges one top-level inline run; nested runs (link text, emphasis) were paid for by it. */
class BoundedLexer<P = string, R = string> extends Lexer<P, R> {
	#depth = 0;
	readonly #budget: () => InlineBudget;

	constructor(budget: () => InlineBudget, options?: MarkedOptions<P, R>) {
		super(options);
		this.#budget = budget;
	}

	override inlineTokens(src: string, tokens: Token[] = []): Token[] {
		if (this.#depth > 0) return super.inlineTokens(src, tokens);
		const budget = this.#budget();
		budget.cost -= inlineCost(src);
		if (budget.cost < 0) {
			const text: Tokens.Text = { type: 'text', raw: src, text: src, escaped: false };
			tokens.push(text);
			return tokens;
		}
		this.#depth++;
		try {
			return super.inlineTokens(src, tokens);
		} finally {
			this.#depth--;
		}
	}
}

/** A block lexer for marked's `provideLexer` hook; `budget` returns the current render's. */
export function boundedLexer(budget: () => InlineBudget) {
	return <P = string, R = string>(src: string, options?: MarkedOptions<P, R>): Token[] =>
		new BoundedLexer<P, R>(budget, options).lex(src);
}
