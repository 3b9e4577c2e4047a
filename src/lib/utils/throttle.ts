/**
 * Runs `work` at most once per `ms`, always with the latest state, never two at a time;
 * `flush()` runs any pending call now and resolves when all writes are done.
 */
export function throttled(work: () => Promise<void>, ms: number) {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let pending = false;
	let running: Promise<void> = Promise.resolve();

	const run = () => {
		timer = null;
		pending = false;
		// `work` handles its own failures; a rejection here must not break the chain.
		running = running.then(work).catch(() => {});
	};

	return {
		schedule(): void {
			pending = true;
			if (timer === null) timer = setTimeout(run, ms);
		},
		async flush(): Promise<void> {
			if (timer !== null) clearTimeout(timer);
			if (pending) run();
			await running;
		}
	};
}
