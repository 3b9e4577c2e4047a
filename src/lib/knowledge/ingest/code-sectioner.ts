import type { ParsedSection } from '$lib/types/knowledge';
import type { Line } from './lines';
import { TEXT_SECTION_HARD_CHARS } from './parse-text';
import { SectionBuffer } from './section-buffer';

// Shared bookkeeping of the code splitters: the section being filled, its symbol, and the comment,
// decorator and blank lines seen since the last code line. Those "pending" lines belong to
// whatever comes next: a new function takes its doc comment and decorators with it.

/** Past this many pending lines (a licence header, a long commented-out block) they stop waiting. */
const MAX_PENDING = 200;

export class CodeSectioner {
	readonly #current = new SectionBuffer();
	#symbol: string | undefined;
	#pending: Line[] = [];

	get symbol(): string | undefined {
		return this.#symbol;
	}

	/** A blank, comment or decorator line: it goes with the next code line. */
	pend(line: Line): ParsedSection[] {
		this.#pending.push(line);
		return this.#pending.length > MAX_PENDING ? this.#settle() : [];
	}

	/** A code line that continues the current section. */
	add(line: Line): ParsedSection[] {
		const out = this.#settle();
		this.#current.add(line);
		return out;
	}

	/** A line that begins a new section (a declaration, or code after a function ended). */
	start(line: Line, symbol: string | undefined): ParsedSection[] {
		const out = this.#take();
		this.#symbol = symbol;
		// Blank lines between two sections belong to neither: a section starts at its first text.
		const firstText = this.#pending.findIndex((p) => p.text.trim() !== '');
		if (firstText < 0) this.#pending = [];
		else this.#pending = this.#pending.slice(firstText);
		for (const p of this.#pending) this.#current.add(p);
		this.#pending = [];
		this.#current.add(line);
		return out;
	}

	finish(): ParsedSection[] {
		const out = this.#settle();
		return [...out, ...this.#take()];
	}

	/** Pending lines join the current section; a section past the hard limit is handed on. */
	#settle(): ParsedSection[] {
		for (const p of this.#pending) this.#current.add(p);
		this.#pending = [];
		return this.#current.chars >= TEXT_SECTION_HARD_CHARS && !this.#current.midLine
			? this.#take()
			: [];
	}

	#take(): ParsedSection[] {
		const section = this.#current.take(this.#symbol ? { symbol: this.#symbol } : {});
		return section ? [section] : [];
	}
}
