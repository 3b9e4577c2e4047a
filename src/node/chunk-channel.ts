/**
 * Turns a producer's callbacks (a library's `onTextChunk`) into an async iterable a generator
 * can `for await`: chunks are buffered until read, then the iteration ends with the producer's
 * result or throws its error.
 */
export class ChunkChannel<T> {
	readonly #chunks: T[] = [];
	#settled: { ok: true } | { ok: false; error: unknown } | undefined;
	#wake: (() => void) | undefined;

	push(chunk: T): void {
		if (this.#settled) return;
		this.#chunks.push(chunk);
		this.#notify();
	}

	/** The producer finished; what was pushed is still read first. */
	close(): void {
		this.#settled ??= { ok: true };
		this.#notify();
	}

	/** The producer failed; what was pushed is read first, then the error is thrown. */
	fail(error: unknown): void {
		this.#settled ??= { ok: false, error };
		this.#notify();
	}

	async *[Symbol.asyncIterator](): AsyncGenerator<T> {
		for (;;) {
			const chunk = this.#chunks.shift();
			if (chunk !== undefined) {
				yield chunk;
				continue;
			}
			const settled = this.#settled;
			if (settled) {
				if (!settled.ok) throw settled.error;
				return;
			}
			await new Promise<void>((resolve) => (this.#wake = resolve));
		}
	}

	#notify(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}
}
