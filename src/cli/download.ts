// Downloading a catalog model from the terminal, with a progress bar (cli-progress) on a
// terminal and a line per 10% otherwise; Ctrl-C stops it and the next run resumes.
import cliProgress from 'cli-progress';
import path from 'node:path';
import { catalogFiles, GGUF_CATALOG, type GgufCatalogModel } from '$lib/engine/gguf-catalog';
import { catalogFileUrl, DEFAULT_GGUF_BASE_URL, downloadGguf } from '../node/gguf-download';
import type { NodeRuntime } from '../node/runtime';
import type { Output } from './render';

/** The one to offer first: the smallest that can call tools. */
export function recommendedModel(): GgufCatalogModel {
	return GGUF_CATALOG.find((m) => m.capabilities.includes('tools')) ?? GGUF_CATALOG[0]!;
}

export function megabytes(bytes: number): string {
	return `${Math.round(bytes / 1e6).toLocaleString('en')} MB`;
}

export async function downloadModel(
	runtime: NodeRuntime,
	model: GgufCatalogModel,
	notes: Output,
	env: Readonly<Record<string, string | undefined>> = process.env
): Promise<string[]> {
	const base = env.HEARTH_GGUF_BASE_URL || DEFAULT_GGUF_BASE_URL;
	const abort = new AbortController();
	const onSigint = () => abort.abort();
	process.on('SIGINT', onSigint);
	const saved: string[] = [];
	try {
		for (const file of catalogFiles(model)) {
			const dest = path.join(runtime.modelsDir, path.basename(file.file));
			const bar = notes.styled
				? new cliProgress.SingleBar(
						{
							format: `${path.basename(file.file)} {bar} {percentage}% {value}/{total} MB`,
							stream: process.stderr,
							hideCursor: true
						},
						cliProgress.Presets.shades_classic
					)
				: null;
			bar?.start(Math.round(file.bytes / 1e6), 0);
			let lastTenth = -1;
			try {
				saved.push(
					await downloadGguf({
						url: catalogFileUrl(model, file.file, base),
						dest,
						bytes: file.bytes,
						exact: model.sizeSource.exact,
						purpose: `model download: ${model.name}`,
						net: runtime.net,
						signal: abort.signal,
						onProgress: ({ received, total }) => {
							const all = total ?? file.bytes;
							if (bar) {
								bar.setTotal(Math.round(all / 1e6));
								bar.update(Math.round(received / 1e6));
							} else {
								const tenth = Math.floor((received / all) * 10);
								if (tenth !== lastTenth) {
									lastTenth = tenth;
									notes.write(`${path.basename(file.file)}: ${tenth * 10}%\n`);
								}
							}
						}
					})
				);
			} finally {
				bar?.stop();
			}
		}
		return saved;
	} finally {
		process.off('SIGINT', onSigint);
	}
}
