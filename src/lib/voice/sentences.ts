import { splitReasoning } from '$lib/utils/reasoning';

// Turns a streaming markdown answer into sentences that can be spoken as soon as each is complete.
//
// Invariants:
// - Reasoning (`<think>…</think>`) is never spoken: the answer is taken from splitReasoning.
// - Fenced code is skipped; headings, list items and table rows are sentences of their own.
// - A boundary is only taken when the text after it is known ("e.g. this", "Dr. Smith", "3.14"
//   and ellipses are not boundaries), so the result never depends on how the text was chunked.

/** Words after which a full stop does not end a sentence, whatever follows. */
const ABBREVIATIONS = new Set([
	'mr',
	'mrs',
	'ms',
	'dr',
	'prof',
	'sr',
	'jr',
	'st',
	'mt',
	'rev',
	'gen',
	'col',
	'capt',
	'lt',
	'sgt',
	'gov',
	'sen',
	'rep',
	'hon',
	'vs',
	'cf',
	'fig',
	'figs',
	'eq',
	'eqs',
	'approx',
	'nos',
	'vol',
	'pp',
	'ca',
	'al'
]);

/** Lines shorter than this are held until they could no longer be a fence, rule or marker. */
const DECIDE_AFTER = 8;

type LineKind =
	| { kind: 'fence'; marker: string }
	| { kind: 'blank' }
	| { kind: 'rule' }
	| { kind: 'table-separator' }
	| { kind: 'table' }
	| { kind: 'heading' | 'item' | 'quote' | 'paragraph'; prefix: number };

function classify(line: string): LineKind {
	const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line);
	if (fence?.[1]) return { kind: 'fence', marker: fence[1] };
	if (/^\s*$/.test(line)) return { kind: 'blank' };
	if (/^ {0,3}([-*_=])(?:\s*\1){2,}\s*$/.test(line)) return { kind: 'rule' };
	if (/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/.test(line)) return { kind: 'table-separator' };
	if (/^\s*\|/.test(line)) return { kind: 'table' };
	const heading = /^ {0,3}#{1,6}(?:\s+|$)/.exec(line);
	if (heading) return { kind: 'heading', prefix: heading[0].length };
	const item = /^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/.exec(line);
	if (item) return { kind: 'item', prefix: item[0].length };
	const quote = /^ {0,3}(?:>\s?)+/.exec(line);
	if (quote) return { kind: 'quote', prefix: quote[0].length };
	return { kind: 'paragraph', prefix: /^\s*/.exec(line)?.[0].length ?? 0 };
}

function closesFence(line: string, marker: string): boolean {
	const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
	return Boolean(m?.[1] && m[1][0] === marker[0] && m[1].length >= marker.length);
}

/** Markdown, links, URLs and HTML removed; what is left is read aloud. */
export function speakable(text: string): string {
	return (
		text
			.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
			// Links read as their text; a bare number ("[1]", a citation) is not worth saying.
			.replace(/\[([^\]]*)\]\([^)]*\)/g, (_, label: string) =>
				/^\s*\d+\s*$/.test(label) ? '' : label
			)
			.replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
			.replace(/\[\^?\d+\]/g, '')
			.replace(/<(?:https?|mailto):[^>]*>/gi, '')
			.replace(/\b(?:https?:\/\/|www\.)[^\s<>()[\]]+/gi, '')
			.replace(/<\/?[a-z][^>]*>/gi, ' ')
			.replace(/`+([^`]*)`+/g, '$1')
			.replace(/(\*\*|__|~~)(.+?)\1/g, '$2')
			.replace(/(^|[\s(["'])[*_](\S(?:.*?\S)?)[*_](?=[\s.,;:!?)"']|$)/g, '$1$2')
			// Leftovers: unmatched emphasis, stray backticks, tildes.
			.replace(/[*`~]+/g, '')
			.replace(/(^|\s)_+|_+(?=\s|$)/g, '$1')
			.replace(/\s+/g, ' ')
			.replace(/\s+([.,;:!?])/g, '$1')
			.replace(/\(\s*\)|\[\s*\]/g, '')
			.replace(/\s+/g, ' ')
			.trim()
	);
}

function hasWords(text: string): boolean {
	return /[\p{L}\p{N}]/u.test(text);
}

/** The first letter or digit at or after `from`, skipping quotes, brackets and markup. */
function nextWordChar(text: string, from: number): string | undefined {
	for (let i = from; i < text.length; i++) {
		const c = text[i] ?? '';
		if (/[\p{L}\p{N}]/u.test(c)) return c;
		if (!/[\s"'“‘([*_`]/.test(c)) return c;
	}
	return undefined;
}

const TERMINATOR = /([.!?…]+)(["'”’)\]*_]*)(\s+)/g;

/**
 * Index just past the first sentence end in `text` (closing quotes and brackets included), or
 * -1 when there is none yet. Unless `final`, a boundary needs the next word's first character.
 */
function findBoundary(text: string, final: boolean): number {
	TERMINATOR.lastIndex = 0;
	for (let m = TERMINATOR.exec(text); m; m = TERMINATOR.exec(text)) {
		const punct = m[1] ?? '';
		const end = m.index + punct.length + (m[2]?.length ?? 0);
		const next = nextWordChar(text, m.index + m[0].length);
		if (next === undefined) return final ? end : -1;
		if (/[!?]/.test(punct)) return end;
		// An ellipsis is a pause, not an end.
		if (punct.includes('…') || punct.length > 1) continue;
		const word = /([^\s(["'“‘*_]+)$/.exec(text.slice(0, m.index))?.[1] ?? '';
		if (ABBREVIATIONS.has(word.toLowerCase())) continue;
		// Initials ("J. R. R.") and dotted abbreviations ("e.g", "i.e", "U.S").
		if (/^\p{Lu}$/u.test(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) continue;
		if (/\p{Ll}/u.test(next)) continue;
		return end;
	}
	return -1;
}

export interface SentenceStreamOptions {
	/** The chat template opened the think block already (see utils/reasoning). */
	startsInReasoning?: boolean;
}

export class SentenceStream {
	readonly #startsInReasoning: boolean;
	/** Everything received, while it is not yet known where the reasoning ends. */
	#raw = '';
	#answerSeen = 0;
	/** The reasoning question is settled: deltas are answer text as they come. */
	#passthrough = false;
	/** The current line, not yet ended by a newline. */
	#line = '';
	/** Its kind, once decided from its first characters (null: still undecided). */
	#lineKind: LineKind | null = null;
	/** How much of #line has been moved into #prose. */
	#lineTaken = 0;
	/** The open code fence, while inside one. */
	#fence: string | null = null;
	/** Text of the current block not yet spoken. */
	#prose = '';

	constructor(options: SentenceStreamOptions = {}) {
		this.#startsInReasoning = options.startsInReasoning ?? false;
	}

	/** Adds streamed text; returns the sentences it completed (cleaned, ready to speak). */
	push(delta: string): string[] {
		const out: string[] = [];
		this.#feed(this.#answerDelta(delta), out);
		return out;
	}

	/** Ends the answer: returns whatever was left. The stream can then be reused. */
	flush(): string[] {
		const out: string[] = [];
		if (!this.#passthrough) {
			const split = splitReasoning(this.#raw, {
				startsInReasoning: this.#startsInReasoning,
				complete: true
			});
			this.#feed(split.answer.slice(this.#answerSeen), out);
		}
		if (this.#line !== '') this.#endLine(this.#line, out);
		this.#drain(true, out);
		this.#reset();
		return out;
	}

	#reset(): void {
		this.#raw = '';
		this.#answerSeen = 0;
		this.#passthrough = false;
		this.#line = '';
		this.#lineKind = null;
		this.#lineTaken = 0;
		this.#fence = null;
		this.#prose = '';
	}

	#answerDelta(delta: string): string {
		if (this.#passthrough) return delta;
		this.#raw += delta;
		const split = splitReasoning(this.#raw, { startsInReasoning: this.#startsInReasoning });
		const fresh = split.answer.slice(this.#answerSeen);
		this.#answerSeen = split.answer.length;
		if (!split.thinking && split.answer !== '') {
			this.#passthrough = true;
			this.#raw = '';
		}
		return fresh;
	}

	#feed(text: string, out: string[]): void {
		if (text === '') return;
		this.#line += text;
		for (let nl = this.#line.indexOf('\n'); nl >= 0; nl = this.#line.indexOf('\n')) {
			const line = this.#line.slice(0, nl);
			this.#line = this.#line.slice(nl + 1);
			this.#endLine(line, out);
		}
		this.#partial(out);
	}

	/** Starts a prose line: a heading or list item first ends the block before it. */
	#begin(kind: LineKind, out: string[]): void {
		this.#lineKind = kind;
		this.#lineTaken = 'prefix' in kind ? kind.prefix : 0;
		if (kind.kind === 'heading' || kind.kind === 'item') this.#drain(true, out);
	}

	#partial(out: string[]): void {
		if (this.#fence !== null) return;
		if (this.#lineKind === null) {
			if (this.#line.length < DECIDE_AFTER) return;
			const kind = classify(this.#line);
			// Fences, tables and rules are handled once their line is complete.
			if (!('prefix' in kind)) return;
			this.#begin(kind, out);
		}
		this.#prose += this.#line.slice(this.#lineTaken);
		this.#lineTaken = this.#line.length;
		this.#drain(false, out);
	}

	#endLine(line: string, out: string[]): void {
		const started = this.#lineKind;
		this.#lineKind = null;
		const taken = this.#lineTaken;
		this.#lineTaken = 0;
		if (this.#fence !== null) {
			if (closesFence(line, this.#fence)) this.#fence = null;
			return;
		}
		const kind = started ?? classify(line);
		switch (kind.kind) {
			case 'fence':
				this.#drain(true, out);
				this.#fence = kind.marker;
				return;
			case 'blank':
			case 'rule':
				this.#drain(true, out);
				return;
			case 'table-separator':
				return;
			case 'table': {
				this.#drain(true, out);
				const cells = line
					.split('|')
					.map((c) => c.trim())
					.filter(Boolean);
				this.#prose = cells.join(', ');
				this.#drain(true, out);
				return;
			}
			default:
				if (!started) this.#begin(kind, out);
				this.#prose += line.slice(started ? taken : this.#lineTaken);
				this.#lineKind = null;
				this.#lineTaken = 0;
				if (kind.kind === 'heading' || kind.kind === 'item') {
					this.#drain(true, out);
				} else {
					// A soft line break inside a paragraph.
					this.#prose += ' ';
					this.#drain(false, out);
				}
		}
	}

	/** Moves complete sentences from #prose to `out`; `final` also takes the rest. */
	#drain(final: boolean, out: string[]): void {
		for (
			let end = findBoundary(this.#prose, final);
			end >= 0;
			end = findBoundary(this.#prose, final)
		) {
			this.#emit(this.#prose.slice(0, end), out);
			this.#prose = this.#prose.slice(end).trimStart();
		}
		if (final) {
			this.#emit(this.#prose, out);
			this.#prose = '';
		}
	}

	#emit(raw: string, out: string[]): void {
		const text = speakable(raw);
		if (hasWords(text)) out.push(text);
	}
}
