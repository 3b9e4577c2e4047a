import type { EvalStore } from '$lib/evals/eval-store';
import type { EvalRun, EvalSet } from '$lib/evals/types';
import type { HearthDb } from '$lib/storage/db';
import { guarded } from '$lib/storage/guarded';

/** The person's eval sets and every run, in IndexedDB. */
export class EvalRepository implements EvalStore {
	readonly #db: HearthDb;

	constructor(db: HearthDb) {
		this.#db = db;
	}

	sets(): Promise<EvalSet[]> {
		return guarded(() => this.#db.evalSets.toArray());
	}

	async saveSet(set: EvalSet): Promise<void> {
		await guarded(() => this.#db.evalSets.put({ ...set, builtIn: false, updatedAt: Date.now() }));
	}

	async deleteSet(id: string): Promise<void> {
		await guarded(() => this.#db.evalSets.delete(id));
	}

	runs(): Promise<EvalRun[]> {
		return guarded(() => this.#db.evalRuns.orderBy('startedAt').reverse().toArray());
	}

	async saveRun(run: EvalRun): Promise<void> {
		await guarded(() => this.#db.evalRuns.put(run));
	}

	async deleteRun(id: string): Promise<void> {
		await guarded(() => this.#db.evalRuns.delete(id));
	}
}
