/**
 * A queue that one async task pushes into and a `for await` loop drains. The loop's producer runs
 * ahead of the consumer (tool output arrives while a tool is still running), so events queue here.
 */
export class EventChannel<T> implements AsyncIterable<T> {
	#queue: T[] = [];
	#wake: (() => void) | undefined;
	#closed = false;
	#error: unknown;
	#failed = false;
	readonly #onStop: () => void;

	/** `onStop` runs when the consumer leaves early (break or throw inside `for await`). */
	constructor(onStop: () => void) {
		this.#onStop = onStop;
	}

	push(value: T): void {
		if (this.#closed) return;
		this.#queue.push(value);
		this.#signal();
	}

	close(): void {
		this.#closed = true;
		this.#signal();
	}

	fail(error: unknown): void {
		if (this.#closed) return;
		this.#failed = true;
		this.#error = error;
		this.close();
	}

	async *[Symbol.asyncIterator](): AsyncGenerator<T> {
		let finished = false;
		try {
			for (;;) {
				const next = this.#queue.shift();
				if (next !== undefined) {
					yield next;
					continue;
				}
				if (this.#closed) break;
				await new Promise<void>((resolve) => (this.#wake = resolve));
			}
			finished = true;
			if (this.#failed) throw this.#error;
		} finally {
			if (!finished) {
				this.#closed = true;
				this.#onStop();
			}
		}
	}

	#signal(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}
}
