import type { ParsedSection } from '$lib/types/knowledge';
import type { Line } from './lines';

// Collects lines into one section's text. Pieces of an over-long line are joined back without a
// line break, so section text lines still map one to one onto file lines.

export class SectionBuffer {
	#parts: string[] = [];
	#chars = 0;
	#startLine = 0;
	#endLine = 0;
	#openPartial = false;

	get chars(): number {
		return this.#chars;
	}

	get empty(): boolean {
		return this.#parts.length === 0;
	}

	/** The last line added was a piece of a longer line. */
	get midLine(): boolean {
		return this.#openPartial;
	}

	add(line: Line): void {
		if (this.#parts.length === 0) this.#startLine = line.no;
		else if (!this.#openPartial) this.#parts.push('\n');
		this.#parts.push(line.text);
		this.#chars += line.text.length + 1;
		this.#endLine = line.no;
		this.#openPartial = line.partial;
	}

	/** Empties the buffer, returning its section (null when nothing but blank lines was added). */
	take(meta: Omit<ParsedSection, 'text' | 'startLine' | 'endLine'> = {}): ParsedSection | null {
		const text = this.#parts.join('');
		const section = { text, startLine: this.#startLine, endLine: this.#endLine, ...meta };
		this.#parts = [];
		this.#chars = 0;
		this.#openPartial = false;
		return text.trim() === '' ? null : section;
	}
}
