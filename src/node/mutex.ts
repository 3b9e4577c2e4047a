/** Serialises access to the one loaded model: llama.cpp evaluates one sequence at a time. */
export class Mutex {
	#tail: Promise<void> = Promise.resolve();

	acquire(): Promise<() => void> {
		let release!: () => void;
		const next = new Promise<void>((resolve) => (release = resolve));
		const turn = this.#tail.then(() => release);
		this.#tail = this.#tail.then(() => next);
		return turn;
	}
}
