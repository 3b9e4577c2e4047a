// The Evals screen's state: sets (built-in and the person's own), runs kept over time, one run in
// progress with its progress and cancel, comparing two runs. The harness in evals/ does the work.
import { BUILT_IN_SETS } from '$lib/evals/golden/core-set';
import { MY_SET_ID, emptyMySet, withCase, withoutCase } from '$lib/evals/from-answer';
import type { EvalStore } from '$lib/evals/eval-store';
import { sandboxCodeRunner } from '$lib/evals/graders/code';
import { engineJudge } from '$lib/evals/graders/judge';
import { runEval, type EvalProgress } from '$lib/evals/harness';
import { evalFileText, parseEvalFile, validateCase } from '$lib/evals/schema';
import type { EvalCase, EvalRun, EvalSet } from '$lib/evals/types';
import type { EngineKind } from '$lib/engine/types';
import type { EmbedFn } from '$lib/memory/vectors';
import type { EngineState } from '$lib/state/engine.svelte';
import type { PythonRunner } from '$lib/tools/python';
import { toHearthError, type HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

export interface EvalTargetOption {
	kind: EngineKind;
	model: string;
	label: string;
}

export interface EvalsDeps {
	store: EvalStore;
	engine: EngineState;
	settings: () => Settings;
	python: () => Promise<PythonRunner>;
	/** The person's embedding model when loaded (memory cases then match by meaning). */
	embed?: () => { model: string; embed: EmbedFn } | undefined;
	onError: (e: HearthError) => void;
}

export function targetKey(t: Pick<EvalTargetOption, 'kind' | 'model'>): string {
	return `${t.kind}|${t.model}`;
}

export class EvalsState {
	custom = $state<EvalSet[]>([]);
	runs = $state<EvalRun[]>([]);
	/** The run in progress. */
	running = $state<{ label: string; setName: string; progress: EvalProgress } | null>(null);
	loaded = $state(false);
	readonly #deps: EvalsDeps;
	#abort: AbortController | null = null;

	constructor(deps: EvalsDeps) {
		this.#deps = deps;
	}

	get sets(): EvalSet[] {
		return [...BUILT_IN_SETS, ...this.custom];
	}

	/** Every engine and model Hearth can answer with now. */
	get targets(): EvalTargetOption[] {
		const out: EvalTargetOption[] = [];
		for (const candidate of Object.values(this.#deps.engine.candidates)) {
			if (candidate.status !== 'ready') continue;
			for (const m of candidate.models) {
				out.push({
					kind: candidate.kind,
					model: m.id,
					label: `${candidate.name} · ${m.name ?? m.id}`
				});
			}
		}
		return out;
	}

	async load(): Promise<void> {
		try {
			const [custom, runs] = await Promise.all([this.#deps.store.sets(), this.#deps.store.runs()]);
			this.custom = custom;
			this.runs = runs;
			this.loaded = true;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
		}
	}

	/** Runs a set on one engine and model; the run is kept (also when cancelled part-way). */
	async run(
		setId: string,
		target: Pick<EvalTargetOption, 'kind' | 'model'>,
		options: { judge?: Pick<EvalTargetOption, 'kind' | 'model'>; only?: string[] } = {}
	): Promise<EvalRun | null> {
		const set = this.sets.find((s) => s.id === setId);
		if (!set || this.running) return null;
		const abort = new AbortController();
		this.#abort = abort;
		const label =
			this.targets.find((t) => targetKey(t) === targetKey(target))?.label ?? target.model;
		this.running = { label, setName: set.name, progress: { done: 0, total: set.cases.length } };
		try {
			const engine = this.#deps.engine;
			const choice = await engine.choose({ engine: target.kind, model: target.model });
			const judgeChoice = options.judge
				? await engine.choose({ engine: options.judge.kind, model: options.judge.model })
				: undefined;
			const python = await this.#deps.python();
			const { openScratchWorkspace } = await import('$lib/storage/eval-workspace');
			const run = await runEval(
				set,
				{ choice, label, info: engine.modelInfo(target.kind, target.model) },
				{
					settings: this.#deps.settings,
					openWorkspace: (kase) => openScratchWorkspace(kase, { embed: this.#deps.embed?.() }),
					python,
					code: sandboxCodeRunner(python),
					...(judgeChoice
						? { judge: engineJudge(judgeChoice, `${judgeChoice.kind} · ${judgeChoice.model}`) }
						: {})
				},
				{
					signal: abort.signal,
					only: options.only,
					onProgress: (progress) => {
						if (this.running) this.running = { ...this.running, progress };
					}
				}
			);
			await this.#deps.store.saveRun(run);
			this.runs = [run, ...this.runs];
			return run;
		} catch (e) {
			const error = toHearthError(e);
			if (error.code !== 'aborted') this.#deps.onError(error);
			return null;
		} finally {
			if (this.#abort === abort) this.#abort = null;
			this.running = null;
		}
	}

	cancel(): void {
		this.#abort?.abort();
	}

	async deleteRun(id: string): Promise<void> {
		await this.#act(async () => {
			await this.#deps.store.deleteRun(id);
			this.runs = this.runs.filter((r) => r.id !== id);
		});
	}

	/** Adds a case to "My cases" (validated like an imported one); false when refused. */
	async addCase(kase: EvalCase): Promise<boolean> {
		return this.#act(async () => {
			const valid = validateCase(kase);
			const mine = this.custom.find((s) => s.id === MY_SET_ID) ?? emptyMySet();
			await this.#save(withCase(mine, valid));
		});
	}

	async deleteCase(setId: string, caseId: string): Promise<void> {
		const set = this.custom.find((s) => s.id === setId);
		if (set) await this.#act(() => this.#save(withoutCase(set, caseId)));
	}

	async deleteSet(id: string): Promise<void> {
		await this.#act(async () => {
			await this.#deps.store.deleteSet(id);
			this.custom = this.custom.filter((s) => s.id !== id);
		});
	}

	/** Imports sets from a JSON file (validated); a set with the same id is replaced. */
	async importFile(text: string): Promise<number> {
		let count = 0;
		await this.#act(async () => {
			const sets = parseEvalFile(text);
			for (const set of sets) {
				if (BUILT_IN_SETS.some((b) => b.id === set.id)) set.id = `${set.id}-copy`;
				await this.#save(set);
			}
			count = sets.length;
		});
		return count;
	}

	exportText(setId: string): string | null {
		const set = this.sets.find((s) => s.id === setId);
		return set ? evalFileText([set]) : null;
	}

	async #save(set: EvalSet): Promise<void> {
		await this.#deps.store.saveSet(set);
		const others = this.custom.filter((s) => s.id !== set.id);
		this.custom = [...others, { ...set, builtIn: false }];
	}

	async #act(work: () => Promise<void>): Promise<boolean> {
		try {
			await work();
			return true;
		} catch (e) {
			this.#deps.onError(toHearthError(e));
			return false;
		}
	}
}
