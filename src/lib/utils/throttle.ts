/**
 * Runs `work` at most once per `ms`, always with the latest state, never two at a time.
 * `settle()` drops a pending call and waits for the running one, for a caller that writes the
 * final state itself (so the last write is not done twice).
 */
export function throttled(work: () => Promise<void>, ms: number) {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let running: Promise<void> = Promise.resolve();

	const run = () => {
		timer = null;
		// `work` handles its own failures; a rejection here must not break the chain.
		running = running.then(work).catch(() => {});
	};

	return {
		schedule(): void {
			if (timer === null) timer = setTimeout(run, ms);
		},
		async settle(): Promise<void> {
			if (timer !== null) clearTimeout(timer);
			timer = null;
			await running;
		}
	};
}
