// Where the person's own eval sets and the runs of any set are kept (a port: Dexie in the
// browser, a file or SQLite in the terminal).
import type { EvalRun, EvalSet } from '$lib/evals/types';

export interface EvalStore {
	/** The person's own sets (built-in ones ship with Hearth and are never stored). */
	sets(): Promise<EvalSet[]>;
	saveSet(set: EvalSet): Promise<void>;
	deleteSet(id: string): Promise<void>;
	/** Every run, newest first. */
	runs(): Promise<EvalRun[]>;
	saveRun(run: EvalRun): Promise<void>;
	deleteRun(id: string): Promise<void>;
}
