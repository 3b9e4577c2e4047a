// `hearth index <folder>`: the folder's documents into the knowledge base the answers search
// (search_knowledge, citations as `[1] path:line`). A progress bar on a terminal (cli-progress),
// a line per file otherwise; Ctrl-C cancels cleanly (committed files stay, the next run goes on
// from there). `hearth index` alone lists the indexed folders; --remove forgets one;
// --search tries a query the way the tool runs it.
import cliProgress from 'cli-progress';
import type { JobProgress } from '$lib/knowledge/pipeline/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { NodeRuntime } from '../node/runtime';
import type { IndexOutcome } from '../node/node-knowledge';
import { EXIT, exitCodeFor } from './exit-codes';
import type { CliValues } from './main';
import { dim, terminalOutput, type Output } from './render';

function megabytes(bytes: number): string {
	return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

function summary(result: IndexOutcome): string {
	const parts = [
		`${result.filesIndexed} indexed`,
		`${result.filesSkipped} unchanged`,
		`${result.filesRemoved} removed`,
		`${result.errors.length} not readable`
	];
	return `${result.folder}: ${result.filesTotal} files (${parts.join(', ')}), ${result.chunks} new passages, ${result.embedded + result.caughtUp} embedded.`;
}

/** The bar on a terminal; one line per finished file when piped (a log is readable later). */
function progressView(notes: Output) {
	const bar = notes.styled
		? new cliProgress.SingleBar(
				{
					format:
						'Indexing {bar} {percentage}% | {files} files | {chunks} passages | {eta_formatted} | {file}',
					stream: process.stderr,
					hideCursor: true,
					etaBuffer: 20
				},
				cliProgress.Presets.shades_classic
			)
		: null;
	let started = false;
	let filesDone = 0;
	return {
		update(p: JobProgress) {
			const payload = {
				files: `${p.filesDone}/${p.filesTotal}`,
				chunks: p.chunks,
				file: (p.current ?? '').slice(-40)
			};
			if (bar) {
				if (!started && p.bytesTotal > 0) {
					bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload);
					started = true;
				} else if (started) bar.update(p.bytesDone, payload);
			} else if (p.filesDone > filesDone) {
				filesDone = p.filesDone;
				notes.write(
					`[${p.filesDone}/${p.filesTotal}] ${megabytes(p.bytesDone)}/${megabytes(p.bytesTotal)} MB, ${p.chunks} passages\n`
				);
			}
		},
		stop() {
			if (started) bar?.stop();
			started = false;
		}
	};
}

async function listFolders(runtime: NodeRuntime, values: CliValues): Promise<number> {
	const out = terminalOutput();
	const folders = await runtime.knowledge.folders();
	if (values.json) {
		out.write(`${JSON.stringify(folders, null, 2)}\n`);
		return EXIT.ok;
	}
	if (folders.length === 0) out.write('No folder is indexed yet: hearth index <folder>\n');
	for (const f of folders) {
		const failed = f.failed ? `, ${f.failed} not readable` : '';
		out.write(`${f.name}  ${f.documents - f.failed} documents, ${f.chunks} passages${failed}\n`);
	}
	const why = runtime.knowledge.keywordOnly;
	if (why) out.write(dim(out, `Keyword search only: ${why}.\n`));
	return EXIT.ok;
}

async function searchIndex(runtime: NodeRuntime, query: string, values: CliValues) {
	const out = terminalOutput();
	const result = await runtime.knowledge.search(query, { k: 6 });
	const cited = await Promise.all(
		result.passages.map(async (p) => ({ ...p, citation: await runtime.knowledge.citation(p) }))
	);
	if (values.json) {
		out.write(`${JSON.stringify({ ...result, passages: cited }, null, 2)}\n`);
		return EXIT.ok;
	}
	if (result.fallback) out.write(dim(out, `${result.fallback}\n`));
	if (cited.length === 0) out.write(`Nothing in the indexed folders matches "${query}".\n`);
	cited.forEach((p, i) => {
		const text = p.text.replace(/\s+/g, ' ').trim();
		out.write(`[${i + 1}] ${p.citation}\n    ${dim(out, text.slice(0, 160))}\n`);
	});
	return EXIT.ok;
}

export async function indexCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const notes = terminalOutput(process.stderr);
	if (values.search !== undefined) return searchIndex(runtime, values.search, values);
	const [folder, ...extra] = args;
	if (extra.length > 0) {
		notes.write('hearth: index takes one folder: hearth index ~/notes\n');
		return EXIT.usage;
	}
	if (!folder) return listFolders(runtime, values);
	if (values.remove) {
		const removed = await runtime.knowledge.removeFolder(folder);
		notes.write(removed ? `Forgot ${folder}.\n` : `hearth: ${folder} is not indexed.\n`);
		return removed ? EXIT.ok : EXIT.usage;
	}
	const abort = new AbortController();
	const onSigint = () => abort.abort();
	process.on('SIGINT', onSigint);
	const view = values.json ? null : progressView(notes);
	try {
		const why = runtime.knowledge.keywordOnly;
		if (why && !values.json) {
			notes.write(dim(notes, `Keyword search only: ${why}.\n`));
		}
		const result = await runtime.knowledge.indexFolder(folder, {
			signal: abort.signal,
			onProgress: (p) => view?.update(p),
			onCatchUp: ({ done, total }) => {
				if (!values.json && done === 0 && total > 0) {
					notes.write(`Embedding ${total} passages indexed without a model before…\n`);
				}
			}
		});
		view?.stop();
		if (values.json) {
			process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
		} else {
			for (const e of result.errors) notes.write(`  skipped ${e.path}: ${e.error.message}\n`);
			if (result.state === 'cancelled') {
				notes.write(
					`Stopped. ${result.filesIndexed} files were indexed and are kept; run it again to go on.\n`
				);
			} else if (result.state === 'failed') {
				notes.write(`hearth: indexing failed: ${result.error?.message ?? 'unknown error'}\n`);
			} else {
				terminalOutput().write(`${summary(result)}\n`);
			}
		}
		if (result.state === 'cancelled') return EXIT.interrupted;
		if (result.state === 'failed') {
			const error = result.error ?? { code: 'unknown' as const, message: 'indexing failed' };
			return exitCodeFor(new HearthError(error.code, error.message));
		}
		return EXIT.ok;
	} catch (e) {
		view?.stop();
		const error = toHearthError(e);
		notes.write(`hearth: ${error.message}\n`);
		// The folder named is wrong (missing, a file): a usage mistake, not a broken setup.
		if (error.code === 'file_not_found' || error.code === 'not_supported') return EXIT.usage;
		return exitCodeFor(error);
	} finally {
		process.off('SIGINT', onSigint);
	}
}
