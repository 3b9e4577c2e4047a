// `hearth models`: what each configured engine offers, and which one answers by default.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { catalogBytes, GGUF_CATALOG, ggufCatalogEntry } from '$lib/engine/gguf-catalog';
import { toHearthError } from '$lib/types/errors';
import { downloadModel, megabytes, recommendedModel } from './download';
import type { NodeRuntime } from '../node/runtime';
import type { CliValues } from './main';
import { EXIT } from './exit-codes';
import { bold, dim, terminalOutput } from './render';

export async function modelsCommand(
	runtime: NodeRuntime,
	args: string[],
	values: CliValues
): Promise<number> {
	const out = terminalOutput();
	if (args[0] === 'download') {
		const key = args[1] ?? recommendedModel().key;
		const model = ggufCatalogEntry(key);
		if (!model) {
			process.stderr.write(`hearth: no catalog model "${key}" (hearth models lists them)\n`);
			return EXIT.usage;
		}
		const files = await downloadModel(runtime, model, terminalOutput(process.stderr));
		out.write(`Downloaded ${model.name}: ${files.join(', ')}\n`);
		return EXIT.ok;
	}
	const lists = await runtime.engines.listModels();
	let current: { kind: string; model: string } | null = null;
	try {
		current = await runtime.engines.choose(null);
	} catch (e) {
		if (!values.json) out.write(`${dim(out, toHearthError(e).message)}\n\n`);
	}
	if (values.json) {
		out.write(
			`${JSON.stringify({ default: current && { engine: current.kind, model: current.model }, engines: lists }, null, 2)}\n`
		);
		return EXIT.ok;
	}
	for (const list of lists) {
		out.write(`${bold(out, list.label)}\n`);
		if (list.models.length === 0) out.write(`  ${dim(out, '(no models)')}\n`);
		for (const m of list.models) {
			const mark = current?.kind === list.kind && current.model === m.id ? '*' : ' ';
			const size = m.sizeBytes ? ` ${dim(out, `${(m.sizeBytes / 1e6).toFixed(1)} MB`)}` : '';
			out.write(`${mark} ${m.id}${size}\n`);
		}
	}
	out.write(`\n${bold(out, 'GGUF catalog')} ${dim(out, '(hearth models download KEY)')}\n`);
	for (const m of GGUF_CATALOG) {
		const here = existsSync(path.join(runtime.modelsDir, path.basename(m.model.file)));
		const tag = m.key === recommendedModel().key ? ' (recommended)' : '';
		out.write(
			`${here ? '✓' : ' '} ${m.key.padEnd(18)} ${megabytes(catalogBytes(m)).padStart(9)}  ${m.name}${tag}\n`
		);
	}
	if (runtime.engines.candidates.some((c) => String(c.kind) === 'llamacpp')) {
		out.write(dim(out, `\nllama.cpp runs with ${runtime.engines.threads} thread(s).\n`));
	}
	return EXIT.ok;
}
