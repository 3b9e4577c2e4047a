// Lines from the person, one at a time, whether they type them (a TTY) or pipe them: readline
// emits lines as they arrive, and a line that comes while nothing is waiting is kept, not lost.
import { createInterface, type Interface } from 'node:readline';

export class LineReader {
	readonly rl: Interface;
	readonly #queue: string[] = [];
	readonly #waiting: ((line: string | null) => void)[] = [];
	#closed = false;
	readonly #out: NodeJS.WritableStream;

	constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, terminal: boolean) {
		this.#out = output;
		this.rl = createInterface({ input, output, terminal, historySize: terminal ? 100 : 0 });
		this.rl.on('line', (line) => {
			const next = this.#waiting.shift();
			if (next) next(line);
			else this.#queue.push(line);
		});
		this.rl.on('close', () => {
			this.#closed = true;
			for (const w of this.#waiting.splice(0)) w(null);
		});
	}

	/** Shows `prompt` and resolves with the next line; null once input has ended. */
	next(prompt = ''): Promise<string | null> {
		const queued = this.#queue.shift();
		if (queued !== undefined) {
			if (prompt) this.#out.write(`${prompt}${queued}\n`);
			return Promise.resolve(queued);
		}
		if (this.#closed) return Promise.resolve(null);
		this.rl.setPrompt(prompt);
		this.rl.prompt();
		return new Promise((resolve) => this.#waiting.push(resolve));
	}

	/**
	 * Ends the wait for a line as if an empty one were typed, when nobody has typed anything yet
	 * (so something can be asked at an idle prompt); false when there was no such wait.
	 */
	interrupt(): boolean {
		if (this.#waiting.length === 0 || this.rl.line !== '') return false;
		this.#waiting.shift()!('');
		return true;
	}

	close(): void {
		this.rl.close();
	}
}
