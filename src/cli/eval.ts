// `hearth eval [SET] --model A [--model B]`: runs an eval set (a built-in one, or a JSON file in
// the format the web app exports) against one or more models on the same harness as the web
// app's Evals screen, one model after the other, with a progress bar; Ctrl-C stops the run and
// the table shows what finished. Each finished run is also kept as JSON in the data folder.
import cliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineChoice } from '$lib/engine/types';
import { BUILT_IN_SETS } from '$lib/evals/golden/core-set';
import { sandboxCodeRunner } from '$lib/evals/graders/code';
import { runEval, type EvalTarget } from '$lib/evals/harness';
import { summarize } from '$lib/evals/report';
import { parseEvalFile } from '$lib/evals/schema';
import type { EvalRun, EvalSet } from '$lib/evals/types';
import type { HtmlParser } from '$lib/net/readable';
import { openScratchWorkspace } from '$lib/storage/eval-workspace';
import { HearthError, toHearthError } from '$lib/types/errors';
import { isGgufPath, NodeEngineChooser } from '../node/engine-chooser';
import { ensurePrivateDir } from '../node/paths';
import type { NodeRuntime } from '../node/runtime';
import { comparisonTable } from './eval-table';
import { EXIT, exitCodeFor } from './exit-codes';
import { dim, terminalOutput, type Output } from './render';

/** Larger eval files are refused before reading (the built-in set is ~60 KB). */
export const MAX_SET_BYTES = 5 * 1024 * 1024;

export interface EvalCommandOptions {
	/** --model, in order; none: the engine and model the terminal uses anyway. */
	models: string[];
	/** --set: which set of a file holding several. */
	set?: string;
	/** --only: case ids. */
	only?: string[];
	maxTokens?: number;
	json?: boolean;
	cwd?: string;
	/** Stops the run like Ctrl-C does (tests; SIGINT is always listened to as well). */
	signal?: AbortSignal;
	out?: Output;
	notes?: Output;
}

/** The set to run: a built-in set's id, or an eval-set file (its only set, or the one `--set` names). */
export async function loadEvalSet(spec: string | undefined, pick?: string, cwd = process.cwd()) {
	const builtIn = BUILT_IN_SETS.find((s) => s.id === (spec ?? BUILT_IN_SETS[0]!.id));
	if (builtIn) return builtIn;
	const file = path.resolve(cwd, spec!);
	let size: number;
	try {
		size = (await stat(file)).size;
	} catch {
		const known = BUILT_IN_SETS.map((s) => s.id).join(', ');
		throw new HearthError(
			'import_invalid',
			`No eval set "${spec}": not a built-in set (${known}) and no such file.`
		);
	}
	if (size > MAX_SET_BYTES) {
		throw new HearthError(
			'content_too_large',
			`${spec} is over ${MAX_SET_BYTES / 1024 / 1024} MB: not an eval set Hearth reads.`
		);
	}
	const sets = parseEvalFile(await readFile(file, 'utf8'));
	if (sets.length === 0) throw new HearthError('import_invalid', `${spec} holds no eval set.`);
	if (pick !== undefined) {
		const found = sets.find((s) => s.id === pick || s.name === pick);
		if (!found) {
			throw new HearthError(
				'import_invalid',
				`${spec} has no set "${pick}"; it has: ${sets.map((s) => s.id).join(', ')}.`
			);
		}
		return found;
	}
	if (sets.length > 1) {
		throw new HearthError(
			'import_invalid',
			`${spec} holds ${sets.length} sets; name one with --set (${sets.map((s) => s.id).join(', ')}).`
		);
	}
	return sets[0]!;
}

const SHORT_KIND: Record<string, string> = {
	llamacpp: 'llama.cpp',
	ollama: 'Ollama',
	openai: 'OpenAI-compatible'
};

/** One model to run: its engine (own chooser, so each is loaded and unloaded on its own). */
interface Contender {
	target: EvalTarget;
	close(): Promise<void>;
}

/** A --model value as an engine and model: a .gguf file, or a model an engine offers. */
async function contender(
	runtime: NodeRuntime,
	spec: string | undefined,
	cwd: string
): Promise<Contender> {
	let choice: EngineChoice;
	let chooser: NodeEngineChooser | null = null;
	if (spec === undefined) {
		choice = await runtime.engines.choose();
	} else {
		const file = isGgufPath(spec) ? path.resolve(cwd, spec) : undefined;
		if (file && !existsSync(file)) {
			throw new HearthError('model_not_found', `No model file at ${file}.`);
		}
		chooser = new NodeEngineChooser({
			config: runtime.config.effective,
			modelFile: file,
			modelName: file ? undefined : spec,
			modelsDir: runtime.modelsDir,
			threads: runtime.engines.threads
		});
		choice = file ? await chooser.choose() : await chooser.use(spec);
	}
	return {
		target: {
			choice,
			label: `${SHORT_KIND[choice.kind] ?? choice.kind} · ${choice.model}`,
			info: (chooser ?? runtime.engines).modelInfo(choice.kind, choice.model)
		},
		close: async () => chooser?.close()
	};
}

/** Failures that say the model cannot answer at all: the run stops instead of failing every case. */
const ENGINE_GONE = new Set([
	'no_model',
	'model_not_found',
	'model_not_downloaded',
	'model_corrupt',
	'model_unsupported',
	'engine_unreachable'
]);

/** jsdom (slow to import) only for a set whose cases read pages. */
async function htmlParserFor(set: EvalSet): Promise<HtmlParser | undefined> {
	if (!set.cases.some((c) => c.tools?.includes('fetch_page'))) return undefined;
	const { JSDOM } = await import('jsdom');
	return (html, url) => new JSDOM(html, { url }).window.document;
}

export async function evalCommand(
	runtime: NodeRuntime,
	setSpec: string | undefined,
	options: EvalCommandOptions
): Promise<number> {
	const out = options.out ?? terminalOutput();
	const notes = options.notes ?? terminalOutput(process.stderr);
	const cwd = options.cwd ?? process.cwd();
	let set: EvalSet;
	try {
		set = await loadEvalSet(setSpec, options.set, cwd);
	} catch (e) {
		notes.write(`hearth eval: ${toHearthError(e).message}\n`);
		return EXIT.usage;
	}
	const only = options.only?.filter(Boolean);
	if (only?.length) {
		const unknown = only.filter((id) => !set.cases.some((c) => c.id === id));
		if (unknown.length) {
			notes.write(
				`hearth eval: ${set.name} has no case ${unknown.map((u) => `"${u}"`).join(', ')}\n`
			);
			return EXIT.usage;
		}
	}
	const total = only?.length ? only.length : set.cases.length;

	const abort = new AbortController();
	const onSigint = () => abort.abort();
	process.on('SIGINT', onSigint);
	if (options.signal?.aborted) abort.abort();
	options.signal?.addEventListener('abort', onSigint, { once: true });
	const runs: EvalRun[] = [];
	// Set from progress callbacks too, hence a holder TypeScript does not narrow away.
	const stopped: { failure: HearthError | null } = { failure: null };
	try {
		const parseHtml = await htmlParserFor(set);
		const specs: (string | undefined)[] = options.models.length ? options.models : [undefined];
		for (const spec of specs) {
			if (abort.signal.aborted) break;
			let who: Contender;
			try {
				who = await contender(runtime, spec, cwd);
			} catch (e) {
				stopped.failure = toHearthError(e);
				break;
			}
			const bar = notes.styled
				? new cliProgress.SingleBar(
						{
							format: `${who.target.label} {bar} {value}/{total} {case}`,
							stream: process.stderr,
							hideCursor: true,
							clearOnComplete: true
						},
						cliProgress.Presets.shades_classic
					)
				: null;
			bar?.start(total, 0, { case: '' });
			if (!bar) notes.write(`${who.target.label}: ${set.name}, ${total} cases\n`);
			// A model that cannot answer at all stops its run at the first case that says so.
			const stopModel = new AbortController();
			const signal = AbortSignal.any([abort.signal, stopModel.signal]);
			try {
				const run = await runEval(
					set,
					who.target,
					{
						settings: () => runtime.settings,
						openWorkspace: openScratchWorkspace,
						// run_python inside cases, and the code cases' hidden tests: the terminal's
						// Pyodide child, as the web app's Evals screen uses its worker.
						python: runtime.python,
						code: sandboxCodeRunner(runtime.python),
						...(parseHtml ? { parseHtml } : {})
					},
					{
						signal,
						...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
						...(only?.length ? { only } : {}),
						onProgress: ({ done, result, current }) => {
							if (result?.error && ENGINE_GONE.has(result.error.code)) {
								stopped.failure = new HearthError(result.error.code, result.error.message);
								stopModel.abort();
							}
							if (bar) bar.update(done, { case: current ?? '' });
							else if (result) {
								const verdict = result.pass ? 'pass' : 'fail';
								notes.write(`  [${done}/${total}] ${result.caseId} ${verdict}\n`);
							}
						}
					}
				);
				if (stopped.failure) break;
				runs.push(run);
			} finally {
				bar?.stop();
				await who.close();
			}
		}
	} finally {
		process.off('SIGINT', onSigint);
	}

	const interrupted = abort.signal.aborted;
	const failure = stopped.failure;
	const finished = runs.filter((r) => r.results.length > 0);
	const saved = await saveRuns(runtime, finished).catch((e: unknown) => {
		notes.write(`hearth eval: the runs were not kept: ${toHearthError(e).message}\n`);
		return [] as string[];
	});
	if (options.json) {
		out.write(
			`${JSON.stringify(
				{
					set: { id: set.id, name: set.name, version: set.version },
					runs: finished,
					summaries: finished.map((r) => ({ label: r.label, ...summarize(r.results) })),
					...(interrupted ? { interrupted: true } : {}),
					...(failure ? { error: failure.toJSON() } : {})
				},
				null,
				2
			)}\n`
		);
	} else if (finished.length) {
		out.write(`${comparisonTable(set, finished, out)}\n`);
	}
	if (!options.json && saved.length) {
		notes.write(dim(notes, `Kept: ${saved.join(', ')}\n`));
	}
	if (interrupted) {
		notes.write('hearth eval: stopped (Ctrl-C); the table shows the cases that finished.\n');
		return EXIT.interrupted;
	}
	if (failure) {
		notes.write(`hearth eval: ${failure.message}\n`);
		return exitCodeFor(failure);
	}
	return EXIT.ok;
}

/** Each run as JSON under the data folder's eval-runs/ (the web app keeps them in its database). */
async function saveRuns(runtime: NodeRuntime, runs: readonly EvalRun[]): Promise<string[]> {
	if (runs.length === 0) return [];
	const dir = path.join(runtime.paths.dataDir, 'eval-runs');
	await ensurePrivateDir(dir);
	await mkdir(dir, { recursive: true });
	const files: string[] = [];
	for (const run of runs) {
		const stamp = new Date(run.startedAt).toISOString().replace(/[:.]/g, '-');
		const file = path.join(dir, `${stamp}-${run.id.slice(0, 8)}.json`);
		await writeFile(file, `${JSON.stringify(run, null, '\t')}\n`, { mode: 0o600 });
		files.push(file);
	}
	return files;
}
