/**
 * Runs `work` at most once per `ms`, always with the latest state, never two at a time;
 * `flush()` runs any pending call now and resolves when all writes are done.
 */
export function throttled(work: () => Promise<void>, ms: number) {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let pending = false;
	let running: Promise<void> = Promise.resolve();
	let lastError: unknown = null;

	const run = () => {
		timer = null;
		pending = false;
		running = running.then(work).catch((e: unknown) => {
			lastError = e;
		});
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
		},
		/** The last failure of `work`, cleared when read. */
		takeError(): unknown {
			const e = lastError;
			lastError = null;
			return e;
		}
	};
}
