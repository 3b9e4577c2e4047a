import { Tokenizer } from 'marked';
import type { MarkedExtension, TokenizerAndRendererExtension } from 'marked';
import markedKatex from 'marked-katex-extension';

/*
 * KaTeX math for marked, bounded: KaTeX is slow per formula and the extension's tokenizers can
 * rescan a paragraph from every `$`, so each render gets a budget and math past it stays text.
 */

/** Longest single-line `$…$` we try as math; bounds each regex attempt. */
const MAX_INLINE_MATH = 2000;
/** Longest `$$\n…\n$$` block we try as math. */
const MAX_BLOCK_MATH = 50_000;
/** Characters the KaTeX tokenizers may scan per render (`$x\` repeated fails at every `$`). */
const MATH_SCAN_BUDGET = 5_000_000;
/** Formulas KaTeX renders per render, and their total TeX length. */
const MATH_RENDER_BUDGET = 2000;
const MATH_CHAR_BUDGET = 200_000;

/** What one render may still spend on math; spent by the tokenizers as they run. */
export interface MathBudget {
	scan: number;
	renders: number;
	chars: number;
}

export function freshMathBudget(): MathBudget {
	return { scan: MATH_SCAN_BUDGET, renders: MATH_RENDER_BUDGET, chars: MATH_CHAR_BUDGET };
}

/**
 * marked-katex-extension's inline `start()` rescans the rest of the paragraph from every `$`
 * (minutes for 10 KB of `$x\`). We drop it, cut text tokens at `$` in `inlineText` instead,
 * and run both tokenizers on a bounded slice under the render's math budgets.
 */
function boundedKatex(extension: MarkedExtension, budget: () => MathBudget): MarkedExtension {
	const extensions = (extension.extensions ?? []).map((ext): TokenizerAndRendererExtension => {
		if (!('tokenizer' in ext)) return ext;
		const original = ext.tokenizer;
		const inline = ext.level === 'inline';
		const max = inline ? MAX_INLINE_MATH : MAX_BLOCK_MATH;
		return {
			...ext,
			start: undefined,
			tokenizer(src, tokens) {
				if (src.charCodeAt(0) !== 36 /* $ */) return undefined;
				const spend = budget();
				if (spend.scan <= 0 || spend.renders <= 0 || spend.chars <= 0) return undefined;
				const slice = src.length > max ? src.slice(0, max) : src;
				const token = original.call(this, slice, tokens);
				if (!token) {
					// What the failed regex scanned: inline math stops at the line end.
					const newline = inline ? slice.indexOf('\n') : -1;
					spend.scan -= newline === -1 ? slice.length : newline;
					return undefined;
				}
				spend.scan -= token.raw.length;
				// A match that ends exactly where we cut the input may not be a match on the whole.
				if (slice !== src && token.raw.length === slice.length) return undefined;
				spend.renders--;
				spend.chars -= token.raw.length;
				return token;
			}
		};
	});
	return { ...extension, extensions };
}

/** Stops plain text before a `$` so inline math gets its chance there (replaces `start()`). */
const textStopsAtDollar: MarkedExtension = {
	tokenizer: {
		inlineText(src) {
			const token = Tokenizer.prototype.inlineText.call(this, src);
			if (!token) return undefined;
			const cut = token.raw.indexOf('$', 1);
			return cut === -1 ? token : Tokenizer.prototype.inlineText.call(this, src.slice(0, cut));
		}
	}
};

/** The marked extensions for math; `budget` returns the current render's budget. */
export function mathExtensions(budget: () => MathBudget): MarkedExtension[] {
	const katex = markedKatex({
		throwOnError: false,
		nonStandard: true,
		// Model output is full of odd glyphs; 'warn' would log each one.
		strict: 'ignore',
		// \href, \includegraphics and friends stay off: they could load or link anything.
		trust: false,
		maxSize: 50,
		maxExpand: 1000
	});
	return [boundedKatex(katex, budget), textStopsAtDollar];
}
