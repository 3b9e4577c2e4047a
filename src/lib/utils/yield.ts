/**
 * Gives the main thread back (to input and paint) between two pieces of work, so a start-up or a
 * long job is several short tasks instead of one long one. `scheduler.yield()` where the browser
 * has it (the rest keeps its place in the queue), else a new task.
 */
export function yieldToMain(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (typeof scheduler?.yield === 'function') return scheduler.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}
