// How answers reach the terminal. On a colour terminal the Markdown is rendered (marked-terminal)
// a block at a time as it streams: a paragraph, list or fenced code block is printed once it is
// complete, so nothing printed has to be redrawn. Piped, or with NO_COLOR, the text is written
// as the model wrote it, as it arrives (a script reads the Markdown itself).
import { Marked } from 'marked';
import { markedTerminal } from 'marked-terminal';

export interface Output {
	write(text: string): void;
	/** Colour and rendering: a TTY without NO_COLOR (https://no-color.org). */
	readonly styled: boolean;
	readonly columns: number;
}

export function terminalOutput(
	stream: NodeJS.WriteStream = process.stdout,
	env: Readonly<Record<string, string | undefined>> = process.env
): Output {
	const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
	return {
		write: (text) => void stream.write(text),
		styled: Boolean(stream.isTTY) && !noColor && env.TERM !== 'dumb',
		columns: stream.columns || 80
	};
}

/** Dim text on a styled terminal; plain otherwise. */
export function dim(out: Output, text: string): string {
	return out.styled ? `\x1b[2m${text}\x1b[22m` : text;
}

export function bold(out: Output, text: string): string {
	return out.styled ? `\x1b[1m${text}\x1b[22m` : text;
}

function renderer(columns: number): Marked {
	const marked = new Marked();
	// Model text is untrusted: links are shown as text and URL, images never fetched.
	marked.use(markedTerminal({ reflowText: true, width: Math.min(columns, 100), tab: 2 }) as never);
	return marked;
}

/** Where the text so far can be cut into finished blocks: after the last blank line outside a fence. */
export function completeBlocksEnd(text: string): number {
	let inFence = false;
	let cut = 0;
	let at = 0;
	for (const line of text.split('\n')) {
		const end = at + line.length + 1;
		if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
		else if (!inFence && line.trim() === '' && end <= text.length) cut = end;
		at = end;
	}
	return cut;
}

/** Streams one answer's text to the terminal. */
export class AnswerPrinter {
	readonly #out: Output;
	readonly #marked: Marked | null;
	#pending = '';
	#printed = 0;

	constructor(out: Output) {
		this.#out = out;
		this.#marked = out.styled ? renderer(out.columns) : null;
	}

	/** True once any of the answer was printed. */
	get started(): boolean {
		return this.#printed > 0;
	}

	text(delta: string): void {
		if (!this.#marked) {
			this.#out.write(delta);
			this.#printed += delta.length;
			return;
		}
		this.#pending += delta;
		const cut = completeBlocksEnd(this.#pending);
		if (cut > 0) {
			this.#print(this.#pending.slice(0, cut));
			this.#pending = this.#pending.slice(cut);
		}
	}

	/** The text was replaced (a revision): print the new text whole, after a rule. */
	replace(content: string): void {
		if (!content) return;
		if (this.#printed > 0) this.#out.write(`\n${dim(this.#out, '── revised ──')}\n`);
		this.#pending = '';
		this.text(content);
	}

	/** Prints what is left and ends the line. */
	end(): void {
		if (this.#marked) {
			if (this.#pending.trim()) this.#print(this.#pending);
			this.#pending = '';
		} else if (this.#printed > 0) this.#out.write('\n');
	}

	#print(markdown: string): void {
		const rendered = (this.#marked!.parse(markdown) as string).replace(/\n+$/, '\n');
		this.#out.write(rendered);
		this.#printed += markdown.length;
	}
}
